"""Fitting a font profile from aligned (garbled, clean) line pairs.

Each clean line is first garbled with the current profile (identity at the start), the prediction is
aligned to the real garbled line character by character, and every clean glyph unit collects what the
real line shows where its prediction stood. A few rounds of this converge: as the profile improves,
predictions align better. Lines whose order was scrambled by the PDF do not align well and are
skipped by a distance threshold, so they cannot teach wrong mappings.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein

from egm_text.arabic import KASHIDA_RUN, glyph_units
from egm_text.repair.profile import END, PUNCT_UNITS, FontProfile, _key, next_letter_context

_TOKEN = re.compile(r"[\u0621-\u064A]+|.", re.S)
_BRACKET = re.compile(r"[()\[\]]")


def _units_with_context(clean: str) -> list[tuple[str, str, str]]:
    """(unit, form, next-letter context) for every glyph of a clean line; other chars as form 'x'."""
    out: list[tuple[str, str, str]] = []
    for m in _TOKEN.finditer(clean):
        t = m.group()
        if "\u0621" <= t[0] <= "\u064a" and t[0] != "\u0640":
            units = glyph_units(t)
            out.extend((u, f, next_letter_context(units, k)) for k, (u, f) in enumerate(units))
        else:
            out.append((t, "x", END))
    return out


def _normalise_garbled(raw: str) -> str:
    return re.sub(r"\s+", " ", KASHIDA_RUN.sub("", raw)).strip()


def _align_line(
    profile: FontProfile, raw: str, clean: str, max_distance: float
) -> list[tuple[str, str, str, str]] | None:
    """Return (unit, form, next, observed output) for each unit of an in-order line, else None."""
    units = _units_with_context(clean)
    pieces = [
        profile.output_for(u, f, n) if f != "x" and u not in PUNCT_UNITS else
        (profile.output_for(u, "x") if u in PUNCT_UNITS else u)
        for u, f, n in units
    ]
    pred = "".join(pieces)
    if not pred or not raw:
        return None
    if Levenshtein.normalized_distance(pred, raw) > max_distance:
        return None
    owner: list[int] = []  # predicted char index -> unit index
    for k, p in enumerate(pieces):
        owner.extend([k] * len(p))
    observed = [""] * len(units)
    seen = [False] * len(units)
    last_unit = -1
    ops = list(Levenshtein.opcodes(pred, raw))
    for o, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag in ("equal", "replace"):
            n_pred, n_raw = i2 - i1, j2 - j1
            for k in range(n_pred):
                u = owner[i1 + k]
                seen[u] = True
                if k < n_raw:
                    observed[u] += raw[j1 + k]
                last_unit = u
            if n_raw > n_pred and last_unit >= 0:
                observed[last_unit] += raw[j1 + n_pred : j2]
        elif tag == "delete":
            for k in range(i1, i2):
                seen[owner[k]] = True
                last_unit = owner[k]
        elif tag == "insert":
            # Give inserted text to a unit predicted empty right here; else to the next unit when that
            # one is drawn wrong and the previous one right (a glyph drawn as two letters, `ع`->`لا`,
            # not a right letter plus a stray one); else to the previous unit.
            nxt = owner[i1] if i1 < len(owner) else len(units)
            gap = [u for u in range(last_unit + 1, nxt) if not pieces[u]]
            after = ops[o + 1][0] if o + 1 < len(ops) else None
            before = ops[o - 1][0] if o > 0 else None
            if gap:
                target = gap[0]
            elif after == "replace" and before == "equal" and nxt < len(units):
                target = nxt
            else:
                target = last_unit
            if target >= 0:
                observed[target] += raw[j1:j2]
                seen[target] = True
    result = []
    for k, (u, f, n) in enumerate(units):
        if f == "x" and u not in PUNCT_UNITS:
            continue
        obs = observed[k] if seen[k] or pieces[k] else ""
        obs = obs.replace("ئ", "") if u[0] != "ئ" else obs  # single kashida letters carry nothing
        if len(obs) > len(u) + 1:  # an alignment that swallowed a neighbour: not evidence
            continue
        if f != "x" and _BRACKET.search(obs):
            # no glyph of a letter is drawn as a bracket: the extraction mirrors brackets and moves them
            # (a list label `(م م)` comes out `(   )`), and the alignment slid a label's letter onto one;
            # what else it shows is the letter's own glyph, a bracket alone is no evidence
            obs = _BRACKET.sub("", obs)
            if not obs:
                continue
        result.append((u, f, n, obs))
    return result


def training_hash(pairs: Iterable[tuple[str, str]]) -> str:
    h = hashlib.sha1()
    for raw, clean in pairs:
        h.update(raw.encode("utf-8") + b"\x00" + clean.encode("utf-8") + b"\x01")
    return h.hexdigest()[:16]


def fit_profile(
    pairs: list[tuple[str, str]],
    *,
    rounds: int = 4,
    max_distance: float = 0.25,
    name: str = "custom",
) -> FontProfile:
    """Learn a font profile from (garbled line, clean line) pairs."""
    profile = FontProfile(name=name)
    normalised = [(_normalise_garbled(r), re.sub(r"\s+", " ", c).strip()) for r, c in pairs]
    for _ in range(rounds):
        counts: dict[str, Counter] = defaultdict(Counter)
        for raw, clean in normalised:
            aligned = _align_line(profile, raw, clean, max_distance)
            if not aligned:
                continue
            for u, f, n, obs in aligned:
                counts[_key(u, f)][obs] += 1
                counts[_key(u, f, n)][obs] += 1
        profile = FontProfile(counts=dict(counts), name=name)
    profile.training_hash = training_hash(pairs)
    return profile
