"""Arabic script facts the rest of the package relies on: letters, joining types, contextual forms.

A PDF font draws each letter with a glyph chosen by its joining context (isolated, initial, medial,
final) and by a few ligatures (lam-alef). The broken UN font maps glyphs, not letters, to code points,
so every model of the garbling is keyed by (letter, form).

>>> [f for _, f in glyph_units("بين")]
['init', 'medi', 'fina']
>>> glyph_units("لا")
[('لا', 'isol')]
"""

from __future__ import annotations

import re
import unicodedata

TATWEEL = "\u0640"
KASHIDA_GARBLED = "ئ"  # the broken font emits kashida stretches as runs of this letter
ARABIC_COMMA = "،"
ARABIC_SEMICOLON = "؛"
ARABIC_QUESTION = "؟"

# Joining types (Unicode ArabicShaping.txt) for the letters used in Arabic text.
DUAL = set("بتثجحخسشصضطظعغفقكلمنهيئىـ")
RIGHT = set("اأإآٱدذرزوؤة")
NONJOINING = set("ء")
LETTERS = DUAL | RIGHT | NONJOINING
LETTERS.discard(TATWEEL)
ALEFS = set("اأإآ")
DIACRITICS = re.compile(r"[\u064B-\u065F\u0670]")

AR_LETTER_CLASS = r"\u0621-\u063A\u0641-\u064A\u0671-\u06D3"
AR_WORD = re.compile(rf"[{AR_LETTER_CLASS}]+")
ARABIC_CHAR = re.compile(r"[\u0600-\u06FF]")
LATIN = re.compile(r"[A-Za-z]")
KASHIDA_RUN = re.compile(r"ئئ+")

FORMS = ("isol", "init", "medi", "fina")


def glyph_units(word: str) -> list[tuple[str, str]]:
    """Split a run of Arabic letters into (letter-or-ligature, form) units, as a font would shape it.

    Diacritics are ignored; lam followed by an alef becomes one lam-alef ligature unit.
    """
    chars = word if TATWEEL not in word and not DIACRITICS.search(word) else DIACRITICS.sub("", word).replace(TATWEEL, "")
    units: list[str] = []
    i = 0
    while i < len(chars):
        c = chars[i]
        if c == "ل" and i + 1 < len(chars) and chars[i + 1] in ALEFS:
            units.append("ل" + chars[i + 1])
            i += 2
        else:
            units.append(c)
            i += 1
    out: list[tuple[str, str]] = []
    for k, u in enumerate(units):
        first, last = u[0], u[-1]
        joinable = first in DUAL or first in RIGHT
        prev_joins = k > 0 and units[k - 1][-1] in DUAL and joinable
        next_joins = (
            k + 1 < len(units) and last in DUAL and (units[k + 1][0] in DUAL or units[k + 1][0] in RIGHT)
        )
        if prev_joins and next_joins:
            form = "medi"
        elif prev_joins:
            form = "fina"
        elif next_joins:
            form = "init"
        else:
            form = "isol"
        out.append((u, form))
    return out


def strip_kashida(text: str) -> str:
    """Remove runs of two or more garbled kashida letters (real Arabic never doubles ئ)."""
    return KASHIDA_RUN.sub("", text)


def strip_marks(text: str) -> str:
    """Diacritics and kashida runs removed: the letters a garbled token is read by (the font garbles letters,
    not the marks on them, and a mark would cut the token in two for a letters-only pattern)."""
    return KASHIDA_RUN.sub("", DIACRITICS.sub("", text))


PRESENTATION_FORM = re.compile("[\ufb50-\ufdff\ufe70-\ufefc\ufeff]")


def fold_forms(text: str) -> str:
    """Arabic presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFC) to base letters, one char at a time.

    Text taken from a PDF by other tools often keeps the shaped glyphs' code points (`ﺍﻟﺪﻭﻝ`); no blanket
    NFKC, which would also rewrite digits and Latin ligatures.
    """
    if not PRESENTATION_FORM.search(text):
        return text
    out = []
    for ch in text:
        o = ord(ch)
        if 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFC:
            folded = unicodedata.normalize("NFKC", ch)
            out.append(folded if all("\u0600" <= c <= "\u06ff" or c == " " for c in folded) else ch)
        elif ch == "\ufeff":
            continue
        else:
            out.append(ch)
    return "".join(out)
