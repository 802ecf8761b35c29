"""How garbled is a text? A measure kept apart from fixing, so clean text is left alone.

Garbled UN text shows its font's fingerprints: kashida stretches as runs of `ئ`, and many Arabic tokens
that are not words at all (`التيبرانية`, `قنلغي`). Clean text has neither. The score is the share of
Arabic tokens that are unknown to the lexicon, with kashida runs counted as strong evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from egm_text.arabic import AR_WORD, KASHIDA_RUN

GARBLED_DOCUMENT = 0.12  # documents above this share of suspicious tokens are repaired
GARBLED_LINE = 0.34  # in a clean document, a line this bad is still repaired


def garbledness(text: str, suspicious: Callable[[str], bool]) -> float:
    """Share of suspicious Arabic tokens (per `suspicious`), with every kashida run as one more."""
    kashida = len(KASHIDA_RUN.findall(text))
    toks = [t for t in AR_WORD.findall(KASHIDA_RUN.sub("", text)) if len(t) > 1]
    if not toks and not kashida:
        return 0.0
    return min(1.0, (sum(1 for t in toks if suspicious(t)) + kashida) / max(1, len(toks)))


def has_arabic(text: str) -> bool:
    return bool(re.search(r"[\u0621-\u064A]", text))
