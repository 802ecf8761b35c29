"""Scoring repair and segmentation against a gold TSV (LINENO<TAB>CLEAN<TAB>UNIT).

The repair figures use exactly the definitions of the project's reference scorer: WER over tokens
(Arabic letter runs, Latin runs, digit runs; punctuation ignored), Arabic WER over Arabic tokens only,
Arabic bag WER (order-free: per line max(len) - multiset overlap), and CER over whole lines with
whitespace collapsed and tatweel / bidi controls removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from egm_text.errors import InputError

AR = r"\u0621-\u063A\u0641-\u064A\u0671-\u06D3"
_TOK = re.compile(rf"[{AR}]+|[A-Za-z]+|\d+")
_AR_RE = re.compile(rf"[{AR}]")
_WS = re.compile(r"\s+")
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class GoldRow:
    lineno: int
    clean: str
    unit: str


def load_gold(path: str | Path) -> dict[int, GoldRow]:
    """Read a gold TSV; a malformed row is an error naming the file and line."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such gold file", path=str(p))
    rows: dict[int, GoldRow] = {}
    for i, line in enumerate(p.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if not parts[0].strip().isdigit():
            raise InputError("expected LINENO<TAB>CLEAN<TAB>UNIT", path=str(p), line=i)
        n = int(parts[0])
        rows[n] = GoldRow(n, parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else "")
    if not rows:
        raise InputError("gold file has no rows", path=str(p))
    return rows


def norm_line(s: str) -> str:
    s = unicodedata.normalize("NFC", s).replace("\u0640", "")
    return _WS.sub(" ", _BIDI.sub("", s)).strip()


def tokens(s: str, arabic_only: bool = False) -> list[str]:
    t = _TOK.findall(norm_line(s))
    return [x for x in t if _AR_RE.search(x)] if arabic_only else t


def score_repair(
    gold: dict[int, GoldRow], system: dict[int, str], *, skip_units: tuple[str, ...] = ("url",)
) -> dict[str, float]:
    """Repair figures of a system output (line number -> text) against the gold."""
    tot = Counter()
    for n, row in sorted(gold.items()):
        if row.unit in skip_units:
            continue
        s = system.get(n, "")
        gt, st = tokens(row.clean), tokens(s)
        ga, sa = tokens(row.clean, True), tokens(s, True)
        gl, sl = norm_line(row.clean), norm_line(s)
        tot["wer_e"] += Levenshtein.distance(gt, st)
        tot["wer_n"] += len(gt)
        tot["awer_e"] += Levenshtein.distance(ga, sa)
        tot["awer_n"] += len(ga)
        tot["cer_e"] += Levenshtein.distance(gl, sl)
        tot["cer_n"] += len(gl)
        tot["lines"] += 1
        tot["exact"] += int(gl == sl)
        tot["bag_e"] += max(len(ga), len(sa)) - sum((Counter(ga) & Counter(sa)).values())
    return {
        "lines": tot["lines"],
        "words": tot["wer_n"],
        "WER": tot["wer_e"] / max(1, tot["wer_n"]),
        "arabic_WER": tot["awer_e"] / max(1, tot["awer_n"]),
        "CER": tot["cer_e"] / max(1, tot["cer_n"]),
        "arabic_bag_WER": tot["bag_e"] / max(1, tot["awer_n"]),
        "exact_lines": tot["exact"] / max(1, tot["lines"]),
    }


def uncertain_figures(
    gold: dict[int, GoldRow], system: dict[int, str], verdicts: dict[int, str], *, skip_units: tuple[str, ...] = ("url",)
) -> dict[str, float]:
    """How well the 'uncertain' verdict points a reader to the errors: the share of lines it flags, the share
    of the Arabic word errors (order-aware) in those lines, and the share of flagged lines that are wrong."""
    tot = Counter()
    for n, row in gold.items():
        if row.unit in skip_units:
            continue
        errors = Levenshtein.distance(tokens(row.clean, True), tokens(system.get(n, ""), True))
        flagged = verdicts.get(n) == "uncertain"
        tot["lines"] += 1
        tot["flagged"] += flagged
        tot["errors"] += errors
        tot["errors_flagged"] += errors * flagged
        tot["wrong_flagged"] += flagged and errors > 0
    return {
        "uncertain_lines": tot["flagged"] / max(1, tot["lines"]),
        "arabic_word_errors_in_them": tot["errors_flagged"] / max(1, tot["errors"]),
        "wrong_among_them": tot["wrong_flagged"] / max(1, tot["flagged"]),
    }


def arabic_words_changed(before: list[str], after: list[str]) -> tuple[int, int]:
    """(Arabic words of `before` missing from the same line of `after`, Arabic words of `before`)."""
    changed = total = 0
    for a, b in zip(before, after, strict=True):
        ta, tb = tokens(a, True), tokens(b, True)
        total += len(ta)
        changed += sum((Counter(ta) - Counter(tb)).values())
    return changed, total
