"""`egm-text run` end to end on the bundled document: the dataset a researcher gets."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest

from egm_text.pipeline import run
from tests.conftest import RAW


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    return run(RAW, out, report=False), out


def test_dataset_tables_in_three_formats(result):
    res, out = result
    for name in ("paragraphs", "recommendations", "footnotes", "headings", "lines"):
        pq = pd.read_parquet(out / f"{name}.parquet")
        csv = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig")
        jl = [json.loads(x) for x in (out / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert len(pq) == len(csv) == len(jl) > 0
    assert (out / "paragraphs.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "| `label_index` |" in readme and "## recommendations" in readme


def test_stable_ids_labels_and_repaired_text(result):
    res, out = result
    recs = pd.read_parquet(out / "recommendations.parquet")
    rec = recs.set_index("id").loc["UNODC/CCPCJ/EG.4/2020/2#rec-13-bb"]
    assert rec["label"] == "ب ب" and rec["parent"] == 13 and rec["label_index"] == 27
    paras = pd.read_parquet(out / "paragraphs.parquet").set_index("number")
    assert list(paras.index) == list(range(1, 74))
    assert paras.loc[1, "text"].startswith("طلبت الجمعية العامة في قرارها 65/230")
    assert "السيبرانية" in paras.loc[1, "text"] and "التيبرانية" not in paras.loc[1, "text"]
    assert paras["confidence"].between(0, 1).all()


def test_lines_table_keeps_every_source_line(result):
    res, out = result
    lines = pd.read_parquet(out / "lines.parquet")
    text = RAW.read_text(encoding="utf-8")
    assert "\n".join(lines["raw"].fillna("")) == text  # the raw lines rebuild the input exactly
    assert res.doc.raw_text() == text
    assert list(lines["lineno"]) == list(range(1, len(lines) + 1))
    assert set(lines["verdict"]) <= {"clean", "repaired", "uncertain"}


def test_audit_and_summary(result):
    res, out = result
    assert res.summary["paragraphs"] == 73 and res.summary["words_changed"] > 1000
    records = [json.loads(x) for x in (out / "repair_audit.jsonl").read_text(encoding="utf-8").splitlines()]
    kinds = Counter(r["kind"] for r in records)
    assert kinds["word"] == res.summary["words_changed"] and res.summary["lines_reordered"] > 100
    assert kinds["order"] == sum(r.reordered or r.order_alternative is not None for r in res.repairs)


def test_analysis_columns_and_tables(result):
    res, out = result
    recs = pd.read_parquet(out / "recommendations.parquet")
    assert {"themes", "theme_scores", "cluster", "neighbours"} <= set(recs.columns)
    themes = recs["themes"].map(json.loads)
    assert themes.map(len).gt(0).mean() > 0.8  # nearly every recommendation gets a theme
    assert (out / "topics.parquet").exists() and (out / "similar_pairs.csv").exists()
    assert any((out / "figures").glob("*.png")) and any((out / "figures").glob("*.svg"))
