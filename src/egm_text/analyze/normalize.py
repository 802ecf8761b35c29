"""Arabic normalisation, tokenisation and light stemming for theme matching and vector features.

Normalisation (camel-tools): drop diacritics and tatweel, unify alef forms (أ إ آ -> ا), alef maksura
(ى -> ي) and teh marbuta (ة -> ه). Tokens come from camel-tools' ``simple_word_tokenize``.

Light stemming strips proclitics (و ف, then ب ل ك, then the article ال / لل) and common suffixes
(pronoun clitics ها هم هما كم نا, then one of ات ون ين ان ه). A prefix letter may also be a root
letter (وحدات, بيانات, لجنة), so :func:`candidate_stems` returns every reading: matching succeeds
when the readings of a text token and of a seed-term token share a stem.

>>> normalize_ar("الإلكترونيّة")
'الالكترونيه'
>>> "تعاون" in candidate_stems("وبالتعاون")
True
>>> stem(normalize_ar("للجريمة"))
'جريم'
>>> stem("القطاعين")
'قطاع'
>>> stem("ولايتها")
'ولاي'
>>> stem("بيانات")
'بيان'
"""

from __future__ import annotations

import re
from functools import lru_cache

from camel_tools.tokenizers.word import simple_word_tokenize
from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
)

_TATWEEL = "\u0640"
_BIDI_MARKS = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_AR = re.compile(r"[\u0621-\u064a]")
_WORD = re.compile(r"[\w/]+")
MIN_STEM = 3

_CONJ = ("و", "ف")
_PREP = ("ب", "ل", "ك")
_PRONOUN_SUFFIXES = ("هما", "كما", "ها", "هم", "كم", "نا")
_SUFFIXES = (("ات", 3), ("ون", 4), ("ين", 4), ("ان", 4), ("ه", 3))  # (suffix, shortest stem left)


def normalize_ar(text: str) -> str:
    """Orthographic normalisation: no diacritics or tatweel, one alef, ي for ى, ه for ة, lower-case Latin."""
    if not text:
        return ""
    t = _BIDI_MARKS.sub("", str(text)).replace(_TATWEEL, "")
    t = dediac_ar(t)
    t = normalize_alef_ar(t)
    t = normalize_alef_maksura_ar(t)
    t = normalize_teh_marbuta_ar(t)
    return t.lower()


def tokenize(text: str) -> list[str]:
    """Normalised word tokens (punctuation dropped; digits and Latin words kept, '/' kept as a token)."""
    out = []
    for tok in simple_word_tokenize(normalize_ar(text)):
        if tok == "/" or _WORD.fullmatch(tok):
            out.append(tok)
    return out


def tokenize_pairs(text: str) -> list[tuple[str, str]]:
    """(surface, normalised) word pairs: the surface keeps the original letters, without diacritics."""
    if not text:
        return []
    surface = dediac_ar(_BIDI_MARKS.sub("", str(text)).replace(_TATWEEL, ""))
    out = []
    for tok in simple_word_tokenize(surface):
        if tok == "/" or _WORD.fullmatch(tok):
            out.append((tok, normalize_ar(tok)))
    return out


def is_arabic(token: str) -> bool:
    return bool(_AR.search(token))


def _strip_suffixes(w: str) -> str:
    if not is_arabic(w):
        return w
    for suf in _PRONOUN_SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= MIN_STEM:
            w = w[: -len(suf)]
            # ta marbuta surfaces as ت before a pronoun: ولايتها -> ولايت -> ولاي
            if w.endswith("ت") and len(w) > MIN_STEM:
                w = w[:-1]
            return w
    for suf, keep in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= keep:
            return w[: -len(suf)]
    return w


def _strip_article(w: str) -> list[str]:
    out = [w]
    if w.startswith("ال") and len(w) - 2 >= MIN_STEM:
        out.append(w[2:])
    return out


@lru_cache(maxsize=200_000)
def candidate_stems(token: str) -> frozenset[str]:
    """Every light-stem reading of a normalised token (with and without each proclitic stripped)."""
    w = token
    if not is_arabic(w):
        return frozenset({w})
    forms = {w}
    if w[0] in _CONJ and len(w) - 1 >= MIN_STEM:
        forms.add(w[1:])
    with_prep = set(forms)
    for f in forms:
        if f[0] in _PREP and len(f) - 1 >= MIN_STEM:
            rest = f[1:]
            with_prep.add(rest)
            if f[0] == "ل" and rest.startswith("ل") and len(rest) - 1 >= MIN_STEM:
                with_prep.add("ا" + rest)  # لل = ل + ال with the alef dropped
    out: set[str] = set()
    for f in with_prep:
        for g in _strip_article(f):
            out.add(_strip_suffixes(g))
    return frozenset(out)


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """One context-free light stem: strips a conjunction or preposition only in front of the article."""
    w = token
    if not is_arabic(w):
        return w
    if w[0] in _CONJ and len(w) > 3 and (w[1:].startswith(("ال", "لل")) or (w[1] in _PREP and w[2:].startswith("ال"))):
        w = w[1:]
    if w.startswith("لل") and len(w) - 2 >= MIN_STEM:
        w = w[2:]
    elif w[0] in _PREP and w[1:].startswith("ال") and len(w) - 3 >= MIN_STEM:
        w = w[3:]
    elif w.startswith("ال") and len(w) - 2 >= MIN_STEM:
        w = w[2:]
    return _strip_suffixes(w)


class CorpusStemmer:
    """Chooses one stem per token type from its readings: the reading most tokens of the corpus share.

    ``وتعزيز`` becomes ``تعزيز`` because ``تعزيز`` and ``لتعزيز`` support that reading, while ``وحدات``
    keeps its و because nothing supports ``حدات``. Ties go to the longer (less stripped) reading.
    """

    def __init__(self, token_lists: list[list[str]]) -> None:
        support: dict[str, int] = {}
        types: dict[str, int] = {}
        for toks in token_lists:
            for t in toks:
                types[t] = types.get(t, 0) + 1
        for t, n in types.items():
            for c in candidate_stems(t):
                support[c] = support.get(c, 0) + n
        self.map: dict[str, str] = {}
        for t in types:
            cands = candidate_stems(t)
            base = stem(t)
            self.map[t] = max(cands, key=lambda c: (support.get(c, 0), c == base, len(c), c))

    def __call__(self, token: str) -> str:
        return self.map.get(token) or stem(token)
