"""Garble clean Arabic the way a learned font profile says the broken font does.

Test data for the repair beyond the hand-corrected lines: any clean text becomes "another document
garbled by the same font". Each glyph unit's output is drawn from the profile's channel (a letter,
another letter, nothing, a space); a letter lost at a word's end leaves a space, as the extraction
does (`المتحد  الثالث`); justified lines get kashida runs (`ئئئئ`) inside words. The runs' visual
order is not simulated: lines stay in logical order, so what is measured is the glyph repair (and
that the order repair leaves a line in order alone).
"""

from __future__ import annotations

import random
import re

from egm_text.arabic import DUAL, glyph_units
from egm_text.repair.profile import FontProfile, next_letter_context

_TOKEN = re.compile(r"[\u0621-\u064A\u064B-\u0652]+|[،؛]|\s+|[^\s\u0621-\u064A\u064B-\u0652،؛]+")
MIN_PROB = 0.02  # outputs the channel gives less often are alignment noise, not the font


def _draw(dist: dict[str, float], rng: random.Random) -> str:
    outputs = sorted(o for o, p in dist.items() if p >= MIN_PROB)
    return rng.choices(outputs, [dist[o] for o in outputs])[0]


def garble_word(word: str, profile: FontProfile, rng: random.Random, *, kashida: bool = False) -> str:
    """One draw of the word's garbled form; with `kashida`, one stretch inside it (justified text)."""
    units = glyph_units(word)
    out: list[str] = []
    stretch = rng.randrange(len(units) - 1) if kashida and len(units) > 3 else -1
    for k, (unit, form) in enumerate(units):
        drawn = _draw(profile.distribution(unit, form, next_letter_context(units, k)), rng)
        if k == len(units) - 1 and not drawn.strip() and len(units) > 1:
            drawn = " "  # a final letter the font loses leaves a space
        out.append(drawn)
        if k == stretch and drawn and unit[-1] in DUAL:
            out.append("ئ" * rng.randint(3, 14))
    return "".join(out)


def garble_line(line: str, profile: FontProfile, rng: random.Random, *, justified: float = 0.3) -> str:
    """A clean line garbled word by word; Arabic comma and semicolon go through the channel too
    (to `ل`, `ع`), digits and Latin text are kept. A share `justified` of lines gets kashida runs."""
    kashida = rng.random() < justified
    out = []
    for tok in _TOKEN.findall(line):
        if tok in ("،", "؛"):
            out.append(_draw(profile.distribution(tok, "x", "#"), rng))
        elif re.match(r"[\u0621-\u064A]", tok):
            out.append(garble_word(tok, profile, rng, kashida=kashida and rng.random() < 0.5))
        else:
            out.append(tok)
    return "".join(out)


def garble_lines(lines: list[str], profile: FontProfile, *, seed: int = 0) -> list[str]:
    """Garble lines reproducibly (one random stream per call, seeded)."""
    rng = random.Random(seed)
    return [garble_line(line, profile, rng) for line in lines]
