"""The command line as a user meets it: real files, real exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from egm_text.evaluate import load_gold, score_repair
from tests.conftest import CLEAN_DIR, DEV, RAW

CLI = [sys.executable, "-m", "egm_text.cli"]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_version_and_help():
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("egm-text ")
    r = run_cli("run", "--help")
    assert r.returncode == 0 and "Example" in r.stdout


@pytest.mark.parametrize(
    "make_input,message",
    [
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: _write(d / "empty.txt", b""), "empty"),
        (lambda d: _write(d / "blob.bin", bytes(range(256)) * 40), "binary"),
        (lambda d: _write(d / "english.txt", b"only English text here\n"), "no Arabic"),
        (lambda d: d, "folder"),
    ],
    ids=["missing", "empty", "binary", "no-arabic", "folder"],
)
def test_bad_input_is_one_clear_line(tmp_path, make_input, message):
    r = run_cli("repair", str(make_input(tmp_path)))
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_windows_1256_and_utf16_inputs_are_converted(tmp_path):
    text = "الجمعية العامة للأمم المتحدة\n"
    for enc, name in (("cp1256", "a.txt"), ("utf-16", "b.txt")):
        p = tmp_path / name
        p.write_bytes(text.encode(enc))
        r = run_cli("repair", str(p))
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == text.strip()


def test_a_long_output_to_a_pipe_arrives_whole(tmp_path):
    """The command ends without the interpreter's teardown: what it wrote to a pipe must all be there."""
    clean = sorted(CLEAN_DIR.glob("*.txt"))[0].read_text(encoding="utf-8")
    lines = [line for line in clean.split("\n") if line.strip()][:400]
    p = tmp_path / "clean.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert p.stat().st_size > 64 * 1024  # more than a pipe and a write buffer hold
    r = run_cli("repair", str(p))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:-1] == lines


def test_repair_writes_line_preserving_output_and_audit(tmp_path):
    out, audit = tmp_path / "out.txt", tmp_path / "audit.jsonl"
    r = run_cli("repair", str(RAW), "-o", str(out), "--audit", str(audit), "--quiet")
    assert r.returncode == 0, r.stderr
    raw_lines = RAW.read_text(encoding="utf-8").split("\n")
    out_lines = out.read_text(encoding="utf-8").split("\n")
    assert len(out_lines) == len(raw_lines)
    records = [json.loads(x) for x in audit.read_text(encoding="utf-8").splitlines()]
    for rec in records:
        assert {"line", "raw", "repaired", "confidence", "alternatives", "kind"} <= set(rec)
        assert {"index", "score"} <= set(rec) if rec["kind"] == "word" else "margin" in rec
    assert {rec["kind"] for rec in records} == {"word", "order"}
    # the document's structure is known: a paragraph marker drawn at the far end (`- 1`) opens its line
    assert out_lines[7].startswith("1- طلبت الجمعية العامة في قرارها 65/230")
    # and the lines that open or close a unit are ordered as in `run`: the dev lines read as well
    gold = load_gold(DEV)
    figures = score_repair(gold, {n: out_lines[n - 1] for n, row in gold.items() if row.unit != "url"})
    assert figures["arabic_WER"] < 0.06 and figures["arabic_bag_WER"] < 0.02, figures


def test_segment_lines_in_gold_notation():
    r = run_cli("segment", str(RAW), "--lines")
    assert r.returncode == 0, r.stderr
    rows = dict(line.split("\t") for line in r.stdout.strip().splitlines())
    assert rows["8"] == "para:1" and rows["41"] == "url"


def test_evaluate_reports_repair_and_segmentation():
    r = run_cli("evaluate", "--gold", str(DEV), "--json")
    assert r.returncode == 0, r.stderr
    figures = json.loads(r.stdout)
    assert figures["repair"]["arabic_bag_WER"] < 0.1
    assert figures["segmentation"]["accuracy"] == 1.0


def test_unwritable_output_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run_cli("run", str(RAW), "--out", str(blocker / "sub"), "--no-analysis", "--quiet")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "cannot" in r.stderr


def test_missing_option_is_a_usage_error():
    r = run_cli("evaluate", str(RAW))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "internal error" not in r.stderr and "gold" in r.stderr


def test_run_summary_counts_the_units_in_plain_words(tmp_path):
    r = run_cli("run", str(RAW), "--out", str(tmp_path / "out"), "--no-analysis")
    assert r.returncode == 0, r.stderr
    summary = " ".join(r.stdout.split())
    assert "73 paragraphs, 117 recommendations, 1 footnote, 15 headings;" in summary
