"""Line order repair: put text that came out of the PDF in visual run order back in logical order.

A PDF line is drawn as several text runs; the broken extraction wrote them left to right, so an
Arabic line comes out as its runs in reverse order (numbers and Latin words always start a new run,
other cuts fall at arbitrary spaces or even inside a word: `المجالا` + `ت`). Within a run the text
is in logical order. A line is therefore cut at candidate points and its pieces reversed; which cuts
are real is chosen by how well the language model likes the joins the reversal creates, against the
joins it breaks. Numbers written in visual order (`230/ 65`, `2021-2018`, `19-` of كوفيد-19, a paragraph
marker `- 1` at the far end) and mirrored parentheses are put right afterwards.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from egm_text.arabic import KASHIDA_RUN
from egm_text.repair.decoder import GARBLED_MARKS
from egm_text.repair.lexicon import normalise_key

_AR = "\u0621-\u064a"
_IS_AR = re.compile(rf"[{_AR}]")
_LTR = re.compile(r"[0-9A-Za-z]")
_NOT_AR = re.compile(rf"[^{_AR}]")
_END_LABEL = re.compile(rf"\)[{_AR}]{{1,2}}\(")
_PARAGRAPH_END = re.compile(rf"[{_AR}] ?\.$")
_NUMBER_STOP = re.compile(r"(\d+)([.:])")
_SCRIPT_CUT = re.compile(
    rf"(?<=[{_AR}\u064B-\u0652])(?=[^{_AR}0-9A-Za-z]*[0-9A-Za-z])"
    rf"|(?<=[0-9A-Za-z])(?![-–][{_AR}])(?=[^{_AR}0-9A-Za-z]*[{_AR}])"
    rf"|(?<=[0-9][-–])(?=[{_AR}])"  # `19-التحديات`: the hyphen stays with its number (كوفيد-19)
    rf"|(?<=[{_AR}][.:؟!])(?=[{_AR}])"  # `إجرامية.التحقيق`: a sentence's end glued to another run's start
)
MAX_CUTS = 9  # optional cuts searched exhaustively per line; more are pruned by prior
FORCED = float("inf")
MAX_ARRANGEMENTS = 256  # cut arrangements scored per line, at most
# a line cut in more places (wide gaps, glued words) gets no edge-word cuts (see `plan`): among its many
# arrangements a one-word run is one choice of many, and on the dev set the extra ones chose false orders
# there more often than true ones
EDGE_WORD_MAX_CUTS = 4
PAIR_SLACK = 2.0  # how far below the needed evidence a join's best word pair may be and still be scored
EDGE_TOKENS = 2  # garbled tokens on each side of a join that the decoder reads to score it
_ENDS_SENTENCE = re.compile(r"[.؟!:][\"'”»)]*$")  # a full stop, perhaps inside closing quotes
_PARA_MARKER = re.compile(r"-\s*\d{1,3}|\d{1,3}\s*-")
_LATIN_WORD = re.compile(r"[A-Za-z]{2}")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_NOTE_NUMBER = re.compile(r"\d{1,2}\)[.،؛:]?")
_SYMBOL = re.compile(r"\([A-Za-z][\w.\-]*/[\w./\-]*\)[.،؛]?", re.ASCII)  # a document symbol: (UNODC/CCPCJ/...)
_BARE_NUMBER = re.compile(r"\d[\d\-–/.,]*")
# a stop glued at the visual left to the first word, a number (`.2019`) or a document symbol in brackets
# (`.(UNODC/...)`): the line's logical end
_LEADING_STOP = re.compile(rf"[.:؟!]+(?=[{_AR}]|\d{{2}}|\([A-Za-z])")


@dataclass
class Piece:
    """A token of a garbled line (punctuation stays glued to it) with the spaces that followed it."""

    text: str
    gap: int  # spaces after it in the raw line (0 = glued to the next token)
    # 'ltr' for numbers and Latin, 'ar' for Arabic, 'punct' for the rest; and the Arabic letters the decoder
    # scores (punctuation stripped). Set once here: the search asks for them tens of thousands of times
    # (a functools.cached_property takes a lock on every first access: 3.7% of a document's repair)
    kind: str = field(init=False, repr=False, compare=False)
    core: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.kind = "ltr" if _LTR.search(self.text) else "ar" if _IS_AR.search(self.text) else "punct"
        self.core = _NOT_AR.sub("", self.text) if self.kind == "ar" else ""


def split_pieces(line: str) -> list[Piece]:
    """Whitespace tokens of a line, further cut where Arabic meets numbers or Latin."""
    text = KASHIDA_RUN.sub("", line).rstrip()
    pieces: list[Piece] = []
    for m in re.finditer(r"\S+(\s*)", text):
        token = m.group().rstrip()
        parts = [p for p in _SCRIPT_CUT.split(token) if p]
        for k in range(len(parts) - 1):  # `(I-24/7)المنظومة`: the bracket closes the Latin run, not the word
            if parts[k + 1][:1] == ")" and parts[k].count("(") > parts[k].count(")") and _LTR.search(parts[k]):
                parts[k], parts[k + 1] = parts[k] + ")", parts[k + 1][1:]
        parts = [p for p in parts if p]
        for k, part in enumerate(parts):
            pieces.append(Piece(part, len(m.group(1)) if k == len(parts) - 1 else 0))
    for k in range(len(pieces) - 1):
        # `18. وفي 2020...`: a stop after a number, before an Arabic word, ends the sentence that the
        # Arabic run's word opens after; it travels with that word, not with the number
        got = _NUMBER_STOP.fullmatch(pieces[k].text)
        if got and pieces[k].gap and _IS_AR.match(pieces[k + 1].text):
            pieces[k : k + 1] = [Piece(got.group(1), 1), Piece(got.group(2), pieces[k].gap)]
    # `( 3)`: a footnote mark the runs' spaces cut in two is one token (else its bracket, at the line's
    # visual left, would be taken for a neutral closing the line)
    for k in range(len(pieces) - 2, -1, -1):
        if pieces[k].text == "(" and _NOTE_NUMBER.fullmatch(pieces[k + 1].text):
            pieces[k : k + 2] = [Piece("(" + pieces[k + 1].text, pieces[k + 1].gap)]
    return pieces


def glue_points(core: str) -> range:
    """Where a token may be two glued words: not before a word of two letters, except after a
    leading `ل`/`ع`, which may be a garbled comma/semicolon ending the other run (`عوالمراطع`)."""
    return range(1 if core[:1] in GARBLED_MARKS else 2, len(core) - 1)


def reattach_conjunction(pieces: list[Piece]) -> list[Piece]:
    """Put a conjunction `و` stranded at the visual end of a line back on the line's first word.

    `و` never joins its neighbours, so the font draws it as a glyph run of its own, and the extraction
    writes that run at the far (left) end: `تطورها في ... إجراء و` is `وتطورها في ... إجراء`.
    """
    if len(pieces) > 1 and pieces[-1].text == "و" and pieces[0].kind == "ar":
        return [Piece("و" + pieces[0].text, pieces[0].gap), *pieces[1:-1]]
    return pieces


class LineOrderRepairer:
    """Chooses the cuts of a line whose reversal the decoder scores best."""

    def __init__(
        self,
        decoder,
        *,
        wide_gap_prior: float = -0.5,
        single_gap_prior: float = -0.5,
        rotation_evidence: float = 3.0,
        stretch_rotation_evidence: float = 5.0,
        unspaced_rotation_evidence: float = 0.0,
        glue_prior: float = -1.0,
        lost_letter_prior: float = -4.5,
        lost_letter_margin: float = 3.0,
        opening_weight: float = 1.0,
        glued_prior: float = -1.5,
        closing_weight: float = 1.0,
        unspaced_end_bonus: float = 1.5,
        spaced_end_prior: float = -0.5,
        unit_end_bonus: float = 2.0,
        mark_start_prior: float = -3.0,
        continued_rotation_evidence: float = 5.2,
        opening_rotation_evidence: float = 2.5,
        wrapped_wide_prior: float = 3.0,
        edge_word_prior: float = -2.0,
        conjoined_opening: float = 1.0,
    ) -> None:
        self.decoder = decoder
        self.wide_gap_prior = wide_gap_prior
        self.wrapped_wide_prior = wrapped_wide_prior  # the same in a line whose ends join (see `plan`)
        self.edge_word_prior = edge_word_prior  # a single space one word from a line's end (see `plan`)
        self.glue_prior = glue_prior
        self.single_gap_prior = single_gap_prior
        self.rotation_evidence = rotation_evidence
        self.stretch_rotation_evidence = stretch_rotation_evidence  # between numbers: more evidence
        self.unspaced_rotation_evidence = unspaced_rotation_evidence
        self.lost_letter_prior = lost_letter_prior
        self.lost_letter_margin = lost_letter_margin  # a lost-letter reading this far below the best is no sign
        self.opening_weight = opening_weight
        self.glued_prior = glued_prior
        self.closing_weight = closing_weight
        self.unspaced_end_bonus = unspaced_end_bonus
        self.spaced_end_prior = spaced_end_prior
        self.unit_end_bonus = unit_end_bonus
        self.mark_start_prior = mark_start_prior
        self.continued_rotation_evidence = continued_rotation_evidence  # see `_continued_rotations`
        self.opening_rotation_evidence = opening_rotation_evidence  # see `plan`
        self.conjoined_opening = conjoined_opening  # see `_opening_word`
        # the text keeps the space that ends a line inside a paragraph (see `plan`); an extraction that strips
        # it leaves no line end to read, and every line would look cut in the middle
        self.spaced_ends = True
        self._memo: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[float, bool]] = {}
        self._single: dict[tuple[str, ...], float] = {}
        self._openings: dict[str, float] = {}

    # --- scoring --------------------------------------------------------------------------------
    def _score(self, toks: tuple[str, ...]) -> float:
        got = self._single.get(toks)
        if got is None:
            got = self.decoder.score_tokens(list(toks)) if toks else 0.0
            self._single[toks] = got
        return got

    def _glued_score(self, head: tuple[str, ...], token: str, tail: tuple[str, ...]) -> float:
        """The score of `head + (token,) + tail`, the two sides of a join glued into one token: composed from
        the scores of the sides where the decoder can read the token only as itself, alone (see
        `Decoder.lone_unknown`; nine joins in ten), else decoded whole."""
        dec = self.decoder
        if len(head) <= 1 and len(tail) <= 1:
            lone = dec.lone_unknown(token)
            if lone is not None and (not head or dec.ends_free(head[0], token)):
                return (self._score(head) + lone) + self._score(tail)
        return self._score((*head, token, *tail))

    def affinity(self, left: list[Piece], right: list[Piece]) -> tuple[float, bool]:
        """How much better `left` followed by `right` reads than the two apart; and whether to glue."""
        rt = _edge(right)
        if rt and left and (_ENDS_SENTENCE.search(left[-1].text) or _PARA_MARKER.fullmatch(left[-1].text)):
            return self._opening(rt), False
        lt = _edge(left[::-1])[::-1]
        if not lt or not rt:
            return 0.0, False
        key = (lt, rt)
        got = self._memo.get(key)
        if got is None:
            apart = self._score(lt) + self._score(rt)
            spaced = self._score(lt + rt) - apart
            glued = self._glued_score(lt[:-1], lt[-1] + rt[0], rt[1:]) - apart + self.glue_prior
            got = (glued, True) if glued > spaced else (spaced, False)
            self._memo[key] = got
        return got

    def _opening(self, head: tuple[str, ...]) -> float:
        """How well `head` opens a sentence or a paragraph (its first word's start bonus)."""
        lm = self.decoder.lm
        if lm is None or not head:
            return 0.0
        got = self._openings.get(head[0])
        if got is None:
            got = self._openings[head[0]] = self._opening_word(head[0], lm)
        return got

    def _may_open(self, core: str) -> bool:
        """Whether one of the token's best readings opens units well enough to be worth decoding it."""
        lm = self.decoder.lm
        return lm is not None and any(
            self.opening_weight * lm.start_bonus(t.rstrip("،؛"), lpw) >= self.opening_rotation_evidence - 1.0
            for t, _, _, lpw in self._readings(core)
        )

    def _opening_word(self, token: str, lm) -> float:
        """The start bonus of the token's reading when decoded alone (0 for a word no key explains).

        A word that starts with the conjunction و (not before the article) opens a clause whatever the model
        knows of it: it scores at least `conjoined_opening`. The model counts some 5,000 openers, and one it has
        never seen (`وتطلب` in a text about peacekeeping) would otherwise lose the start of a sentence to a word
        it has seen open one twice (`إدارة`). See `_conjunction_first`."""
        words = self.decoder.decode_tokens([token])
        if not words or not words[0].known:
            return 0.0
        w = words[0].text.rstrip("،؛")
        got = self.opening_weight * lm.start_bonus(w, self.decoder.word_logp(w))
        return max(got, self.conjoined_opening) if _conjunction_first(w) else got

    # --- search ---------------------------------------------------------------------------------
    def _lost_final_letter(self, piece: Piece) -> bool:
        """Whether one of the token's best readings ends in a letter the font turned into a space.

        Then a double space after it is most likely that letter and a word gap, not a run boundary.
        """
        if piece.kind != "ar" or piece.text[-1:] != piece.core[-1:]:
            return False
        opts = self.decoder._word_options(normalise_key(piece.core))
        return any(tail and score >= opts[0][1] - self.lost_letter_margin for _, score, tail, _ in opts[:4])

    def _ends_unit(self, piece: Piece) -> bool:
        """Whether a piece may end a paragraph or list item: a full stop, or a garbled semicolon
        (`المحليةع`, read `المحلية؛`), which ends the items of a list of recommendations."""
        if _ENDS_SENTENCE.search(piece.text):
            return True
        if piece.kind != "ar" or piece.text[-1:] != "ع":
            return False
        opts = self.decoder._word_options(normalise_key(piece.core))
        return bool(opts) and opts[0][0].endswith("؛")

    def split_glued(self, pieces: list[Piece], keep: Container[int] = ()) -> list[Piece]:
        """Split tokens that are no word but two glued ones (`يكوناالكبير`): runs that touched. The
        pieces at the indices in `keep` stay whole."""
        out: list[Piece] = []
        for i, p in enumerate(pieces):
            core = p.core
            if (
                p.kind != "ar"
                or len(core) < 5
                or core != p.text
                or i in keep
                or self.decoder._word_options(normalise_key(core))
            ):
                out.append(p)
                continue
            best, best_k = None, 0
            for k in glue_points(core):
                a = self.decoder._word_options(normalise_key(core[:k]))
                b = self.decoder._word_options(normalise_key(core[k:]))
                if a and b and (best is None or a[0][1] + b[0][1] > best):
                    best, best_k = a[0][1] + b[0][1], k
            if best is None:
                out.append(p)
            else:
                out += [Piece(core[:best_k], 0), Piece(core[best_k:], p.gap)]
        return out

    def candidate_cuts(self, pieces: list[Piece], *, limit: bool = True) -> list[tuple[int, float]]:
        """(index after which a cut may fall, prior) for script changes and wide gaps."""
        cuts = []
        kinds = _effective_kinds(pieces)
        for i in range(len(pieces) - 1):
            if {kinds[i], kinds[i + 1]} == {"ar", "ltr"} or _number_meets_symbol(pieces, i):
                cuts.append((i, FORCED))  # a change of direction always starts a new run
            elif pieces[i].gap == 0 and kinds[i] == kinds[i + 1] == "ar":
                cuts.append((i, self.glued_prior))  # two runs emitted with no space between them
            elif pieces[i].gap >= 2:
                # a lone letter opening the raw line is rather the tail of a word cut across runs
                lost = pieces[i].gap == 2 and not _lone_head(pieces, i) and self._lost_final_letter(pieces[i])
                cuts.append((i, self.lost_letter_prior if lost else self.wide_gap_prior))
        optional = [c for c in cuts if c[1] != FORCED]
        if limit and len(optional) > MAX_CUTS:
            keep = set(sorted(optional, key=lambda c: -pieces[c[0]].gap)[:MAX_CUTS])
            cuts = [c for c in cuts if c[1] == FORCED or c in keep]
        return cuts

    def runs(self, line: str) -> tuple[list[list[str]], bool | None]:
        """Arabic token runs of a raw line that no candidate cut splits: their order is logical; and whether
        the line was written out rotated (None for a line of fewer than three pieces: too short to tell).

        A line whose ends join well may be rotated at any single space (see `rotation_cuts`), so none
        of its word pairs is certain: it has no runs. Counting them anyway would vouch for the raw
        order of exactly the lines whose order is in question.
        """
        pieces = self.split_glued(reattach_conjunction(split_pieces(line)))
        if self.wraps(pieces, self.rotation_evidence):
            return [], True
        rotated = False if len(pieces) >= 3 else None
        cut_after = {c for c, _ in self.candidate_cuts(pieces, limit=False)}
        runs: list[list[str]] = [[]]
        for i, p in enumerate(pieces):
            if p.kind == "ar" and p.core:
                runs[-1].append(p.core)
            elif runs[-1]:
                runs.append([])
            if i in cut_after and runs[-1]:
                runs.append([])
        return [r for r in runs if r], rotated

    def wraps(self, pieces: list[Piece], needed: float) -> bool:
        """Whether the line's last tokens followed by its first ones read at least `needed` better
        than apart: the sign of a line drawn as two runs and written out rotated."""
        return len(pieces) >= 3 and self.affinity(pieces, pieces)[0] >= needed

    def rotation_cuts(
        self, pieces: list[Piece], taken: set[int], *, unspaced_end: bool = False, forced: Sequence[int] = ()
    ) -> list[tuple[int, float]]:
        """Single-space cuts, offered only inside a stretch whose two ends join into good text.

        A line drawn as two runs comes out rotated (`ر الأمم المتحدة. غير أن ... في إطا`): its last
        and first tokens then join well (here into `إطار`), whatever the cut; where the cut falls is
        left to the search. Between numbers (forced cuts) each stretch is judged on its own, on more
        evidence (a stretch is short, and its ends meet by chance more often): `خلال ... في وكان ... من`
        between two numbers is `وكان ... من خلال ... في`. A line inside a paragraph that lacks its
        trailing space needs less evidence.
        """
        needed = self.unspaced_rotation_evidence if unspaced_end else self.rotation_evidence
        if forced:
            needed = self.stretch_rotation_evidence
        out: list[tuple[int, float]] = []
        start = 0
        for end in [*sorted(forced), len(pieces) - 1]:
            stretch = pieces[start : end + 1]
            if self.wraps(stretch, needed):
                out += [
                    (i, self.single_gap_prior)
                    for i in range(start, end)
                    if i not in taken and _single_space(pieces, i)
                ]
            start = end + 1
        return out

    def _inner_rotation_cuts(self, pieces: list[Piece], cuts: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Single-space cuts inside a stretch between wide gaps whose last and first tokens make one word cut
        across two runs (`ت المتعلرة ... تأخر التح يرا` is `تأخر التحقيقات المتعلقة ...`): the stretch is a run
        drawn in two and rotated, and the line was drawn as three runs or more. Any two wide gaps may bound
        it, not only neighbours: a lost final letter leaves a wide gap inside a run too. Only a word cut in
        two counts here: ends that merely read well together are no evidence among the many joins such a
        line offers."""
        wide = sorted(c for c, prior in cuts if prior == self.wide_gap_prior)
        if not wide:
            return []
        taken = {c for c, _ in cuts}
        out: set[int] = set()
        for start in [0, *(w + 1 for w in wide)]:
            for end in [*wide, len(pieces) - 1]:
                if end - start < 2 or (start, end) == (0, len(pieces) - 1):
                    continue
                stretch = pieces[start : end + 1]
                score, glued = self.affinity(stretch, stretch)
                word = normalise_key(stretch[-1].core + stretch[0].core)
                if glued and score >= self.stretch_rotation_evidence and self.decoder._word_options(word):
                    out.update(i for i in range(start, end) if i not in taken and _single_space(pieces, i))
        return [(i, self.single_gap_prior) for i in sorted(out)]

    def order(
        self,
        line: str,
        previous: list[Piece] | None = None,
        *,
        opens: bool = False,
        following: list[Piece] | None = None,
        closes: bool = False,
    ) -> OrderChoice:
        """The line in logical order (kashida runs removed, numbers and parentheses fixed).

        `previous` is the preceding line's pieces in logical order, whose end the line's start should
        continue; `opens` says the line starts a paragraph or list item (its marker taken off), so its
        start should read as an opening; `following` is a first reading of the next line, whose start
        the line's end should lead into; `closes` says the line ends its unit (no trailing space is
        expected then).
        """
        return self.choose(self.plan(line, opens=opens, closes=closes), previous, following)

    def plan(self, line: str, *, opens: bool = False, closes: bool = False, sound: bool = False) -> OrderPlan:
        """Score every arrangement of the line's runs on what the line itself shows.

        What its neighbours add (how its start continues the line before, how its end leads into the
        next) is left to `choose`, so a line read twice with other neighbours is searched only once.
        `sound` says the line's words were drawn by a sound font: none of its tokens is two glued words.
        """
        pieces = reattach_conjunction(split_pieces(line))
        if not sound:
            # a lone letter opening the raw line is the tail of a word cut across runs, and the raw line's
            # last token that word's head (`ى مع ... بما قتماة` is `بما يتماشى مع`): no two glued words;
            # so is a lone letter ending it that word's head, the first token its tail (`لممارسين ... التدريب ل`)
            keep = {len(pieces) - 1} if _lone_head(pieces, 0) else set()
            if len(pieces) > 2 and _lone_tail(pieces):
                keep.add(0)
            pieces = self.split_glued(pieces, keep=keep)
        if pieces and (stop := _LEADING_STOP.match(pieces[0].text)):  # `.الدوع`: the line's logical end
            pieces = [Piece(stop.group(), 0), Piece(pieces[0].text[stop.end() :], pieces[0].gap), *pieces[1:]]
        lead: list[Piece] = []
        while pieces and pieces[0].kind == "punct" and len(pieces) > 1:
            lead.append(pieces.pop(0))  # neutrals at the visual left end close the RTL line
        label = ""
        if len(pieces) > 2 and _END_LABEL.fullmatch(pieces[-1].text):
            # `افتتاح الاجتماع )أ(`: a list label drawn at the visual right end opens the line
            label = pieces.pop().text + " "  # mirrored back with the line's other brackets
        if not pieces:
            return OrderPlan([], [], [], [], opens, closes)
        cuts = self.candidate_cuts(pieces)
        forced = [c for c, prior in cuts if prior == FORCED]
        # a line inside a paragraph ends with the space before its next line's first word; a raw
        # line without it ends in the middle of the logical line: it came out in several runs
        # (numbers and Latin words always make several runs, and then the end says nothing more)
        # (a line that ends with a full stop ends its sentence, as the last line of a unit does)
        unspaced_end = (
            self.spaced_ends and not closes and not forced and line[-1:] not in (" ", "\t") and not _ENDS_SENTENCE.search(line)
        )
        rotated_bonus = 0.0
        if not closes and not forced:
            rotated_bonus = self.unspaced_end_bonus if unspaced_end else self.spaced_end_prior
        cuts = [(c, prior) for c, prior in cuts if prior != FORCED]
        singles = self.rotation_cuts(
            pieces, {c for c, _ in cuts} | set(forced), unspaced_end=unspaced_end, forced=forced
        )
        if singles and not forced:
            # the line wraps, so it was drawn as (at least) two runs: a wide gap that no lost letter
            # explains is where they meet far more often than any single space (`وأن تركز  كشف ا`)
            # (not after the first raw token when the wrap glues it to the last: it is a word cut
            # across the runs, and the gap after it the word's lost last letter: `الم` + `تاعد  `)
            head_cut = _lone_head(pieces, 0) or self.affinity(pieces, pieces)[1]
            cuts = [
                (c, self.wrapped_wide_prior if prior == self.wide_gap_prior and not (c == 0 and head_cut) else prior)
                for c, prior in cuts
            ]
        elif not forced and not opens:
            # no wrap of the whole line: a line drawn as three runs comes out as the three reversed, and then
            # a stretch between wide gaps whose own ends make one word is a run cut in two
            singles = self._inner_rotation_cuts(pieces, cuts)
        if opens and not singles:
            # a unit's first line starts with its opening word: one that opens units well, inside the line
            # after a single space, may be where the line starts (`... قد وافقل من -10`: `وكان ...`)
            taken = {c for c, _ in cuts} | set(forced)
            singles = [(i, self.single_gap_prior) for i in self._opening_cuts(pieces, taken)]
        loose = None
        if not forced and not singles and len(pieces) >= 3:
            # no wrap evidence of its own: the line before may still show where the line starts (`choose`)
            loose = (self.single_gap_prior + rotated_bonus + self.affinity(pieces, pieces)[0], frozenset(c for c, _ in cuts))
        if closes and not self._ends_unit(pieces[-1]):
            # the last line of a unit ends its last sentence (or list item): a full stop or a garbled
            # semicolon inside may be the logical end
            taken = {c for c, _ in cuts + singles} | set(forced)
            singles += [
                (i, self.single_gap_prior)
                for i in range(len(pieces) - 1)
                if i not in taken and pieces[i].gap == 1 and self._ends_unit(pieces[i])
            ]
        if not forced and len(cuts) <= EDGE_WORD_MAX_CUTS:
            # a line drawn as two runs, one of them a single word: one word joins the other end by chance
            # as often as not, so the line need not wrap; the single space next to each end is offered
            # at a price (`استقصائية ... في الإجراءات أدوات` is `أدوات استقصائية ...`)
            taken = {c for c, _ in cuts + singles}
            singles += [(c, self.edge_word_prior) for c in _edge_word_cuts(pieces, taken)]
        base = {
            c: self.affinity(pieces[max(0, c - 1) : c + 1], pieces[c + 1 : c + 3])[0]
            for c, _ in cuts + singles
        }
        if closes:
            # in a unit's last line, a cut after a stop or a garbled semicolon costs nothing for the raw
            # join it breaks: two words across a clause end read well in any order (`المحليةع وأن`)
            for c, _ in singles:
                if self._ends_unit(pieces[c]):
                    base[c] = min(base[c], 0.0)
        while singles and (1 << len(cuts)) * (1 + len(singles)) > MAX_ARRANGEMENTS:
            singles.remove(max(singles, key=lambda c: base[c[0]]))  # keep the weakest raw joins
        memo: dict[tuple[int, int, int, int], float] = {}

        def junction(la: int, lb: int, ra: int, rb: int) -> float:
            key = (max(la, lb - 1), lb, ra, min(rb, ra + 1))
            got = memo.get(key)
            if got is None:
                got = memo[key] = self.affinity(pieces[key[0] : lb + 1], pieces[ra : key[3] + 1])[0]
            return got

        arrangements: list[tuple[float, int, int, tuple[int, ...]]] = []
        options = [()] + [(c,) for c in singles]
        for r, single in itertools.product(range(0, len(cuts) + 1), options):
            for subset in itertools.combinations(cuts, r):
                subset = subset + single
                idx = sorted(forced + [c for c, _ in subset])
                bounds = [
                    (a, b - 1)
                    for a, b in zip(
                        [0, *(c + 1 for c in idx)], [*(c + 1 for c in idx), len(pieces)], strict=True
                    )
                ]
                score = sum(prior - base[c] for c, prior in subset)
                score += rotated_bonus if subset else 0.0
                for k in range(len(bounds) - 1, 0, -1):  # logical order: last raw segment first
                    score += junction(*bounds[k], *bounds[k - 1])
                # logical start: the last raw segment's first piece; logical end: the first one's last
                arrangements.append((score, bounds[-1][0], bounds[0][1], tuple(idx)))
        if _PARAGRAPH_END.search(line):
            # a raw line that ends in a word and its full stop, with no space after, is a paragraph's
            # last line and ends where its paragraph does (a space before the stop is the word's lost last
            # letter: `في العرا .` is `في العراق.`): only arrangements that end there stay, which without
            # numbers or Latin text is the raw order (with them none does, and all stay)
            arrangements = [a for a in arrangements if a[2] == len(pieces) - 1] or arrangements
            loose = None
        return OrderPlan(pieces, lead, forced, arrangements, opens, closes, loose, label, len(line) - len(line.rstrip(" ")))

    def choose(
        self,
        plan: OrderPlan,
        previous: list[Piece] | None = None,
        following: list[Piece] | None = None,
        *,
        explain_below: float = 0.0,
    ) -> OrderChoice:
        """The planned line's best arrangement given its neighbours: its text and logical pieces, and how
        far ahead of the best other arrangement it scored (see `OrderChoice`); that arrangement's text too
        where the lead is below `explain_below`."""
        if not plan.pieces:
            return OrderChoice("", [])
        if _continues_latin(plan, previous):
            return self._latin_continued(plan, following, explain_below)
        best_score, best_sets, second_score, second_sets = self._rank(plan, previous, following)
        text, logical = self._render(plan, best_sets)
        end = self._end_gap(plan, best_sets)
        if second_sets is None or second_score == -math.inf:
            return OrderChoice(text, logical, end_gap=end)
        margin = best_score - second_score
        return OrderChoice(text, logical, margin, self._render(plan, second_sets)[0] if margin < explain_below else None, end)

    def reading(
        self, plan: OrderPlan, previous: list[Piece] | None = None, following: list[Piece] | None = None
    ) -> list[Piece]:
        """The logical pieces of what `choose` would choose: all that a reading of a line for its neighbours'
        sake needs (no text to render, no runner-up)."""
        if not plan.pieces or _continues_latin(plan, previous):
            return self.choose(plan, previous, following).pieces
        return _logical_pieces(plan.pieces, self._rank(plan, previous, following)[1])

    def _rank(
        self, plan: OrderPlan, previous: list[Piece] | None, following: list[Piece] | None
    ) -> tuple[float, tuple[int, ...], float, tuple[int, ...] | None]:
        """The best arrangement's score and cuts, and the best other one's (-inf and None without one)."""
        pieces = plan.pieces
        arrangements = plan.arrangements
        if previous and plan.loose is not None and not plan.opens:
            arrangements = arrangements + self._continued_rotations(plan, previous)
        starts = sorted({a for _, a, _, _ in arrangements})
        ends = sorted({e for _, _, e, _ in arrangements})
        if plan.opens:
            heads = {a: _edge(pieces[a : a + 2]) for a in starts}
            opening = {a: self._opening(heads[a]) if heads[a] else 0.0 for a in starts}
        else:
            opening = {a: self.affinity(previous or [], pieces[a : a + 2])[0] for a in starts}
        for a in opening:
            if pieces[a].text in GARBLED_MARKS:  # a lone garbled comma or semicolon: no line starts with one
                opening[a] += self.mark_start_prior
        if plan.closes:  # no next line to lead into: the logical end should close a sentence or item
            closing = {e: self.unit_end_bonus if self._ends_unit(pieces[e]) else 0.0 for e in ends}
        elif following:
            closing = {e: self.affinity(pieces[max(0, e - 1) : e + 1], following)[0] for e in ends}
        else:
            closing = dict.fromkeys(ends, 0.0)
        best_score, best_sets = -math.inf, tuple(plan.forced)
        second_score, second_sets = -math.inf, None
        for score, a, e, idx in arrangements:
            total = score + opening[a] + self.closing_weight * closing[e]
            if total > best_score:
                if idx != best_sets:
                    second_score, second_sets = best_score, best_sets
                best_score, best_sets = total, idx
            elif total > second_score and idx != best_sets:
                second_score, second_sets = total, idx
        return best_score, best_sets, second_score, second_sets

    def _render(self, plan: OrderPlan, cuts: Sequence[int]) -> tuple[str, list[Piece]]:
        """The line with its raw segments (cut after the pieces at `cuts`) in logical order, as text and
        pieces: the last raw segment first, each glued to the one before where a word was cut across them."""
        pieces = plan.pieces
        segs = _segments(pieces, list(cuts))
        logical = list(reversed(segs))
        closing_marks = "".join(p.text for p in reversed(plan.lead))
        # `. وركز 2019 ...`: a stop before an Arabic run that meets a number ends the sentence before
        # that run (`2019. وركز`), which comes last in logical order; before a number, it ends the line
        inner = bool(closing_marks and plan.forced and pieces[0].kind == "ar" and len(logical) > 1)
        out: list[str] = []
        for k, seg in enumerate(logical):
            if k:
                if inner and k == len(logical) - 1:
                    out.append(closing_marks + " ")
                    closing_marks = ""
                else:
                    glue = self.affinity(_whole_end(logical[k - 1]), seg)[1]
                    out.append("" if glue else "   ")  # a join's width says nothing (3 = unknown)
            out.append(_join(seg))
        text = plan.label + "".join(out) + closing_marks
        return fix_numbers_and_brackets(text), [p for seg in logical for p in seg]

    def _end_gap(self, plan: OrderPlan, cuts: Sequence[int]) -> int:
        """The spaces the garbled text shows after the word that ends the line in logical order, past those
        of the line's own end (see `Decoder.decode_line`): a cut's gap, or the raw line's end; 0 for unknown."""
        if plan.lead or not plan.pieces:
            return 0
        if cuts:  # the first raw segment ends the line; a single space there held no lost letter besides the cut
            last = plan.pieces[cuts[0]]
            return 1 if last.kind == "ar" and last.gap == 1 else 0
        return line_end_gap(plan.end_gap, spaced_end=self.spaced_ends and not plan.closes)

    def _opening_cuts(self, pieces: list[Piece], taken: Iterable[int]) -> list[int]:
        """Single spaces (not in `taken`) after which a word stands that opens sentences and units well
        enough to be where the line starts."""
        taken = set(taken)
        return [
            i
            for i in range(len(pieces) - 1)
            if i not in taken
            and _single_space(pieces, i)
            and self._may_open(pieces[i + 1].core)
            and self._opening(_edge(pieces[i + 1 : i + 2])) >= self.opening_rotation_evidence
        ]

    def _continued_rotations(
        self, plan: OrderPlan, previous: list[Piece]
    ) -> list[tuple[float, int, int, tuple[int, ...]]]:
        """Rotations of a line that its own ends do not vouch for, at a single space where a token
        continues the line before well: a line drawn as two runs whose join is a weak word pair
        (`... كما المتءصصة` after `أو الوحدات` is `المتخصصة أن ... كما`); after a line that ends its
        sentence, where a token opens sentences well."""
        pieces = plan.pieces
        rotated, taken = plan.loose  # type: ignore[misc]
        lm = self.decoder.lm
        last = previous[-1]
        if lm is None or last.kind != "ar":
            return []
        out = []
        if _ENDS_SENTENCE.search(last.text):
            # the line before ended its sentence: this one starts the next, perhaps after a single space
            # where a word that opens sentences well stands (`... هذا المصطلح وقد أسهم ما سبق في`),
            # unless its first word opens sentences as well, or starts with the conjunction و/ف
            first = pieces[0]
            if _conjoined(first) or self._opening(_edge([first])) >= self.opening_rotation_evidence:
                return []
            for c in self._opening_cuts(pieces, taken):
                broken = self.affinity(pieces[max(0, c - 1) : c + 1], pieces[c + 1 : c + 3])[0]
                out.append((rotated - broken, c + 1, c, (c,)))
            return out
        befores = [t for t, *_ in self._readings(last.core)]
        for c in range(len(pieces) - 1):
            if c in taken or not _single_space(pieces, c):
                continue
            # the join is scored in full only where a word pair of the readings could reach the evidence
            pair = max(
                (lm.bigram_bonus(b, t, lpw) for b in befores for t, _, _, lpw in self._readings(pieces[c + 1].core)),
                default=-math.inf,
            )
            if pair < self.continued_rotation_evidence - PAIR_SLACK:
                continue
            if self.affinity(previous, pieces[c + 1 : c + 3])[0] < self.continued_rotation_evidence:
                continue
            broken = self.affinity(pieces[max(0, c - 1) : c + 1], pieces[c + 1 : c + 3])[0]
            out.append((rotated - broken, c + 1, c, (c,)))
        return out

    def _readings(self, core: str) -> list[tuple[str, float, bool, float]]:
        return self.decoder._word_options(self.decoder.key(core))[:2]

    def _latin_continued(
        self, plan: OrderPlan, following: list[Piece] | None, explain_below: float = 0.0
    ) -> OrderChoice:
        """A line that goes on with the Latin title the line before ended with (`... عنوانه Practical
        Guide for Requesting` / `Electronic Evidence Across Borders .ل وهو متاح ...`): the PDF drew
        that Latin text first, at the left, so it stays first; the Arabic after it is ordered as a line
        of its own (so a full stop glued to its first word goes to its end, as `plan` does for a line)."""
        pieces = plan.pieces
        k = next((i for i, p in enumerate(pieces) if p.kind == "ar"), len(pieces))
        head, rest = _join(pieces[:k]), pieces[k:]
        if not rest:
            return OrderChoice(fix_numbers_and_brackets(head), pieces)
        tail = self.choose(self.plan(_join(rest), closes=plan.closes), None, following, explain_below=explain_below)
        closing = "".join(p.text for p in reversed(plan.lead))
        other = None if tail.runner_up is None else fix_numbers_and_brackets(f"{head} {tail.runner_up}{closing}")
        text = fix_numbers_and_brackets(f"{head} {tail.text}{closing}")
        return OrderChoice(text, pieces[:k] + tail.pieces, tail.margin, other)


def _continues_latin(plan: OrderPlan, previous: list[Piece] | None) -> bool:
    """Whether the line goes on with the Latin text the line before ended with (see `_latin_continued`)."""
    return bool(previous) and _latin_words(previous[-1]) and _latin_words(plan.pieces[0])  # type: ignore[index]


def _latin_words(piece: Piece) -> bool:
    return bool(_LATIN_WORD.search(piece.text))


@dataclass
class OrderPlan:
    """A line's pieces and every arrangement of its runs: (score without the neighbours' terms,
    logical first piece, logical last piece, cuts)."""

    pieces: list[Piece]
    lead: list[Piece]  # neutrals at the visual left end of the line
    forced: list[int]
    arrangements: list[tuple[float, int, int, tuple[int, ...]]]
    opens: bool
    closes: bool
    loose: tuple[float, frozenset[int]] | None = None  # a rotation's score but its cut's, and the cuts taken
    label: str = ""  # a list label that opens the line, as drawn: `)أ( `
    end_gap: int = 0  # spaces after the raw line's last piece


class OrderChoice(NamedTuple):
    """A line in logical order (text and pieces), and how sure the choice is: `margin` is how much better
    (in log-probability) the chosen arrangement scored than the best one that orders the runs otherwise
    (`math.inf` when the line has no other), and `runner_up` that one's text (where asked for)."""

    text: str
    pieces: list[Piece]
    margin: float = math.inf
    runner_up: str | None = None
    end_gap: int = 0


def line_end_gap(trailing: int, *, spaced_end: bool) -> int:
    """The gap after a line's last word, read from the spaces that end the raw line: a line inside a paragraph
    ends with one space of its own (`spaced_end`), so a single one there leaves no room for a lost final
    letter (1, a plain gap). More say nothing (0): two runs that meet at the line's end leave spaces too."""
    return 1 if spaced_end and trailing == 1 else 0


def _effective_kinds(pieces: list[Piece]) -> list[str]:
    """Kinds with punctuation taking the kind of the nearest real piece to its right (else left)."""
    kinds = [p.kind for p in pieces]
    nxt = "punct"
    for i in range(len(kinds) - 1, -1, -1):
        if kinds[i] == "punct":
            kinds[i] = nxt
        else:
            nxt = kinds[i]
    prev = "ar"
    for i, k in enumerate(kinds):
        if k == "punct":
            kinds[i] = prev
        else:
            prev = k
    return kinds


def _edge(pieces: list[Piece], n: int = EDGE_TOKENS) -> tuple[str, ...]:
    """Up to n Arabic cores from the start of `pieces` (stopping at the first non-Arabic piece)."""
    out: list[str] = []
    for p in pieces[:n]:
        if p.kind != "ar":
            break
        out.append(p.core)
    return tuple(out)


def _whole_end(seg: list[Piece]) -> list[Piece]:
    """The segment with the two halves of a token `split_glued` cut read as one token where it ends with both
    (no space between them: `تكن` + `ولوج` is `تكنولوج`), so that whether the next segment glues on is judged
    on the token the decoder will read."""
    if len(seg) >= 2 and seg[-2].gap == 0 and seg[-2].text == seg[-2].core and seg[-1].text == seg[-1].core:
        return [*seg[:-2], Piece(seg[-2].text + seg[-1].text, seg[-1].gap)]
    return seg


def _single_space(pieces: list[Piece], i: int) -> bool:
    """Whether a single space parts Arabic pieces i and i + 1: where a single-space cut may fall."""
    return pieces[i].gap == 1 and pieces[i].kind == "ar" and pieces[i + 1].kind == "ar"


def _conjoined(piece: Piece) -> bool:
    """Whether the token starts with the conjunction و/ف: it opens a clause whatever the model knows of
    the word (`وصدرت` may never open one in the model's text), so it stays where a line starts."""
    return piece.core[:1] in ("و", "ف")


def _conjunction_first(word: str) -> bool:
    """Whether a decoded word is the conjunction و and a word without the article (`وتطلب`, not `والدول`). Unlike
    `_conjoined`, which keeps a garbled token in place, this one lifts a score, so ف is left out: `فيها` and
    `فريق` only begin with it."""
    return len(word) > 3 and word[0] == "و" and not word[1:].startswith("ال")


def _edge_word_cuts(pieces: list[Piece], taken: set[int]) -> list[int]:
    """The single spaces after a line's first word and before its last (not in `taken`), for a line of four
    tokens or more. What would move is no lone garbled comma or semicolon (`.ل وهو ...`), and a first word
    that starts with و/ف stays."""
    if len(pieces) < 4:
        return []
    return [
        c
        for c, moved in ((0, pieces[0]), (len(pieces) - 2, pieces[-1]))
        if c not in taken
        and _single_space(pieces, c)
        and moved.core not in GARBLED_MARKS
        and not (c == 0 and _conjoined(moved))
    ]


def _number_meets_symbol(pieces: list[Piece], i: int) -> bool:
    """Whether a bare number and a document symbol in brackets part at a space after piece i: in an Arabic
    line the space between them takes the line's direction, so they are two runs, drawn in reverse
    (`(UNODC/CCPCJ/EG.4/2018/CRP.1) 2021-2018` is `2018-2021 (UNODC/...)`). A number among Latin words (a
    title, an English note, `Windows 10`, `(UNODC, 2019)`) is one run with them, so only a whole bracketed
    symbol counts, and only where the number's other neighbour is no Latin word."""
    a, b = pieces[i], pieces[i + 1]
    if not a.gap or a.kind != "ltr" or b.kind != "ltr":
        return False
    if _SYMBOL.fullmatch(a.text) and _BARE_NUMBER.fullmatch(b.text):
        far = i + 2
    elif _BARE_NUMBER.fullmatch(a.text) and _SYMBOL.fullmatch(b.text):
        far = i - 1
    else:
        return False
    return not (0 <= far < len(pieces) and _LATIN_LETTER.search(pieces[far].text))


def _lone_tail(pieces: list[Piece]) -> bool:
    """Whether the raw line ends in a lone Arabic letter: the head of a word cut across runs."""
    return pieces[-1].kind == "ar" and len(pieces[-1].text) == 1


def _lone_head(pieces: list[Piece], i: int) -> bool:
    """Whether piece `i` is a lone letter opening the raw line: the tail of a word cut across runs."""
    return i == 0 and len(pieces[0].core) == 1


def _segments(pieces: list[Piece], cut_after: list[int]) -> list[list[Piece]]:
    segs, start = [], 0
    for c in cut_after:
        segs.append(pieces[start : c + 1])
        start = c + 1
    segs.append(pieces[start:])
    return segs


def _logical_pieces(pieces: list[Piece], cut_after: Sequence[int]) -> list[Piece]:
    """The pieces in logical order once cut after the pieces at `cut_after`: the last raw segment first."""
    return [p for seg in reversed(_segments(pieces, list(cut_after))) for p in seg]


def _join(seg: list[Piece]) -> str:
    out = []
    for k, p in enumerate(seg):
        out.append(p.text)
        if k + 1 < len(seg) and p.gap:
            out.append(" " * p.gap)  # the decoder reads a lost final letter from a wider gap
    return "".join(out)


_MARKER_AT_START = re.compile(r"^-\s*(\d{1,3})(?=\s|$)")
_SLASH_SWAP = re.compile(r"(?<![\w/])(\d+)/ (\d+)(?![\w/])")
_RANGE = re.compile(r"(?<![\w/.-])(\d{1,4})\s*-\s*(\d{1,4})(?![\w/-])")
_HYPHENATED_NUMBER = re.compile(r"(?<=[\u0621-\u064A])\s+(\d{1,3})[-–](?=[\s،؛.:()]|$)")  # `كوفيد 19-` is كوفيد-19
_SPACE_IN_PARENS = re.compile(r"(?<=\()\s+|(?<=[^\s\u0621-\u064A])\s+(?=\))")
_SLASH_SPACES = re.compile(r"(?<=[\u0621-\u064A]) +/|/ +(?=[\u0621-\u064A])")


def fix_numbers_and_brackets(text: str) -> str:
    """Undo visual-order artefacts in numbers and mirrored parentheses.

    >>> fix_numbers_and_brackets("- 1 طلبت في قرارها 230/ 65 للفترة 2021-2018 )أ(")
    '1- طلبت في قرارها 65/230 للفترة 2018-2021 (أ)'
    """
    text = _MARKER_AT_START.sub(lambda m: f"{m.group(1)}-", text.strip())
    # after an Arabic word the space may be its lost final letter (`المتحد .`): the decoder reads it
    text = re.sub(r"(?<=[^\s\u0621-\u064A])\s+([.:،؛])(?=\s|$)", r"\1", text)
    text = _SLASH_SWAP.sub(lambda m: f"{m.group(2)}/{m.group(1)}", text)

    def _range(m: re.Match) -> str:
        a, b = int(m.group(1)), int(m.group(2))
        return f"{b}-{a}" if a > b and len(m.group(1)) == len(m.group(2)) else m.group(0)

    text = _RANGE.sub(_range, text)
    text = _SLASH_SPACES.sub("/", text)
    text = _HYPHENATED_NUMBER.sub(r"-\1", text)
    # no space inside parentheses (`( 7/24 )`: the runs' spaces); before `)` after an Arabic word the
    # space may be the word's lost final letter, which the decoder reads
    return _SPACE_IN_PARENS.sub("", mirror_parentheses(text))


_NOTE_MARK = re.compile(r"\(\s*(\d{1,2})\s*\)")


def mirror_parentheses(text: str) -> str:
    """Swap ( and ) unless they touch Latin letters or digits: RTL extraction mirrored them.

    >>> mirror_parentheses("السيبراني(ل منو )أ( ( 1) (E/CN.15)")
    'السيبراني)ل منو (أ) (1) (E/CN.15)'
    """
    text = _NOTE_MARK.sub(lambda m: f"({m.group(1)})", text)
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch not in "()":
            continue
        touching = text[i - 1 : i] + text[i + 1 : i + 2]
        # `(كوفيد-19(.`: after a number, at the end of a clause, it is the closing one all the same
        closes_number = ch == "(" and text[i - 1 : i].isdigit() and text[i + 1 : i + 2] in ("", " ", ".", "،", "؛", ":")
        if re.search(r"[0-9A-Za-z]", touching) and not closes_number:
            continue
        chars[i] = ")" if ch == "(" else "("
    return "".join(chars)
