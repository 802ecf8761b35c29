"""Positioned characters to text lines in logical (reading) order.

pdfplumber gives each glyph with its box. A line is the set of glyphs whose vertical extents overlap;
inside a line glyphs are read by x. For a right-to-left line the visual order is turned into the
logical one with the bidi rules that matter for UN text: Arabic read right to left, Latin words and
numbers (`65/230`, `UNODC/CCPCJ/EG.4/2018/CRP.1`, `2018-2021`) kept left to right, neutrals between
two LTR characters joining them. Duplicated glyphs (fake bold, shadow text) are dropped, Arabic
presentation forms are folded to base letters one character at a time, tatweel is removed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from statistics import median

from egm_text.arabic import fold_forms

_CID = re.compile(r"^\(cid:\d+\)$")
_BIDI_CONTROLS = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200d\u200c\ufeff")
MIRROR = {"(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{", "<": ">", ">": "<", "«": "»", "»": "«"}


@dataclass
class Line:
    """One text line of a page; `chars` are the pdfplumber char dicts in visual order."""

    page: int
    chars: list[dict]
    text: str = ""
    rtl: bool = True
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    size: float = 0.0
    sup: list[str] = field(default_factory=list)  # raised small runs (footnote markers), visual order
    kind: str = "body"  # body | furniture | footnote


def _bidi_type(ch: str) -> str:
    t = unicodedata.bidirectional(ch)
    if t in ("R", "AL"):
        return "R"
    if t == "L":
        return "L"
    if t in ("EN", "AN"):
        return "EN"
    if t in ("CS", "ES", "ET"):
        return t
    return "N"


def visual_to_logical(chars: list[str], *, rtl: bool = True) -> str:
    """Glyph texts in visual (left-to-right) order to logical order for an RTL or LTR line.

    A glyph's own text (a ligature's `لا`) is already logical and stays one unit.
    """
    if not rtl:
        return "".join(chars)
    n = len(chars)
    types = [_bidi_type(c[0]) if c else "N" for c in chars]
    # W4/W5: a separator between two numbers, or a terminator touching one, is part of the number
    for i in range(n):
        if types[i] in ("CS", "ES") and 0 < i < n - 1 and types[i - 1] == "EN" and types[i + 1] == "EN":
            types[i] = "EN"
    for i in range(n):
        if types[i] == "ET" and ((i > 0 and types[i - 1] == "EN") or (i + 1 < n and types[i + 1] == "EN")):
            types[i] = "EN"
    types = ["N" if t in ("CS", "ES", "ET") else t for t in types]
    # W7 seen visually: inside an LTR stretch, numbers to the right of a Latin letter are Latin
    last_strong = None
    for i in range(n):
        if types[i] in ("L", "R"):
            last_strong = types[i]
        elif types[i] == "EN" and last_strong == "L":
            types[i] = "L"
    # N1: neutrals between two L (numbers count as R for neutrals) become L
    i = 0
    while i < n:
        if types[i] == "N":
            j = i
            while j < n and types[j] == "N":
                j += 1
            left = types[i - 1] if i > 0 else "R"
            right = types[j] if j < n else "R"
            if left == "L" and right == "L":
                for k in range(i, j):
                    types[k] = "L"
            i = j
        else:
            i += 1
    # runs: LTR runs (L, or EN) keep their visual order; everything else is read right to left
    runs: list[tuple[bool, list[str]]] = []
    for c, t in zip(chars, types, strict=True):
        ltr = t in ("L", "EN")
        kind = t if ltr else "R"
        if runs and runs[-1][0] == kind and ltr:
            runs[-1][1].append(c)
        else:
            runs.append((kind, [c]) if ltr else ("R", [c]))
    out: list[str] = []
    for kind, cs in reversed(runs):
        out.append("".join(cs) if kind in ("L", "EN") else "".join(reversed(cs)))
    return "".join(out)


def clean_chars(chars: list[dict]) -> tuple[list[dict], int, int]:
    """Drop unmapped (`(cid:N)`), control and duplicated glyphs; return (chars, unmapped, duplicates)."""
    out: list[dict] = []
    unmapped = dups = 0
    seen: dict[tuple, list[dict]] = {}
    for c in chars:
        t = c.get("text", "")
        if _CID.match(t):
            unmapped += 1
            t = ""
        t = "".join(ch for ch in t if ch not in _BIDI_CONTROLS)
        if not t and c.get("x1", 0) - c.get("x0", 0) <= 0:
            continue
        # a glyph with no text (unmapped, or mapped to nothing) still covers its place on the line,
        # so it never opens a gap that would read as a space
        key = (t, round(c["top"]))
        dup = False
        for other in seen.get(key, []):
            if abs(other["x0"] - c["x0"]) < 0.6 and abs(other["top"] - c["top"]) < 0.6:
                dup = True
                break
        if dup:
            dups += 1
            continue
        seen.setdefault(key, []).append(c)
        out.append(dict(c, text=t) if t != c.get("text") else c)
    return out, unmapped, dups


def group_lines(chars: list[dict], page: int) -> list[Line]:
    """Chars whose vertical extents overlap by half the smaller height form one line."""
    lines: list[Line] = []
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        h = max(0.1, c["bottom"] - c["top"])
        best, best_ov = None, 0.0
        for ln in lines[-6:]:
            ov = min(ln.bottom, c["bottom"]) - max(ln.top, c["top"])
            ratio = ov / min(h, max(0.1, ln.bottom - ln.top))
            if ratio > best_ov:
                best, best_ov = ln, ratio
        if best is not None and best_ov >= 0.5:
            best.chars.append(c)
            best.top, best.bottom = min(best.top, c["top"]), max(best.bottom, c["bottom"])
        else:
            lines.append(Line(page, [c], top=c["top"], bottom=c["bottom"]))
    lines = _merge_raised(lines)
    for ln in lines:
        _finish(ln)
    return sorted(lines, key=lambda ln: ln.top)


def _merge_raised(lines: list[Line]) -> list[Line]:
    """A few small raised glyphs (a footnote marker) that touch a bigger line belong to that line."""
    keep: list[Line] = []
    for ln in lines:
        small = max(c["size"] for c in ln.chars)
        if len(ln.chars) <= 6:
            for other in lines:
                if other is ln or other not in keep and other.top < ln.top:
                    continue
                big = max(c["size"] for c in other.chars)
                touch = min(other.bottom, ln.bottom) - max(other.top, ln.top) > 0
                near = (
                    min(other.chars, key=lambda c: c["x0"])["x0"] - 4 * small
                    <= ln.chars[0]["x0"]
                    <= (max(c["x1"] for c in other.chars) + 4 * small)
                )
                if small < 0.8 * big and touch and near:
                    other.chars.extend(ln.chars)
                    other.top, other.bottom = min(other.top, ln.top), max(other.bottom, ln.bottom)
                    break
            else:
                keep.append(ln)
            continue
        keep.append(ln)
    return keep


def _finish(ln: Line) -> None:
    chars = sorted(ln.chars, key=lambda c: (c["x0"], c["top"]))
    sizes = [round(c["size"], 1) for c in chars if c["text"].strip()] or [round(chars[0]["size"], 1)]
    size = max(set(sizes), key=sizes.count) if len(set(sizes)) > 1 else sizes[0]
    main = [c for c in chars if c["size"] >= 0.8 * size]
    base = median(c["bottom"] for c in main) if main else ln.bottom
    ln.size = size
    ln.x0 = min(c["x0"] for c in chars)
    ln.x1 = max(c["x1"] for c in chars)
    ln.top = min(c["top"] for c in main) if main else ln.top
    ln.bottom = base
    letters = [c for c in chars if c["text"].strip()]
    rtl_chars = sum(1 for c in letters if _bidi_type(c["text"][0]) == "R")
    ltr_chars = sum(1 for c in letters if _bidi_type(c["text"][0]) == "L")
    ln.rtl = rtl_chars > 0 and rtl_chars >= 0.2 * ltr_chars
    # raised small runs are footnote markers: kept in the text as one block placed by its centre
    # (a marker may overhang the last letter it follows), and remembered in `sup`
    raised = [c for c in chars if c["size"] < 0.8 * size and c["bottom"] < base - 0.15 * size]
    runs: list[list[dict]] = []
    for c in raised:
        if runs and c["x0"] - runs[-1][-1]["x1"] < 0.5 * c["size"]:
            runs[-1].append(c)
        else:
            runs.append([c])
    key: dict[int, tuple[float, float]] = {id(c): ((c["x0"] + c["x1"]) / 2, 0.0) for c in chars}
    for run in runs:
        centre = (run[0]["x0"] + run[-1]["x1"]) / 2
        for k, c in enumerate(run):
            key[id(c)] = (centre, k)
    chars = sorted(chars, key=lambda c: key[id(c)])
    ln.sup = ["".join(c["text"] for c in run) for run in runs]
    ln.chars = chars
    ln.text = line_text(chars, size, rtl=ln.rtl)


def line_text(chars: list[dict], size: float, *, rtl: bool) -> str:
    """Visual chars to the logical text of a line: gaps become spaces, bidi order, folding."""
    seq: list[str] = []
    right = None  # right edge of the ink read so far
    for c in chars:
        t = c["text"]
        if right is not None and not t.isspace() and seq and not seq[-1].isspace():
            gap = c["x0"] - right
            if gap > 0.22 * min(size, c["size"] * 1.6):
                seq.append(" ")
        if t:
            seq.append(t)
        right = c["x1"] if right is None else max(right, c["x1"])
    # a multi-char glyph text (ligature, `ـــ`) is already logical; keep it as one unit per glyph
    text = visual_to_logical(seq, rtl=rtl)
    text = fold_forms(text).replace("\u0640", "")
    return re.sub(r"\s+", " ", text).strip()


def mirror_brackets(text: str) -> str:
    return "".join(MIRROR.get(c, c) for c in text)


def bracket_badness(text: str) -> int:
    depth = bad = 0
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                bad += 1
                depth = 0
    return bad + depth
