"""The dev gold's UNIT notation for a segmented document, and the accuracy measure against it.

Heading texts come from repair, not segmentation, so a heading counts as right when predicted and
gold agree on the leading numeral word (`heading:أولا-` matches `heading:أولا- مقدمة`).
"""

from __future__ import annotations

from collections.abc import Mapping

from egm_text.document import Document, Unit


def labels_in_gold_notation(
    doc: Document, heading_texts: Mapping[int | str, str] | None = None
) -> dict[int, str]:
    """Every non-blank line -> `para:N`, `rec:N:LABEL`, `fn:N`, `url`, `title`, `heading:...`, `other`.

    `heading_texts` may give a heading's clean text keyed by any of its line numbers or by its uid;
    without it a heading is written as its canonical numeral plus `-` (`heading:أولا-`).
    """
    out: dict[int, str] = {}
    for unit in doc.units:
        text = _heading_text(unit, heading_texts) if unit.kind == "heading" else None
        label = unit.gold_notation(text)
        for n in unit.lines:
            out[n] = label
    for line in doc.lines:
        if not line.is_blank and line.lineno not in out:
            out[line.lineno] = "other"
    return out


def _heading_text(unit: Unit, heading_texts: Mapping[int | str, str] | None) -> str:
    if heading_texts:
        for key in (unit.uid, *unit.lines):
            if key in heading_texts:
                return heading_texts[key]
    numeral = unit.subsection or unit.section or ""
    return f"{numeral}-"


def _kind(label: str) -> str:
    return label.split(":", 1)[0] if label else ""


def _heading_numeral(label: str) -> str:
    body = label.split(":", 1)[1] if ":" in label else ""
    return body.replace("-", " ").split()[0] if body.replace("-", " ").split() else ""


def _same(pred: str | None, gold: str) -> bool:
    if pred is None:
        return False
    if _kind(pred) == "heading" and _kind(gold) == "heading":
        return _heading_numeral(pred) == _heading_numeral(gold)
    return pred == gold


def unit_accuracy(pred: Mapping[int, str], gold: Mapping[int, str]) -> dict:
    """Share of gold lines whose predicted unit is right, overall and per gold kind, plus the misses."""
    by_kind: dict[str, dict[str, float]] = {}
    errors: list[tuple[int, str, str | None]] = []
    for n, g in sorted(gold.items()):
        k = by_kind.setdefault(_kind(g), {"correct": 0, "total": 0})
        k["total"] += 1
        if _same(pred.get(n), g):
            k["correct"] += 1
        else:
            errors.append((n, g, pred.get(n)))
    for k in by_kind.values():
        k["accuracy"] = k["correct"] / k["total"] if k["total"] else 0.0
    total = len(gold)
    correct = total - len(errors)
    return {
        "accuracy": correct / total if total else 0.0,
        "correct": correct,
        "total": total,
        "by_kind": by_kind,
        "errors": errors,
    }
