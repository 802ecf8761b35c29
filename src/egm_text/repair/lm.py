"""A small domain language model on top of wordfreq: unigram adaptation and smoothed bigrams.

wordfreq knows how common a word is in Arabic at large; formal UN Arabic differs (ذلك is far more
common there than الله). Counts from in-domain clean text (the bundled clean corpus, and corrected
lines when a profile is fitted) adapt the unigram and add bigram evidence, Dirichlet-smoothed towards
wordfreq so that a small corpus never forbids a word pair it has not seen.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from egm_text.arabic import AR_WORD

_LABEL = r"\([\u0621-\u064A ]{1,7}\)"  # a list label: (أ), (ج ج ج), (هـ هـ)
# a paragraph number or list label opening a line: `12-`, `(أ)`, `أ -` (as laws letter their clauses)
_PARA_MARK = re.compile(rf"^\s*(?:\d{{1,3}}\s*-|{_LABEL}|[\u0621-\u064A]{{1,2}}\s*-(?=\s))\s*")
# the word after a stop opens a sentence; after a colon, a list item's label comes first (`: (أ) إعادة`)
_AFTER_STOP = re.compile(rf"[.؟!:]\s+(?:{_LABEL}\s*)?\W*([\u0621-\u064A]+)")


_PROCLITIC_ARTICLE = ("وال", "فال", "بال", "كال", "ال", "لل")
_ENDINGS = (("ات", "plural"), ("ين", "plural"), ("ون", "plural"), ("ة", "fem"), ("ها", "pron"), ("هم", "pron"),
            ("ه", "pron"), ("ي", "y"), ("ا", "a"))  # fmt: skip


def word_class(word: str) -> str:
    """A coarse morphological class of a word: definite or not, and its ending (feminine ة, a plural,
    a pronoun suffix ...). Classes carry what word pairs too rare to count still show: an adjective
    agrees with its noun (`الاتفاق المتعدد`, `لاتفاقية جديدة`), a noun before a definite one takes no
    pronoun (`قرار الجمعية`, not `قراره الجمعية`)."""
    definite = word.startswith(_PROCLITIC_ARTICLE) and len(word) > 4
    ending = next((name for suffix, name in _ENDINGS if word.endswith(suffix) and len(word) > len(suffix) + 1), "")
    return ("D" if definite else "N") + ending


def context_stem(word: str) -> str:
    """The word as the context of the next one: without a leading conjunction و/ف, and without a preposition
    ب/ك/ل before its article (`وللدول` -> `الدول`). What follows a word does not depend on those, so the
    pairs of all its forms pool their counts (`تعزيز التعاون`, `وتعزيز التعاون`, `فتعزيز التعاون`); the
    article stays: a definite word is followed by other words than the same word without it."""
    if len(word) > 4 and word[0] in "وف":
        word = word[1:]
    if len(word) > 4 and word[0] in "بك" and word[1:3] == "ال":
        word = word[1:]
    elif len(word) > 4 and word.startswith("لل"):
        word = "ا" + word[1:]
    return word


def words_of(text: str) -> list[str]:
    """Arabic word tokens of a clean text (diacritics and tatweel ignored)."""
    text = re.sub(r"[\u064B-\u065F\u0670\u0640]", "", text)
    return AR_WORD.findall(text)


class DomainLM:
    """Unigram adaptation and bigram bonuses learned from in-domain clean text."""

    def __init__(
        self,
        *,
        mix: float = 0.45,
        mu: float = 200.0,
        stem_mu: float = 100.0,
        unseen_floor: float = -0.75,
        class_weight: float = 0.25,
    ) -> None:
        self.mix = mix  # weight of the in-domain unigram against wordfreq
        self.mu = mu  # Dirichlet prior strength of the bigram towards the pairs of the word's context stem
        self.stem_mu = stem_mu  # the same, of those pairs towards the unigram (see `_bigram_bonus`)
        self.unseen_floor = unseen_floor  # the lowest bonus of a pair never seen
        self.class_weight = class_weight  # how much the class pair moves the bigram's prior
        self.cls_bi: Counter[tuple[str, str]] = Counter()  # pairs of word classes
        self.cls_prev: Counter[str] = Counter()
        self.cls_next: Counter[str] = Counter()
        self._cls: dict[str, str] = {}
        self._cls_table: dict[tuple[str, str], float] | None = None  # class_ratio of every class pair
        self.uni: Counter[str] = Counter()
        self.ctx: Counter[str] = Counter()  # how often a word was seen with a successor counted
        self.bi: Counter[tuple[str, str]] = Counter()
        self.stem_ctx: Counter[str] = Counter()  # ctx and bi with the first word's `context_stem`
        self.stem_bi: Counter[tuple[str, str]] = Counter()
        self.starts: Counter[str] = Counter()  # words that open a sentence or a paragraph
        self.start_chars: Counter[str] = Counter()
        self.first_chars: Counter[str] = Counter()
        self.total = 0
        self._bonus: dict[tuple[str, str], float] = {}  # bigram_bonus memo; counting clears it
        self._stems: dict[str, str] = {}  # context_stem memo

    def fit(self, texts: Iterable[str], *, line_starts_are_sentences: bool = False) -> DomainLM:
        """Count words, word pairs and sentence openers; a line of a PDF is not a sentence, a
        corpus segment is (`line_starts_are_sentences`)."""
        self._bonus, self._cls_table = {}, None
        for text in texts:
            for line in text.split("\n"):
                ws = words_of(line)
                self.uni.update(ws)
                self.ctx.update(ws)
                self.bi.update(zip(ws, ws[1:], strict=False))
                stems = [context_stem(w) for w in ws]
                self.stem_ctx.update(stems)
                self.stem_bi.update(zip(stems, ws[1:], strict=False))
                cs = [self.word_class(w) for w in ws]
                self.cls_bi.update(zip(cs, cs[1:], strict=False))
                self.cls_prev.update(cs[:-1])
                self.cls_next.update(cs[1:])
                self.first_chars.update(w[0] for w in ws)
                self.total += len(ws)
                opener = _PARA_MARK.match(line)
                if opener:  # the paragraph number or list label is no word of the sentence
                    head = words_of(line[opener.end() :])[:1]
                    if head:
                        self._start(head[0])
                elif ws and line_starts_are_sentences:
                    self._start(ws[0])
                for m in _AFTER_STOP.finditer(line):
                    self._start(m.group(1))
        return self

    def with_document(
        self, ngrams: Counter[tuple[str, ...]], *, pair_weight: float = 1.0, word_weight: float = 0.0
    ) -> DomainLM:
        """A copy that also knows a document's words (1-tuples) and word pairs (2-tuples), each count
        weighted: what the document being repaired says of itself where it reads with confidence."""
        new = DomainLM(
            mix=self.mix, mu=self.mu, stem_mu=self.stem_mu, unseen_floor=self.unseen_floor, class_weight=self.class_weight
        )
        new.uni, new.total = self.uni, self.total
        new.cls_bi, new.cls_prev, new.cls_next, new._cls = self.cls_bi, self.cls_prev, self.cls_next, self._cls
        new._cls_table, new._stems = self._cls_table, self._stems
        new.starts, new.start_chars, new.first_chars = self.starts, self.start_chars, self.first_chars
        # the document's counts lie over the base model's (copying its tables cost a twentieth of a warm run)
        bi: Counter = Counter()
        ctx: Counter = Counter()
        stem_bi: Counter = Counter()
        stem_ctx: Counter = Counter()
        if word_weight:
            new.uni = Counter(self.uni)
        for gram, c in sorted(ngrams.items()):  # sorted: the same sums however the counts were gathered
            if len(gram) == 2:
                bi[gram] += c * pair_weight
                ctx[gram[0]] += c * pair_weight
                stem = context_stem(gram[0])
                stem_bi[(stem, gram[1])] += c * pair_weight
                stem_ctx[stem] += c * pair_weight
            elif word_weight:
                new.uni[gram[0]] += c * word_weight
                new.total += c * word_weight
        new.bi, new.ctx = _Overlay(self.bi, bi), _Overlay(self.ctx, ctx)  # type: ignore[assignment]
        new.stem_bi, new.stem_ctx = _Overlay(self.stem_bi, stem_bi), _Overlay(self.stem_ctx, stem_ctx)  # type: ignore[assignment]
        return new

    def _start(self, word: str) -> None:
        self.starts[word] += 1
        self.start_chars[word[0]] += 1

    def start_bonus(self, word: str, word_logp: float) -> float:
        """log P(word | start of a sentence) - log P(word), backed off through its first letter."""
        n = sum(self.start_chars.values())
        if not n or not word:
            return 0.0
        n_all = sum(self.first_chars.values())
        char_ratio = ((self.start_chars.get(word[0], 0) + 1) / (n + 30)) / (
            (self.first_chars.get(word[0], 0) + 1) / (n_all + 30)
        )
        p = math.exp(word_logp)
        prior = min(1.0, p * char_ratio)
        return math.log((self.starts.get(word, 0) + self.mu * prior) / (n + self.mu)) - word_logp

    def unigram(self, word: str, base_logp: float) -> float:
        """log( (1-mix) P_wordfreq + mix P_domain ) for a word whose wordfreq log-prob is given."""
        p_dom = self.uni.get(word, 0) / self.total if self.total else 0.0
        return math.log((1 - self.mix) * math.exp(base_logp) + self.mix * p_dom)

    def bigram_bonus(self, prev: str, word: str, word_logp: float) -> float:
        """log P(word | prev) - log P(word), smoothed; 0 when prev was never seen.

        `word_logp` must be the model's own unigram log-prob of `word` (what `Decoder.word_logp`
        gives), so that the answer depends on the pair alone and can be memoised.
        """
        pair = (prev, word)
        got = self._bonus.get(pair)
        if got is None:
            got = self._bonus[pair] = self._bigram_bonus(prev.rstrip("،؛"), word.rstrip("،؛"), word_logp)
        return got

    def has_context(self, prev: str) -> bool:
        """Whether `bigram_bonus` after `prev` can be other than 0: the corpus knows the word or its stem as
        the first of a pair."""
        c_prev, _, c_stem = self._context(prev.rstrip("،؛"))
        return bool(c_prev or c_stem)

    def _context(self, prev: str) -> tuple[float, str, float]:
        """How often `prev` was counted as the first of a pair; its context stem, and how often that was (0
        for a word that is its own stem: its pairs are the stem's pairs, nothing to pool)."""
        stem = self._stems.get(prev)
        if stem is None:
            stem = self._stems[prev] = context_stem(prev)
        return self.ctx.get(prev, 0), stem, self.stem_ctx.get(stem, 0) if stem != prev and self.stem_mu else 0

    def word_class(self, word: str) -> str:
        got = self._cls.get(word)
        if got is None:
            got = self._cls[word] = word_class(word)
        return got

    def class_ratio(self, prev: str, word: str) -> float:
        """log P(class of word | class of prev) - log P(class of word), smoothed, bounded and weighted."""
        table = self._cls_table
        if table is None:
            table = self._cls_table = self._class_table()
        return table.get((self.word_class(prev), self.word_class(word)), 0.0)

    def _class_table(self) -> dict[tuple[str, str], float]:
        n = sum(self.cls_next.values())
        table = {}
        for a, n_prev in self.cls_prev.items():
            for b, n_next in self.cls_next.items():
                ratio = math.log((self.cls_bi.get((a, b), 0) + 1) / (n_prev + 20)) - math.log((n_next + 1) / (n + 20))
                table[(a, b)] = self.class_weight * max(-2.0, min(2.0, ratio))
        return table

    def _bigram_bonus(self, prev: str, word: str, word_logp: float) -> float:
        """Dirichlet smoothing towards the pairs of prev's context stem (`context_stem`), and those towards
        the unigram tilted by how well the two words' classes go together. Only after a word whose form or
        stem the corpus knows: after an unknown one the classes proved too weak a guide."""
        c_prev, stem, c_stem = self._context(prev)
        if not c_prev and not c_stem:
            return 0.0
        tilt = self.class_ratio(prev, word) if self.class_weight else 0.0
        p = math.exp(word_logp + tilt)
        if c_stem:
            p = (self.stem_bi.get((stem, word), 0) + self.stem_mu * p) / (c_stem + self.stem_mu)
        c = self.bi.get((prev, word), 0)
        if not c:  # mostly sparsity in a corpus this small: a frequent `prev` must not forbid the pair
            return max(self.unseen_floor + tilt, math.log((self.mu * p) / (c_prev + self.mu)) - word_logp)
        return math.log((c + self.mu * p) / (c_prev + self.mu)) - word_logp

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in _MEMOS}  # memos are not part of a saved model

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bonus, self._cls_table, self._stems = {}, None, {}


_MEMOS = ("_bonus", "_cls_table", "_stems")


class _Overlay:
    """Counts of a base table plus a few more, read as one table without copying the base (a count
    neither has is 0)."""

    __slots__ = ("base", "extra")

    def __init__(self, base: Counter, extra: Counter) -> None:
        self.base, self.extra = base, extra

    def get(self, key: object, default: float = 0) -> float:
        return self.base.get(key, default) + self.extra.get(key, 0)

    def __getitem__(self, key: object) -> float:
        return self.get(key)


LM_CACHE_VERSION = 5  # bump when counting changes: cached models of older versions are not read


@lru_cache(maxsize=1)
def bundled_corpus_text() -> str:
    """The clean Arabic text shipped with the package, as one text: the clean corpus (UN, legal, news;
    also the clean-passthrough test set) and `resources/lm/`, more UN text for the language model only."""
    root = resources.files("egm_text.resources")
    files = [f for folder in ("corpus", "lm") for f in root.joinpath(folder).iterdir() if f.name.endswith(".txt")]
    return "\n".join(f.read_text(encoding="utf-8") for f in sorted(files, key=lambda f: f.name))


def bundled_lm() -> DomainLM:
    """A fresh domain model fitted on the bundled text, read from the on-disk cache when it is there
    (counting some 150,000 words costs a warm run a few tenths of a second)."""
    from egm_text.repair.lexicon import cache_dir, read_cached, write_cached

    text = bundled_corpus_text()
    fresh = DomainLM()  # its parameters are part of the key: a cached model keeps the ones it was made with
    settings = f"{fresh.mix} {fresh.mu} {fresh.stem_mu} {fresh.unseen_floor} {fresh.class_weight}\n"
    digest = hashlib.sha1((settings + text).encode("utf-8")).hexdigest()[:12]
    path = cache_dir() / f"domain-lm-v{LM_CACHE_VERSION}-{digest}.pickle"
    lm = read_cached(path)
    if isinstance(lm, DomainLM):
        return lm
    lm = fresh.fit([text], line_starts_are_sentences=True)
    if write_cached(path, lm):
        for old in path.parent.glob("domain-lm-*.pickle"):
            if old != path:  # another version or corpus: nothing reads it any more
                with contextlib.suppress(OSError):
                    old.unlink()
    return lm
