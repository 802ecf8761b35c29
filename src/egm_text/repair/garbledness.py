"""How garbled is a text? A measure kept apart from fixing, so clean text is left alone.

Garbled UN text shows its font's fingerprints: kashida stretches as runs of `ئ`, and many Arabic tokens
that are not words at all (`التيبرانية`, `قنلغي`). Clean text has neither. The score is the share of
Arabic tokens that are unknown to the lexicon, with kashida runs counted as strong evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from egm_text.arabic import AR_WORD, DIACRITICS, KASHIDA_RUN, strip_marks

GARBLED_DOCUMENT = 0.12  # documents above this share of suspicious tokens are repaired
GARBLED_LINE = 0.34  # in a clean document, a line this bad is still repaired


def garbledness(text: str, suspicious: Callable[[str], bool]) -> float:
    """Share of suspicious Arabic tokens (per `suspicious`), with every kashida run as one more."""
    kashida = len(KASHIDA_RUN.findall(text))
    toks = [t for t in AR_WORD.findall(strip_marks(text)) if len(t) > 1]
    if not toks and not kashida:
        return 0.0
    return min(1.0, (sum(1 for t in toks if suspicious(t)) + kashida) / max(1, len(toks)))


def has_arabic(text: str) -> bool:
    return bool(re.search(r"[\u0621-\u064A]", text))


CLEAN_LINE_MIN_WORDS = 8  # a shorter line can be all real words by chance (`في`, `من`, `الم`)
_MIXED_DIRECTION = re.compile(r"[0-9A-Za-z\u0660-\u0669()\[\]/]")


def reads_clean(line: str, known: Callable[[str], bool], suspicious: Callable[[str], bool]) -> bool:
    """Whether a line of a garbled document was drawn by a sound font (a cover title, a name block).

    Such a line is all known, unsuspicious words of two letters or more, without kashida runs; lines
    with digits, Latin or brackets are excluded, since the broken font also scrambles their run order
    (`sound_words` tells those apart: their words are sound, their order is not).
    """
    return not _MIXED_DIRECTION.search(line) and sound_words(line, known, suspicious)


def sound_words(line: str, known: Callable[[str], bool], suspicious: Callable[[str], bool]) -> bool:
    """Whether a line's Arabic words were drawn by a sound font, whatever the order of its runs."""
    if KASHIDA_RUN.search(line):
        return False
    toks = AR_WORD.findall(DIACRITICS.sub("", line))  # a word's marks (`بُعد`) do not cut it
    return (
        len(toks) >= CLEAN_LINE_MIN_WORDS
        and all(len(t) > 1 and known(t) and not suspicious(t) for t in toks)
    )
