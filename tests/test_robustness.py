"""Bad input and robustness: through the real CLI, one clear error line and a non-zero exit, never a
traceback, never a half-written output; property tests for repair and the segmenter.

Cases already in tests/test_cli.py (`repair` on a missing, empty, binary, English-only file and on a
folder; Windows-1256 and UTF-16 LE to stdout; `run` into a folder under a file) are not repeated here.
Known failures are strict xfails with the measured reason, so they turn into passes when fixed.
"""

from __future__ import annotations

import importlib.util
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from egm_text.document import Document
from tests.conftest import RAW, mutate_lines

CLI = [sys.executable, "-m", "egm_text.cli"]
HAS_ANALYZE = importlib.util.find_spec("egm_text.analyze") is not None
PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_cli(*args: str, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, **kw)


def assert_one_clear_error(r: subprocess.CompletedProcess, *words: str) -> str:
    assert r.returncode != 0, r.stdout[-500:]
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    lines = [x for x in r.stderr.strip().splitlines() if x.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:"), lines[0]
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def excerpt(n: int = 40) -> str:
    return "\n".join(RAW.read_text(encoding="utf-8").split("\n")[:n]) + "\n"


# --- bad inputs, through `egm-text run` and `egm-text repair` ------------------------------------------

BAD_INPUTS = {
    # name: (bytes or None for "does not exist", words the one error line must contain)
    "missing": (None, ("no such file",)),
    "empty": (b"", ("empty",)),
    "whitespace-only": (b" \n\t\n  \n", ("empty",)),
    "binary": (bytes(range(256)) * 40, ("binary",)),
    "binary-after-text": (excerpt(30).encode() + bytes(range(256)) * 40, ("binary",)),
    "no-arabic": (b"An English report, with no Arabic at all.\n" * 20, ("no Arabic",)),
    "latin-1": ("caf\u00e9 cr\u00e8me br\u00fbl\u00e9e\n".encode("latin-1"), ("no Arabic",)),
    "utf-16-without-bom": ("نص عربي بلا علامة ترتيب".encode("utf-16-le"), ("binary",)),
    "utf-16-truncated": (b"\xff\xfe" + "نص".encode("utf-16-le") + b"\x00", ("UTF-16",)),
    "truncated-pdf": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n", ("PDF",)),
}


def _make(tmp_path: Path, name: str) -> Path:
    data = BAD_INPUTS[name][0]
    path = tmp_path / f"{name}.txt"
    if data is not None:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_run_rejects_bad_input_without_writing_anything(tmp_path, name):
    src = _make(tmp_path, name)
    out = tmp_path / "out"
    r = run_cli("run", str(src), "--out", str(out), "--no-analysis", "--quiet")
    assert_one_clear_error(r, *BAD_INPUTS[name][1])
    assert files_in(out) == []


@pytest.mark.parametrize("name", ["whitespace-only", "binary-after-text", "latin-1", "utf-16-without-bom",
                                  "utf-16-truncated", "truncated-pdf"])
def test_repair_rejects_bad_input(tmp_path, name):
    src = _make(tmp_path, name)
    out = tmp_path / "repaired.txt"
    r = run_cli("repair", str(src), "-o", str(out))
    assert_one_clear_error(r, *BAD_INPUTS[name][1])
    assert not out.exists()


@pytest.mark.parametrize("profile,words", [("missing.json", "no such profile"), ("bad.json", "cannot read profile")])
def test_bad_font_profile_is_one_clear_error(tmp_path, profile, words):
    (tmp_path / "bad.json").write_text('{"format": ', encoding="utf-8")
    src = tmp_path / "in.txt"
    src.write_text(excerpt(5), encoding="utf-8")
    r = run_cli("repair", str(src), "--profile", str(tmp_path / profile), "-o", str(tmp_path / "o.txt"))
    assert_one_clear_error(r, words)
    assert not (tmp_path / "o.txt").exists()


# --- other encodings are detected and converted --------------------------------------------------------


@pytest.fixture(scope="module")
def utf8_repair(tmp_path_factory) -> str:
    src = tmp_path_factory.mktemp("enc") / "utf8.txt"
    src.write_text(excerpt(), encoding="utf-8")
    r = run_cli("repair", str(src))
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("encoding", ["cp1256", "utf-16-be-bom", "utf-8-sig", "utf-8-crlf"])
def test_garbled_text_in_other_encodings_repairs_the_same(tmp_path, utf8_repair, encoding):
    text = excerpt()
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    elif encoding == "utf-8-crlf":
        data = text.replace("\n", "\r\n").encode("utf-8")
    else:
        data = text.encode(encoding)
    src = tmp_path / "in.txt"
    src.write_bytes(data)
    r = run_cli("repair", str(src))
    assert r.returncode == 0, r.stderr
    assert r.stdout == utf8_repair
    assert "السيبرانية" in r.stdout


def test_text_in_presentation_forms_is_read_as_base_letters(tmp_path):
    # text another tool took from a PDF often keeps the shaped glyphs' code points (initial, medial, final,
    # isolated forms and the lam-alef ligature); it is Arabic all the same
    shaped = "ﺍﻟﺠﺮﻳﻤﺔ ﺍﻟﺴﻴﺒﺮﺍﻧﻴﺔ ﻣﻦ ﺃﺧﻄﺮ ﺍﻟﺘﺤﺪﻳﺎﺕ ﺍﻟﺘﻲ ﺗﻮﺍﺟﻪ ﺍﻟﺪﻭﻝ ﺍﻷﻋﻀﺎﺀ ﻓﻲ ﺍﻷﻣﻢ ﺍﻟﻤﺘﺤﺪﺓ ﻭﻻ ﺳﻴﻤﺎ ﺍﻟﻨﺎﻣﻴﺔ"
    src = tmp_path / "shaped.txt"
    src.write_text(shaped + "\n", encoding="utf-8")
    r = run_cli("repair", str(src))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "الجريمة السيبرانية من أخطر التحديات التي تواجه الدول الأعضاء في الأمم المتحدة ولا سيما النامية\n"


def test_run_converts_windows_1256_into_utf8_tables(tmp_path):
    src = tmp_path / "report.txt"
    src.write_bytes(excerpt(60).encode("cp1256"))
    out = tmp_path / "out"
    r = run_cli("run", str(src), "--out", str(out), "--no-analysis", "--quiet")
    assert r.returncode == 0, r.stderr
    lines = (out / "lines.jsonl").read_text(encoding="utf-8")
    assert "الجمعية العامة" in lines
    assert (out / "paragraphs.csv").read_bytes().startswith(b"\xef\xbb\xbf")


# --- outputs: unwritable, taken, interrupted -------------------------------------------------------------


def test_repair_output_under_a_file_is_one_clear_error(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(excerpt(5), encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run_cli("repair", str(src), "-o", str(blocker / "out.txt"))
    assert_one_clear_error(r, "cannot")


@pytest.mark.parametrize("where", ["repair-output", "repair-audit", "run-table"])
def test_output_name_taken_by_a_folder_is_one_clear_error(tmp_path, where):
    src = tmp_path / "in.txt"
    src.write_text(excerpt(20), encoding="utf-8")
    taken = tmp_path / "taken"
    taken.mkdir()
    if where == "repair-output":
        r = run_cli("repair", str(src), "-o", str(taken), "--quiet")
    elif where == "repair-audit":
        r = run_cli("repair", str(src), "-o", str(tmp_path / "o.txt"), "--audit", str(taken), "--quiet")
    else:
        out = tmp_path / "out"
        (out / "paragraphs.parquet").mkdir(parents=True)
        r = run_cli("run", str(src), "--out", str(out), "--no-analysis", "--quiet")
    assert_one_clear_error(r, "cannot")
    assert not list(tmp_path.rglob(".*.tmp"))


def _interrupt_run(out: Path) -> tuple[int, str]:
    """Start `egm-text run`, press Ctrl-C while it repairs; (exit code, stderr)."""
    proc = subprocess.Popen([*CLI, "run", str(RAW), "--out", str(out), "--no-analysis"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = ""
    deadline = time.monotonic() + 120
    while "repairing" not in seen and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, seen + err


def test_interrupted_run_leaves_no_partial_files(tmp_path):
    out = tmp_path / "out"
    _, err = _interrupt_run(out)
    assert "Traceback" not in err, err
    assert not [p for p in files_in(out) if p.name.endswith(".tmp")]
    assert not (out / "paragraphs.parquet").exists() or (out / "README.md").exists()


def test_interrupted_run_exits_non_zero(tmp_path):
    code, err = _interrupt_run(tmp_path / "out")
    assert code == 130 and "aborted" in err, (code, err)


def test_repair_output_keeps_the_final_newline_once(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(excerpt(10), encoding="utf-8")  # ends with "\n"
    out = tmp_path / "out.txt"
    assert run_cli("repair", str(src), "-o", str(out), "--quiet").returncode == 0
    assert out.read_text(encoding="utf-8").count("\n") == src.read_text(encoding="utf-8").count("\n")


def test_repair_writes_through_a_named_pipe_and_a_link(tmp_path):
    """`-o /dev/null`, a named pipe, a link: written through, never replaced by a regular file."""
    import os
    import stat
    import threading

    src = tmp_path / "in.txt"
    src.write_text(excerpt(10), encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = run_cli("repair", str(src), "-o", str(fifo), "--quiet", timeout=300)
    reader.join(timeout=30)
    if reader.is_alive():  # the pipe was never opened for writing: unblock the reader
        with open(fifo, "wb"):
            pass
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got and got[0].decode("utf-8").count("\n") == 10
    real = tmp_path / "real.txt"
    link = tmp_path / "link.txt"
    real.write_text("old", encoding="utf-8")
    link.symlink_to(real)
    assert run_cli("repair", str(src), "-o", str(link), "--quiet").returncode == 0
    assert link.is_symlink() and real.read_text(encoding="utf-8") == got[0].decode("utf-8")


# --- a 50 MB file ------------------------------------------------------------------------------------------


def _write_big_clean_file(path: Path, size: int) -> int:
    from tests.conftest import CLEAN_DIR

    lines = [x for x in (CLEAN_DIR / "un_ga_resolutions_2015.txt").read_text(encoding="utf-8").split("\n") if x.strip()]
    n = written = 0
    with path.open("w", encoding="utf-8") as fh:
        while written < size:
            line = lines[n % len(lines)] + "\n"
            fh.write(line)
            written += len(line.encode("utf-8"))
            n += 1
    return n


@pytest.mark.slow
def test_50_mb_file_repairs_with_bounded_memory(tmp_path):
    """50 MB of clean Arabic lines (the garbledness gate passes them through) in < 60 s and < 1 GB."""
    import resource

    big = tmp_path / "big.txt"
    n_lines = _write_big_clean_file(big, 50 * 1024 * 1024)
    out = tmp_path / "big.out.txt"

    def cap_memory() -> None:  # a run that needs more than 1 GB dies instead of swapping the machine
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    r = subprocess.run([*CLI, "repair", str(big), "-o", str(out), "--quiet"], capture_output=True, text=True,
                       timeout=60, preexec_fn=cap_memory)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-1000:]
    with out.open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == n_lines


# --- taxonomy files with errors (when the analysis stage is installed) --------------------------------------

BAD_TAXONOMIES = {
    "syntax-error": "themes:\n  cooperation: [تعاون\n  - : :\n",
    "not-a-mapping": "- تعاون\n- تسليم\n",
    "empty": "",
    "terms-not-a-list": "themes:\n  cooperation: 42\n",
    "binary": "\x00\x01\x02",
}


@pytest.mark.skipif(not HAS_ANALYZE, reason="egm_text.analyze is not installed")
@pytest.mark.parametrize("name", [*BAD_TAXONOMIES, "missing"])
def test_bad_taxonomy_is_one_clear_error(tmp_path, name):
    tax = tmp_path / f"{name}.yaml"
    if name != "missing":
        tax.write_text(BAD_TAXONOMIES[name], encoding="utf-8")
    src = tmp_path / "report.txt"
    src.write_text(excerpt(120), encoding="utf-8")
    out = tmp_path / "out"
    r = run_cli("run", str(src), "--out", str(out), "--taxonomy", str(tax), "--quiet")
    assert_one_clear_error(r)
    assert files_in(out) == [] or not [p for p in files_in(out) if p.suffix in (".parquet", ".csv", ".html")]


# --- properties of repair ---------------------------------------------------------------------------------

_RAW_LINES = [x for x in RAW.read_text(encoding="utf-8").split("\n") if x.strip()]
_ARABICISH = (
    "ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآؤئىة" + "ـ" * 3 + "ًٌٍَُِّْ" + "٠١٢٣٤٥٦٧٨٩0123456789" + " " * 8
    + "،؛؟.:()-/%" + "abcXYZ" + "\u200f\u200e\ufeff\t"
)


@st.composite
def mutated_line(draw) -> str:
    line = draw(st.sampled_from(_RAW_LINES))
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(line)))
        op = draw(st.sampled_from(["insert", "delete", "swap", "cut"]))
        if op == "insert":
            line = line[:i] + draw(st.text(alphabet=_ARABICISH, min_size=1, max_size=3)) + line[i:]
        elif op == "delete":
            line = line[:i] + line[i + 1:]
        elif op == "swap" and 0 < i < len(line):
            line = line[: i - 1] + line[i] + line[i - 1] + line[i + 1:]
        else:
            line = line[:i]
    return line


line_strategy = st.one_of(
    st.sampled_from(_RAW_LINES),
    mutated_line(),
    st.text(alphabet=_ARABICISH, max_size=80),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=40),
    st.just(""),
)
lines_strategy = st.lists(line_strategy, min_size=1, max_size=8)


@PROPERTY
@given(lines=lines_strategy)
def test_repair_keeps_every_line_and_is_deterministic(repairer, lines):
    first = repairer.transform(lines)
    assert len(first) == len(lines)
    assert [bool(x.strip()) for x in first] == [bool(x.strip()) for x in lines]
    assert all("\n" not in x for x in first)
    assert repairer.transform(lines) == first


@pytest.fixture(scope="module")
def fresh_repairer():
    from egm_text.repair import GlyphRepairer

    return GlyphRepairer(profile="un")


@settings(max_examples=15, deadline=None)
@given(lines=lines_strategy)
def test_repair_is_the_same_from_a_fresh_repairer(repairer, fresh_repairer, lines):
    assert fresh_repairer.transform(lines) == repairer.transform(lines)


@PROPERTY
@given(lines=st.lists(st.sampled_from(_RAW_LINES), min_size=1, max_size=8))
def test_repair_is_idempotent_on_confidently_repaired_lines(repairer, lines):
    """Lines repaired with every word known and confident are a fixed point of repair."""
    once = [r.text for r in repairer.repair_and_explain(lines) if r.verdict != "uncertain"]
    assert repairer.transform(once) == once


_SHRUNK = " ع سيبرانيةالفعاع التي تعد جرائم  الإقليمية على"  # hypothesis' shrunk counter-example (a real line)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(lines=st.lists(st.sampled_from(_RAW_LINES), min_size=1, max_size=8))
@example(lines=[_SHRUNK])
def test_repair_is_idempotent_on_its_output(repairer, lines):
    once = repairer.transform(lines)
    assert repairer.transform(once) == once


def test_second_pass_over_the_repaired_document_changes_nothing(repairer, raw_lines):
    once = repairer.transform(raw_lines)
    twice = repairer.transform(once)
    assert [n + 1 for n, (a, b) in enumerate(zip(once, twice, strict=True)) if a != b] == []


def test_idempotence_regression_line_is_understood(repairer):
    """The shrunk counter-example: a word no reading explains (here two glued words) is no evidence
    of garbling, so neither the line nor its repair is judged garbled, and repair is a fixed point."""
    once = repairer.transform([_SHRUNK])
    assert not repairer.is_garbled(once)
    assert repairer.transform(once) == once


# --- properties of the segmenter (beyond tests/test_segment.py's marker soup and seeded mutations) -----------


@st.composite
def mutated_document(draw) -> str:
    lines = RAW.read_text(encoding="utf-8").split("\n")
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    lines = mutate_lines(lines, rng, draw(st.integers(0, 200)))
    return "\n".join(lines)


def _check_units(doc: Document) -> None:
    n = len(doc.lines)
    owner: dict[int, str] = {}
    for unit in doc.units:
        for line in unit.lines:
            assert 1 <= line <= n
            assert line not in owner, (line, owner.get(line), unit.uid)
            owner[line] = unit.uid
    uids = [u.uid for u in doc.units]
    assert len(uids) == len(set(uids))


@settings(max_examples=50, deadline=None)
@given(text=mutated_document())
def test_segmenter_survives_mutated_documents(text):
    from egm_text.pipeline import apply_structure
    from egm_text.segment import labels_in_gold_notation, segment

    doc = segment(Document.from_text(text, symbol="X"))
    _check_units(doc)
    labels_in_gold_notation(doc)
    apply_structure(doc)  # the structure written back into the text never fails either
    assert doc.raw_text() == "\n".join(text.split("\n")[: len(doc.lines)])


@settings(max_examples=50, deadline=None)
@given(text=st.lists(st.sampled_from([*_ARABICISH, "\n", "\r\n", "- 1", "(أ)", "(1)", "http://x"]),
                    max_size=300).map("".join))
def test_segmenter_survives_random_arabic_text(text):
    from egm_text.segment import segment

    _check_units(segment(Document.from_text(text)))
