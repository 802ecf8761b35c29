"""The character-level fallback: a garbled word no lexicon entry explains, spelled back letter by letter.

A word outside the lexicon (`ومقبوليتها`, `والسياساتية`, a name) has no index key, so the decoder can only
keep its garbled form. The font's confusions are few and known (medial س drawn as ت, ق as ر ...): each
letter of the token may be one of the letters the font draws as it, and a character model of Arabic
words says which spelling reads as Arabic (`ومقبوليتها`, not `ومربوليتها`). Only a spelling that reads much
better than the token as it is replaces it, so names and foreign words stay.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

ORDER = 4  # characters of context + 1
DISCOUNT = 0.75
BOS, EOS = "^", "$"
BEAM = 3  # spellings with one change more kept at each step
HOPELESS = 8.0  # a spelling the character model puts this far below the best so far is not scored further


class CharModel:
    """An interpolated, absolute-discounted character n-gram model of word spellings (by type)."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}  # history -> next char -> count
        self.totals: dict[str, int] = {}
        self.types: dict[str, int] = {}  # distinct next chars seen after the history
        self.alphabet = 1
        self._memo: dict[tuple[str, str], float] = {}  # P(char | history), filled as asked

    def fit(self, words: Iterable[str]) -> CharModel:
        grams: Counter[str] = Counter()  # a history of 0 .. ORDER-1 characters and the character after it
        histories = range(ORDER)
        for w in words:
            s = BOS * (ORDER - 1) + w + EOS
            grams.update([s[i - n : i + 1] for i in range(ORDER - 1, len(s)) for n in histories])
        counts: defaultdict[str, dict[str, int]] = defaultdict(dict)
        for gram, c in grams.items():
            counts[gram[:-1]][gram[-1]] = c
        self.counts = dict(counts)
        self.totals = {h: sum(c.values()) for h, c in self.counts.items()}
        self.types = {h: len(c) for h, c in self.counts.items()}
        self.alphabet = len(self.counts.get("", {})) + 1
        return self

    def _p(self, history: str, ch: str) -> float:
        got = self._memo.get((history, ch))
        if got is None:
            got = self._memo[(history, ch)] = self._interpolated(history, ch)
        return got

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_memo"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _memo={})

    def _interpolated(self, history: str, ch: str) -> float:
        p = 1.0 / self.alphabet
        for n in range(0, len(history) + 1):
            h = history[len(history) - n :]
            total = self.totals.get(h)
            if not total:
                break
            c = self.counts[h].get(ch, 0)
            p = max(c - DISCOUNT, 0.0) / total + DISCOUNT * self.types[h] / total * p
        return p

    def logp(self, word: str) -> float:
        """log P(word) as a spelling, its end included."""
        s = BOS * (ORDER - 1) + word + EOS
        return sum(math.log(self._p(s[i - ORDER + 1 : i], s[i])) for i in range(ORDER - 1, len(s)))


def respell(
    key: str,
    model: CharModel,
    sources: dict[str, set[str]],
    channel,
    *,
    max_changes: int = 2,
    margin: float = 6.0,
) -> tuple[str, float] | None:
    """The spelling of a garbled key that the character model and the channel like best, with its gain
    over the key read as it is, if that gain is at least `margin` (else None).

    `sources[g]` are the letters the font draws as `g`; `channel(word, key)` is log P(key | word) (None
    where the word's glyphs do not give the key letter for letter).
    """
    base = model.logp(key) + (channel(key, key) or 0.0)  # (a lam-alef ligature: read as drawn)
    changes = [(k, c) for k, g in enumerate(key) for c in sorted(sources.get(g, ()))]
    best, best_score = None, base + margin
    beam: list[tuple[float, str, int]] = [(base, key, -1)]  # (score, spelling, last position changed)
    for _ in range(max_changes):  # one letter more at a time, from the best few spellings so far
        grown = []
        for _score, spelled, last in beam:
            for k, c in changes:
                if k <= last:
                    continue
                word = spelled[:k] + c + spelled[k + 1 :]
                lp = model.logp(word)
                if lp < best_score - HOPELESS:  # the channel's log-probability is below 0: skip its cost
                    continue
                ch = channel(word, key)
                if ch is None:
                    continue
                score = lp + ch
                grown.append((score, word, k))
                if score > best_score:
                    best, best_score = word, score
        beam = sorted(grown, reverse=True)[:BEAM]
    return (best, best_score - base) if best is not None else None
