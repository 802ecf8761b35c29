"""Decoding garbled Arabic back to words: a lattice over garbled tokens, best path by Viterbi.

A garbled space is either a word gap or a letter the font lost, so a word may span several garbled
tokens; each arc of the lattice is a lexicon word whose predicted garbled form (its key) equals the
tokens it covers, scored by channel x language model. Garbled `ل`/`ع` at a word's end may be the Arabic
comma/semicolon. Tokens no word explains are kept as they are, at a price, and flagged as uncertain.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from egm_text.arabic import DIACRITICS, KASHIDA_RUN
from egm_text.repair.lexicon import Lexicon, normalise_key
from egm_text.repair.lm import DomainLM

MAX_SPAN = 4  # garbled tokens one word may cover
# a token no key explains is read as two glued words (`_glued_pair`) only when it is this long, each word
# at least GLUED_WORD_MIN letters: shorter ones are too easily two short common words by chance
GLUED_TOKEN_MIN = 7
GLUED_WORD_MIN = 3
# an Arabic token keeps its diacritics (`أُالِغ`): they are taken off to read it and put back on the reading
_PIECE = re.compile(r"[\u0621-\u064A][\u0621-\u065F\u0670]*|\s+|[^\s\u0621-\u064A]+")
_AR_TOKEN = re.compile(r"[\u0621-\u064A][\u0621-\u065F\u0670]*")
_SPACE_BEFORE_MARK = re.compile(r"(?<=\S)\s+([،؛.:])(?=\s|$)|(?<=\S)\s+(\))(?=[\s،؛.:]|$)")
_LONE_CONJUNCTION = re.compile(r"(?<!\S)و (?=[\u0621-\u064A]{2})")


SHADDA_FATHA = "\u064e\u0651"  # (fatha, shadda: canonical order) the font draws this pair as the glyph it maps to `ا`
GARBLED_MARKS = {"ل": "،", "ع": "؛"}  # the font draws the Arabic comma as ل and the semicolon as ع


def without_garbled_mark(key: str) -> str | None:
    """The key without its final `ل`/`ع` when that may be a comma/semicolon the font garbled, else None."""
    return key[:-1] if len(key) > 1 and key[-1] in GARBLED_MARKS and key[-2] != " " else None


@dataclass
class DecoderParams:
    """Weights of the decoder's score; keyword-only, declared once."""

    lm_weight: float = 1.0
    bigram_weight: float = 1.0
    comma_logp: float = -2.5
    semicolon_logp: float = -4.0
    oov_logp: float = -24.0
    oov_char_logp: float = -0.7
    tail_space_missing: float = -6.0  # the word should end in a lost-letter space but the gap is single
    tail_space_glued: float = -2.0  # the same with a comma/semicolon glued on (the line's order repair may have put it there)
    tail_space_seen: float = 5.0  # a lost-letter reading where the garbled text shows the extra space
    extra_space_unexplained: float = -2.0  # a plain reading where the gap is wider than one space
    semicolon_misplaced: float = -6.0  # a semicolon reading in the middle of a clause
    lone_kashida: float = -2.5  # per single ئ of the garbled text read as a kashida, not as the letter
    hamza_unseen: float = -3.0  # per ئ of the word that the garbled text does not show
    rare_logp: float = -15.0  # a reading this rare (about zipf 2.5) leaves room for a respelling
    respell_logp: float = -8.0  # a word one letter away from a token no key explains (see `_unknown`)
    glued_pair_logp: float = -5.0  # a token no key explains read as two words whose runs touched (`_glued_pair`)
    search_readings: int = 2  # readings of an arc the order search scores (decoding scores 5)


@dataclass
class WordChoice:
    """One decoded word: the garbled tokens it covers, the chosen text, score margin and runner-up."""

    garbled: str
    text: str
    score: float
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    known: bool = True


class Decoder:
    """Viterbi decoding of garbled token runs with a lexicon and an optional bigram model."""

    def __init__(self, lexicon: Lexicon, *, params: DecoderParams | None = None, lm: DomainLM | None = None) -> None:
        self.lexicon = lexicon
        self.params = params or DecoderParams()
        self._lm = lm
        self._arc_memo: dict[str, list[tuple[str, float, bool, float]]] = {}
        self._logp_memo: dict[str, float] = {}
        self._key_memo: dict[str, str] = {}

    @property
    def lm(self) -> DomainLM | None:
        return self._lm

    @lm.setter
    def lm(self, lm: DomainLM | None) -> None:
        """Another model may know other word counts: the scores memoised with the old one are dropped."""
        if lm is not self._lm:
            self._lm = lm
            self._arc_memo.clear()
            self._logp_memo.clear()

    def key(self, token: str) -> str:
        """`normalise_key` of one garbled token, memoised (the order search asks for the same ones often)."""
        got = self._key_memo.get(token)
        if got is None:
            got = self._key_memo[token] = normalise_key(token)
        return got

    def word_logp(self, word: str) -> float:
        """Unigram log-probability, adapted to the domain when a domain model is present."""
        lp = self._logp_memo.get(word)
        if lp is None:
            lp = self.lexicon.word_logp(word)
            if self.lm is not None:
                lp = self.lm.unigram(word, lp)
            self._logp_memo[word] = lp
        return lp

    # --- arcs ---------------------------------------------------------------------------------
    def _word_options(self, key: str) -> list[tuple[str, float, bool, float]]:
        """Readings of one key: (text, score, tail-space flag, unigram log-prob), best first.

        Words, plus words followed by a comma/semicolon (garbled as a final ل/ع).
        """
        got = self._arc_memo.get(key)
        if got is not None:
            return got
        p = self.params
        opts: dict[tuple[str, bool], tuple[float, float]] = {}

        def add(text: str, lpc: float, tail: bool, word: str, extra: float = 0.0) -> None:
            lpw = self.word_logp(word)
            s = lpc + p.lm_weight * lpw + extra
            if s > opts.get((text, tail), (-1e18, 0.0))[0]:
                opts[(text, tail)] = (s, lpw)

        for w, lpc, tail in self.lexicon.candidates(key):
            add(w, lpc, tail, w)
        if (bare := without_garbled_mark(key)) is not None:
            mark = GARBLED_MARKS[key[-1]]
            lpm = self._mark_logp(mark)
            for w, lpc, tail in self.lexicon.candidates(bare):
                # the mark follows its word directly: a lost final letter would show as a space before it
                add(w + mark, lpc + (p.tail_space_glued if tail else 0.0), False, w, lpm)
        if key in GARBLED_MARKS:  # a lone garbled comma/semicolon token
            opts[(GARBLED_MARKS[key], False)] = (self._mark_logp(GARBLED_MARKS[key]) - 1.0, 0.0)
        got = sorted(((t, sc, tail, lpw) for (t, tail), (sc, lpw) in opts.items()), key=lambda x: -x[1])[:10]
        self._arc_memo[key] = got
        return got

    def is_known(self, token: str) -> bool:
        """Whether the lexicon (or the document's vocabulary) knows this word as written."""
        return self.word_logp(token) > self.lexicon.floor

    def is_suspicious(self, token: str, *, margin: float = 3.0) -> bool:
        """A token the garbled reading explains much better than the literal one.

        A word no reading explains at all (a name, or what an earlier repair left unknown) is not
        evidence of garbling, so repaired text is not judged garbled again.
        """
        opts = self._word_options(normalise_key(token))
        return bool(opts) and opts[0][0] != token and opts[0][1] > self.word_logp(token) + margin

    def _oov(self, token: str) -> tuple[str, float]:
        return token, self.params.oov_logp + self.params.oov_char_logp * len(token)

    def _unknown(self, token: str, *, respell: bool) -> list[tuple[str, float, bool, float]]:
        """Readings of a token no key explains: the token as it is, at a price, and when decoding (not
        when the order search scores a join) the words one letter away that the channel allows, at a
        further price. Either way the word is flagged as unknown."""
        p = self.params
        text, sc = self._oov(token)
        unknown = respell and not self.is_known(token)  # (the order search never asks: it scores joins)
        if unknown:  # a word outside the lexicon, spelled back letter by letter
            spelled = None
            if (bare := without_garbled_mark(token)) is not None:  # and a comma or semicolon after it
                spelled = self.lexicon.spelled_out(bare)
                spelled = spelled and spelled + GARBLED_MARKS[token[-1]]
            text = spelled or self.lexicon.spelled_out(token) or text
        opts = [(text, sc, False, p.oov_logp)]
        if unknown:  # a known word kept as it is was mostly not garbled
            opts = sorted(opts + self._respelled(token), key=lambda o: -o[1])
        return opts

    def _glued_pair(self, token: str, key: str) -> tuple[str, float, bool, float] | None:
        """The token read as two words with no space between them, or None: two runs of a line touch where
        the extraction put them side by side (`الوقائيةلتدااير` is `الوقائية، تدابير`), and whether or not
        the order step moves them apart, they are two words. Its unigram log-prob is the first word's.

        Only where the two words spell better Arabic than the token read as one word does (its spelling, see
        `Lexicon.spelled_out`, or itself): a character model sees `ةم` inside `الموسعةمجلس` as no word's
        letters, and a word the index lacks (`كأداتين`, not `كأداة تبين`) as one word rather than two."""
        if len(key) < GLUED_TOKEN_MIN:
            return None
        best = None
        for k in range(GLUED_WORD_MIN, len(key) - GLUED_WORD_MIN + 1):
            a, b = self._word_options(key[:k]), self._word_options(key[k:])
            if a and b:
                sc = a[0][1] + b[0][1] + self.params.glued_pair_logp
                if self.lm is not None:
                    sc += self.params.bigram_weight * self.lm.bigram_bonus(a[0][0], b[0][0], b[0][3])
                if best is None or sc > best[1]:
                    best = (f"{a[0][0]} {b[0][0]}", sc, b[0][2], a[0][3])
        if best is None:
            return None
        chars = self.lexicon.char_model()
        one = self.lexicon.spelled_out(token) or key
        two = sum(chars.logp(w.rstrip("،؛")) for w in best[0].split(" "))
        return best if two > chars.logp(one) else None

    def _shadda_drawn_as_alef(self, token: str) -> str:
        """A vowelled token with its shadda and fatha back where the font drew them as `ا` (`تُحداد` is
        `تُحدَّد`; `المُحدا` + `اة`, a word cut across runs, is `المُحدَّثة`), or the token as it is.

        Only in a token that shows the writer's marks (where such a pair is written) and that no key and no
        word explains, where dropping one `ا` after a letter leaves a token that a word does explain."""
        bare = DIACRITICS.sub("", token)
        if "ا" not in bare[1:] or self.is_known(bare) or self._word_options(self.key(bare)):
            return token
        best, best_score = token, -math.inf
        for i, ch in enumerate(token):
            if ch != "ا" or i == 0 or DIACRITICS.fullmatch(token[i - 1]):  # the pair follows a bare letter
                continue
            marked = token[:i] + SHADDA_FATHA + token[i + 1 :]
            opts = self._word_options(self.key(DIACRITICS.sub("", marked)))
            if opts and opts[0][1] > best_score:
                best, best_score = marked, opts[0][1]
        return best

    def _mark_logp(self, mark: str) -> float:
        """The prior of reading a garbled `ل`/`ع` as the comma/semicolon `mark`."""
        return self.params.comma_logp if mark == "،" else self.params.semicolon_logp

    def _respelled(self, token: str) -> list[tuple[str, float, bool, float]]:
        """Readings one glyph error away from the token (see `Lexicon.respellings`), at a further price."""
        p = self.params
        out = []
        for word, lpc, _ in self.lexicon.respellings(token)[:3]:
            lpw = self.word_logp(word)
            out.append((word, lpc + p.lm_weight * lpw + p.respell_logp, False, lpw))
        return out

    # --- decoding -----------------------------------------------------------------------------
    def score_tokens(self, toks: list[str]) -> float:
        """The score of the best reading of `toks`: what `decode_tokens` finds, read as the order search
        needs it, for the tens of thousands of token runs it scores in a document.

        The lattice of `_lattice` without what only decoding needs (gaps, runner-ups, a comma token read
        with its word, respellings) and with fewer readings per arc: on the dev set the best 2 order
        lines as well as the best 5 (and the best 1 worse). The arc look-up and the kashida and semicolon
        prices are written out in both loops on purpose (a shared helper called per arc cost 1.4% of a
        document's repair): a change to how an arc is read or priced goes into both.
        """
        n = len(toks)
        if n == 0:
            return 0.0
        p = self.params
        keys, shown = self._keys_and_kashidas(toks)
        any_hamza = shown[n] > 0
        readings, hamza_unseen, lone_kashida = p.search_readings, p.hamza_unseen, p.lone_kashida
        bigram_weight, semicolon_misplaced = p.bigram_weight, p.semicolon_misplaced
        word_options, arc_memo, starts_multiword = self._word_options, self._arc_memo, self.lexicon.starts_multiword_key
        bigram_bonus = self.lm.bigram_bonus if self.lm is not None else None
        best = [-math.inf] * (n + 1)
        best[0] = 0.0
        prev_word = [""] * (n + 1)
        for i in range(n):
            base = best[i]
            if base == -math.inf:
                continue
            prev = prev_word[i]
            multi = starts_multiword(keys[i])
            for j in range(i + 1, min(n, i + MAX_SPAN) + 1):
                if j > i + 1 and not multi:
                    break
                key = keys[i] if j == i + 1 else " ".join(k for k in keys[i:j] if k)
                opts = (arc_memo[key] if key in arc_memo else word_options(key)) if key else []
                known = True
                if not opts and j == i + 1:
                    opts, known = self._unknown(toks[i], respell=False), False
                if not opts:
                    continue
                seen = shown[j] - shown[i]
                kend = any_hamza and toks[j - 1].endswith("ئ")
                bigrams = bigram_bonus is not None and prev and known
                w, s = "", -math.inf
                for text, sc, tail, lpw in opts[:readings]:
                    need = text.count("ئ") - seen
                    if kend and tail and text[-1] != "ئ":
                        need += 1
                    if need > 0:
                        sc += hamza_unseen * need
                    elif need < 0:
                        sc += lone_kashida * -need
                    if text[-1] == "؛" and j < n and not toks[j].startswith("و"):
                        sc += semicolon_misplaced
                    if bigrams:
                        sc += bigram_weight * bigram_bonus(prev, text, lpw)  # type: ignore[misc]
                    if sc > s:
                        w, s = text, sc
                if base + s > best[j]:
                    best[j] = base + s
                    prev_word[j] = w
        return best[n]

    def lone_unknown(self, token: str) -> float | None:
        """What `score_tokens` adds for a token that it can only read as itself (no key explains it), where that
        arc stands alone: no key over several tokens starts with the token, it carries no semicolon, and the
        model knows no word pairs after it (the next arc then gains no bigram); None elsewhere.

        Then the score of a token run with that token inside is the run before it, read up to there, plus this,
        plus the run after it read on its own: the order search scores the two runs of a join glued into
        one token this way (most such tokens are no word) instead of decoding the whole run again.
        """
        key = self.key(token)
        if key and (self.lexicon.starts_multiword_key(key) or self._word_options(key)):
            return None
        if token[-1:] == "؛" or (self.lm is not None and self.lm.has_context(token)):
            return None
        return self._oov(token)[1]

    def ends_free(self, token: str, then: str) -> bool:
        """Whether a one-token run reads the same followed by `then` as it does alone: no key over several tokens
        starts with it, and where `then` does not start with و, none of the readings it is scored on ends with a
        semicolon (see `score_tokens`)."""
        key = self.key(token)
        if key and self.lexicon.starts_multiword_key(key):
            return False
        if then.startswith("و"):
            return True
        opts = self._word_options(key) if key else []
        if not opts:
            return token[-1:] != "؛"
        return all(text[-1] != "؛" for text, _, _, _ in opts[: self.params.search_readings])

    def _keys_and_kashidas(self, toks: list[str]) -> tuple[list[str], list[int]]:
        """The tokens' lookup keys, and how many ئ the garbled text shows before each token boundary.

        Kashida runs are gone, but a single ئ may still be one: keys ignore ئ, so a word's real ئ is checked
        against the garbled text (قضائيا vs قضايا); shown[j] - shown[i] counts those of toks[i:j].
        """
        memo = self._key_memo
        keys = [memo.get(t) or self.key(t) for t in toks]
        shown = [0] * (len(toks) + 1)
        for k, t in enumerate(toks):
            shown[k + 1] = shown[k] + t.count("ئ")
        return keys, shown

    def decode_tokens(self, toks: list[str], gaps: list[int] | None = None) -> list[WordChoice]:
        """Best sequence of words covering a run of garbled Arabic tokens.

        `gaps[i]` is the number of spaces after token i in the garbled text: 1 is a plain word gap,
        2 usually a lost final letter plus the gap; 0 or 3 and more say nothing (run ends, joins).
        """
        n = len(toks)
        if n == 0:
            return []
        back = self._lattice(toks, gaps or [0] * n)
        out: list[WordChoice] = []
        j = n
        while j > 0:
            i, w, s, scored, known = back[j]  # type: ignore[misc]
            alts = sorted(scored, key=lambda kv: -kv[1])[1:4]  # the runners-up: ranked only on the best path
            conf = _lead_confidence(s, alts) if known else 0.0
            out.append(WordChoice(" ".join(toks[i:j]), w, s, conf, alts, known))
            j = i
        return out[::-1]

    def _lattice(self, toks: list[str], gaps: list[int]) -> list[tuple | None]:
        """Viterbi over the words a run of tokens can spell: back-pointers to each token boundary (start,
        word, score, the arc's scored readings, known; `decode_tokens` ranks the runners-up of the arcs on
        the best path only). A word and the lone garbled comma/semicolon token after it are also read as one
        arc (the gap between them then counts as the word's own), and a rare literal reading is weighed
        against its respellings. (`score_tokens` is the same lattice, lean, for the order search.)"""
        n = len(toks)
        p = self.params
        lm = self.lm
        best = [-math.inf] * (n + 1)
        back: list[tuple | None] = [None] * (n + 1)
        best[0] = 0.0
        prev_word: list[str] = [""] * (n + 1)
        keys, shown = self._keys_and_kashidas(toks)
        any_hamza = shown[n] > 0
        readings = 5
        hamza_unseen, lone_kashida, bigram_weight = p.hamza_unseen, p.lone_kashida, p.bigram_weight
        tail_scores = {1: p.tail_space_missing, 2: p.tail_space_seen}
        word_options, arc_memo = self._word_options, self._arc_memo
        bigram_bonus = lm.bigram_bonus if lm is not None else None
        for i in range(n):
            if best[i] == -math.inf:
                continue
            prev = prev_word[i]
            multi = self.lexicon.starts_multiword_key(keys[i])
            for j in range(i + 1, min(n, i + MAX_SPAN) + 1):
                if j > i + 1 and not multi:
                    break
                key = keys[i] if j == i + 1 else " ".join(k for k in keys[i:j] if k)
                opts = (arc_memo[key] if key in arc_memo else word_options(key)) if key else []
                known = True
                if not opts and j == i + 1:
                    opts, known = self._unknown(toks[i], respell=True), False
                    # a token no key explains and no word as written: perhaps two words whose runs touched
                    pair = self._glued_pair(toks[i], keys[i]) if not self.is_known(toks[i]) else None
                    if pair is not None and pair[1] > opts[0][1]:
                        opts, known = [pair], True
                if not opts:
                    continue
                if known and j == i + 1 and opts[0][3] < p.rare_logp and opts[0][0] == keys[i]:
                    # the best reading is the token itself, a rare word (wordfreq keeps typos such as
                    # `المجتع`): a common word one glyph error away may be what the font garbled
                    opts = sorted(opts[:readings] + self._respelled(toks[i]), key=lambda o: -o[1])
                # the word, and also the word with the comma/semicolon token after it: the mark follows its
                # word directly, so a space before it is the word's lost final letter
                gap = gaps[j - 1]
                arcs = [(j, opts, "", gap)]
                if known and j < n and gap and toks[j] in GARBLED_MARKS:
                    plain = [o for o in opts if o[0][-1] not in "،؛"]
                    arcs.append((j + 1, plain, GARBLED_MARKS[toks[j]], gap + 1))
                seen = shown[j] - shown[i]
                # a kashida joins its letter to the next one: one that ends a token is drawn before a final
                # letter the font lost (`فيئ` is فيه), so a reading with that letter lost explains it
                kend = any_hamza and toks[j - 1].endswith("ئ")
                bigrams = bigram_bonus is not None and prev and known
                base = best[i]
                for end, arc_opts, mark, arc_gap in arcs:
                    mark_logp = self._mark_logp(mark) if mark else 0.0
                    scored = []
                    w, s = "", -math.inf
                    for text, sc, tail, lpw in arc_opts[:readings]:
                        if mark:
                            text, sc = text + mark, sc + mark_logp
                        need = text.count("ئ") - seen
                        if kend and tail and text[-1] != "ئ":
                            need += 1
                        if need > 0:
                            sc += hamza_unseen * need
                        elif need < 0:
                            sc += lone_kashida * -need
                        # a semicolon closes a clause: at the end of the run or before a conjunction
                        if text[-1] == "؛" and end < n and not toks[end].startswith("و"):
                            sc += p.semicolon_misplaced
                        if arc_gap:
                            if tail:
                                sc += tail_scores.get(arc_gap, 0.0)
                            elif arc_gap == 2:
                                sc += p.extra_space_unexplained
                        if bigrams:
                            sc += bigram_weight * bigram_bonus(prev, text, lpw)  # type: ignore[misc]
                        if sc > s:
                            w, s = text, sc
                        scored.append((text, sc))
                    if base + s > best[end]:
                        best[end] = base + s
                        back[end] = (i, w, s, scored, known)
                        prev_word[end] = w
        return back

    def decode_line(self, line: str, end_gap: int = 0) -> tuple[str, list[WordChoice]]:
        """Repair one garbled line (already in logical order); non-Arabic text is kept as it is.

        `end_gap` 1 says the line's last word was followed by a single space in the garbled text, where a lost
        final letter would have left two (see `order.line_end_gap`); 0 says nothing, as a line's end does.
        """
        pieces = _PIECE.findall(KASHIDA_RUN.sub("", line).strip())
        items: list[tuple[str, object]] = []  # ("run", (tokens, gaps)) | ("lit", text) | ("space", n)
        for k, piece in enumerate(pieces):
            if _AR_TOKEN.fullmatch(piece):
                if items and items[-1][0] == "space" and len(items) > 1 and items[-2][0] == "run":
                    n_spaces = items.pop()[1]
                    toks, gaps = items[-1][1]  # type: ignore[misc]
                    gaps[-1] = n_spaces
                    toks.append(piece)
                    gaps.append(0)
                else:
                    items.append(("run", ([piece], [0])))
            elif piece.isspace():
                items.append(("space", len(piece)))
            else:
                # a word's lost final letter shows as a space before what follows: before a stop or a closing
                # quote, which follow their word directly, one space is that letter (`المتحد .`, `"الجدقد "`);
                # elsewhere (`بأن  "تصوير`) two
                closing = _closes_quote(piece, pieces[k + 1 : k + 3])
                stop = piece[0] in ".:!؟)" or closing
                if len(items) > 1 and items[-1][0] == "space" and items[-2][0] == "run":
                    items[-2][1][1][-1] = items[-1][1] + stop  # type: ignore[index]
                    if closing:
                        items.pop()  # that space was the letter
                elif stop and items and items[-1][0] == "run":
                    items[-1][1][1][-1] = 1  # type: ignore[index]
                items.append(("lit", piece))
        if end_gap == 1 and items and items[-1][0] == "run":
            items[-1][1][1][-1] = end_gap  # type: ignore[index]
        out: list[str] = []
        choices: list[WordChoice] = []
        for kind, value in items:
            if kind == "space":
                out.append(" ")
            elif kind == "lit":
                out.append(value)  # type: ignore[arg-type]
            else:
                toks, gaps = value  # type: ignore[misc]
                toks = [self._shadda_drawn_as_alef(t) if DIACRITICS.search(t) else t for t in toks]
                bare = [DIACRITICS.sub("", t) for t in toks]
                words = self.decode_tokens(bare, gaps)
                for wc in words:
                    if not wc.known and wc.text == wc.garbled and self.word_logp(wc.text) >= self.params.rare_logp:
                        # kept as written, and a word the lexicon has, not a rare one (a heading drawn by a sound
                        # font: `خامسا`, whose medial س this font draws as ت): as sure as its lead over the
                        # runners-up (wordfreq keeps rare junk such as `ككك`, which stays unknown)
                        wc.known, wc.confidence = True, _lead_confidence(wc.score, wc.alternatives)
                if bare != toks:
                    _put_back_marks(words, toks)
                choices.extend(words)
                joined = ""
                for wc in words:
                    if wc.text in ("،", "؛"):
                        joined += wc.text
                    else:
                        joined += (" " if joined else "") + wc.text
                out.append(joined)
        # a comma read from a garbled `ل` after a number or a bracket still had a space before it
        text = _SPACE_BEFORE_MARK.sub(r"\1\2", "".join(out).strip())
        # the conjunction و is not written alone before a word: one the runs left apart goes on it (not in a
        # list label such as `(و و)`; before a number UN style keeps the space: `بين 15 و 24 عاما`)
        return _LONE_CONJUNCTION.sub("و", text), choices


def confidence(margin: float) -> float:
    """A choice's probability against its runner-up alone: the logistic of its lead in log-probability."""
    return 1.0 / (1.0 + math.exp(-margin))


def _lead_confidence(score: float, alternatives: list[tuple[str, float]]) -> float:
    """A word's confidence from its lead over its best runner-up (10, all but sure, without one)."""
    return confidence(score - alternatives[0][1] if alternatives else 10.0)


def _closes_quote(piece: str, after: list[str]) -> bool:
    """Whether a piece starting with a straight double quote closes a quotation: punctuation follows it, or
    a space and an Arabic word or nothing (an opening quote is followed by its first word, which may be Latin:
    `" ransomware"`). Curly quotes and guillemets are left alone: the extraction may have mirrored them."""
    if piece[0] != '"':
        return False
    if len(piece) > 1:
        return piece[1] in ".،؛:)"
    return not after or (after[0].isspace() and (len(after) == 1 or bool(_AR_TOKEN.match(after[1]))))


def _put_back_marks(words: list[WordChoice], toks: list[str]) -> None:
    """Give the readings of diacritised garbled tokens their diacritics back (`أُالِغ` is `أُبلِغ`).

    The font garbles letters, not the marks on them, and a word is read without its marks (the lexicon
    has none); each mark goes back on the letter of the reading that its garbled letter aligns with
    (the letters of `wc.garbled` are `toks`' without marks, and a word covers whole tokens).
    """
    k = 0
    for wc in words:
        n = wc.garbled.count(" ") + 1
        marked = toks[k : k + n]
        k += n
        if any(DIACRITICS.search(t) for t in marked):
            wc.garbled = " ".join(marked)
            wc.text = with_marks("".join(marked), wc.text)


def with_marks(marked: str, word: str) -> str:
    """`word` with the diacritics of `marked` (the garbled form it was read from) on the aligned letters.

    >>> with_marks("أُالِغ", "أبلغ")
    'أُبلِغ'
    >>> with_marks("ونُتَ", "ونسخ،")
    'ونُسَخ،'
    """
    letters: list[str] = []
    marks: dict[int, str] = {}  # garbled letter index -> the marks after it
    for ch in marked:
        if DIACRITICS.fullmatch(ch):
            if letters:
                marks[len(letters) - 1] = marks.get(len(letters) - 1, "") + ch
        else:
            letters.append(ch)
    core = word.rstrip("،؛")  # a comma read from a garbled letter carries no mark
    where: dict[int, str] = {}
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, "".join(letters), core, autojunk=False).get_opcodes():
        for i in range(i1, i2):
            if i not in marks:
                continue
            # a substituted letter keeps its place; a garbled letter with no counterpart (a kashida `ئ`)
            # hands its marks to the letter before
            q = j1 + min(i - i1, j2 - j1 - 1) if tag != "delete" and j2 > j1 else j1 - 1
            if 0 <= q < len(core):
                where[q] = where.get(q, "") + marks[i]
    return "".join(c + where.get(q, "") for q, c in enumerate(core)) + word[len(core) :]
