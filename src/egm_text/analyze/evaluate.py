"""Measuring the tagger: micro/macro F1 against hand labels, and the dev units as analysis input.

>>> r = evaluate_tags({"a": ["x", "y"], "b": []}, {"a": ["x"], "b": ["z"]})
>>> (r["tp"], r["fp"], r["fn"], r["micro_f1"])
(1, 1, 1, 0.5)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from egm_text.errors import InputError

_REC = re.compile(r"^rec:(\d+):(.+)$")
_PARA = re.compile(r"^para:(\d+)$")
_FN = re.compile(r"^fn:(\d+)$")


def evaluate_tags(pred: Mapping[str, Sequence[str]], gold: Mapping[str, Sequence[str]]) -> dict:
    """Micro- and macro-averaged precision, recall and F1 of multi-label tags over the ids in `gold`.

    An id missing from `pred` counts as tagged with nothing.
    """
    tp = fp = fn = 0
    per: dict[str, dict[str, int]] = {}
    for uid, labels in gold.items():
        g, p = set(labels), set(pred.get(uid, ()))
        for t in g | p:
            d = per.setdefault(t, {"tp": 0, "fp": 0, "fn": 0})
            if t in g and t in p:
                d["tp"] += 1
            elif t in p:
                d["fp"] += 1
            else:
                d["fn"] += 1
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)

    def prf(a: int, b: int, c: int) -> tuple[float, float, float]:
        prec = a / (a + b) if a + b else 0.0
        rec = a / (a + c) if a + c else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return round(prec, 4), round(rec, 4), round(f1, 4)

    mp, mr, mf = prf(tp, fp, fn)
    per_theme = {}
    for t, d in sorted(per.items()):
        p_, r_, f_ = prf(d["tp"], d["fp"], d["fn"])
        per_theme[t] = {**d, "precision": p_, "recall": r_, "f1": f_}
    macro = round(sum(v["f1"] for v in per_theme.values()) / len(per_theme), 4) if per_theme else 0.0
    return {"n_units": len(gold), "tp": tp, "fp": fp, "fn": fn, "micro_precision": mp, "micro_recall": mr,
            "micro_f1": mf, "macro_f1": macro, "per_theme": per_theme}


def load_checkset(path: str | Path) -> pd.DataFrame:
    """A hand-labelled check set: TSV with header ``id  text  labels`` (labels comma-separated)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such check set", path=str(p))
    rows = []
    for i, line in enumerate(p.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip() or i == 1 and line.startswith("id\t"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise InputError("expected ID<TAB>TEXT<TAB>LABELS", path=str(p), line=i)
        labels = [x.strip() for x in parts[2].split(",") if x.strip()]
        rows.append({"id": parts[0], "text": parts[1], "labels": labels})
    return pd.DataFrame(rows, columns=["id", "text", "labels"])


def evaluate_checkset(path: str | Path, taxonomy=None) -> dict:
    """Tag every text of a check set with the taxonomy and score it against the hand labels."""
    from egm_text.analyze.tagger import tag_text
    from egm_text.analyze.taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy)
    cs = load_checkset(path)
    pred = {r.id: tag_text(r.text, tax).themes for r in cs.itertuples()}
    gold = dict(zip(cs["id"], cs["labels"], strict=True))
    return {**evaluate_tags(pred, gold), "predictions": pred}


def units_from_gold_tsv(path: str | Path) -> pd.DataFrame:
    """Units in the analysis input format from a gold TSV (``LINENO<TAB>CLEAN<TAB>UNIT``).

    Consecutive rows of one unit (``para:N``, ``rec:N:LABEL``, ``fn:N``, ``heading:...``, ``title``)
    are joined; ``url`` rows and rows without a unit are skipped. Headings set the section.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("no such gold file", path=str(p))
    units: list[dict] = []
    section = None
    for line in p.read_text(encoding="utf-8").split("\n"):
        parts = line.split("\t")
        if len(parts) < 3 or not parts[2].strip() or parts[2].strip() == "url":
            continue
        key, text = parts[2].strip(), parts[1].strip()
        if units and units[-1]["id"] == key:
            units[-1]["text"] += " " + text
            continue
        if any(u["id"] == key for u in units):  # a unit resumed after a footnote or URL
            u = next(u for u in units if u["id"] == key)
            u["text"] += " " + text
            continue
        kind, parent, label = "paragraph", None, None
        if key.startswith("heading:"):
            kind, section = "heading", key.split(":", 1)[1].split("-")[0].strip()
        elif key == "title":
            kind = "title"
        elif m := _REC.match(key):
            kind, parent, label = "recommendation", int(m.group(1)), m.group(2)
        elif m := _FN.match(key):
            kind, label = "footnote", m.group(1)
        elif not _PARA.match(key):
            kind = "paragraph"
        units.append({"id": key, "kind": kind, "section": section, "parent": parent, "label": label, "text": text})
    return pd.DataFrame(units, columns=["id", "kind", "section", "parent", "label", "text"])
