"""`egm-text run FILE.pdf` end to end on the generated UN-like PDFs of every variant."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pdf_factory import build_un_pdf, dev_spec
from rapidfuzz.distance import Levenshtein

from egm_text.pipeline import run


def _norm(s: str) -> str:
    return " ".join(s.replace("\u0640", "").split())


def cer(gold: str, system: str) -> float:
    g, s = _norm(gold), _norm(system)
    return Levenshtein.distance(g, s) / max(1, len(g))


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    d = tmp_path_factory.mktemp("pdf_run")
    built = {v: build_un_pdf(d / f"un_{v}.pdf", v) for v in "abc"}
    built["d"] = build_un_pdf(d / "un_d.pdf", "d", spec=dev_spec(n_paragraphs=2, n_recommendations=0))
    return d, built


def _repaired_body(result) -> str:
    doc = result.doc
    notes = {n for f in doc.pdf.footnotes for n in f["lines"]}
    return "\n".join(doc.repaired.get(ln.lineno, ln.raw) for ln in doc.lines if ln.raw and ln.lineno not in notes)


@pytest.mark.parametrize("variant,limit", [("a", 0.005), ("b", 0.005), ("c", 0.03)])
def test_run_on_pdf_recovers_the_printed_text(pdfs, variant, limit):
    d, built = pdfs
    result = run(built[variant].path, d / f"out_{variant}", analyze=False, report=False)
    assert cer(built[variant].body_text, _repaired_body(result)) <= limit
    assert result.summary["paragraphs"] >= 1 and (d / f"out_{variant}" / "paragraphs.parquet").exists()
    assert result.doc.symbol == "UNODC/CCPCJ/EG.4/2020/2"


def test_run_on_image_only_pdf_says_it_needs_ocr(pdfs):
    d, built = pdfs
    r = subprocess.run([sys.executable, "-m", "egm_text.cli", "run", str(built["d"].path), "--out", str(d / "out_d")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "OCR" in r.stderr or "ocr" in r.stderr
