"""Segmentation on the real garbled report (vs the dev gold), on a synthetic report and on noise."""

from __future__ import annotations

import doctest
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egm_text.document import Document
from egm_text.segment import (
    ABJAD_LABELS,
    label_for_index,
    labels_in_gold_notation,
    segment,
    unit_accuracy,
)
from tests.conftest import mutate_lines

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "un_egm_cybercrime_2020_ar.garbled.txt"
CLEAN = ROOT / "src" / "egm_text" / "resources" / "corpus" / "un_ga_reports_2015.txt"
SYMBOL = "UNODC/CCPCJ/EG.4/2020/2"


@pytest.fixture(scope="module")
def real_doc(raw_lines) -> Document:
    return segment(Document.from_text("\n".join(raw_lines), symbol=SYMBOL))


def _covered_once(doc: Document) -> None:
    counts = Counter(n for u in doc.units for n in u.lines)
    nonblank = {ln.lineno for ln in doc.lines if not ln.is_blank}
    assert set(counts) == nonblank
    assert all(c == 1 for c in counts.values())


# --- the real document ---------------------------------------------------------------------------


def test_every_gold_line_gets_its_unit(real_doc, gold):
    pred = labels_in_gold_notation(real_doc)
    score = unit_accuracy(pred, {n: r.unit for n, r in gold.items()})
    assert score["errors"] == []
    assert score["accuracy"] == 1.0
    assert set(score["by_kind"]) == {"title", "heading", "para", "rec", "fn", "url"}


def test_paragraphs_1_to_73_once_in_order(real_doc):
    numbers = [u.number for u in real_doc.units_of_kind("paragraph")]
    assert numbers == list(range(1, 74))


def _list_labels(doc: Document, parent: int) -> list[str]:
    return [u.label for u in doc.units_of_kind("recommendation") if u.parent == parent]


def test_recommendation_lists_have_exact_labels(real_doc):
    # rec 13: (a)..(z), (aa)..(zz), (aaa)..(ooo) = 67 items; rec 14: (a)..(z), (aa)..(xx) = 50 items
    assert _list_labels(real_doc, 13) == [label_for_index(i) for i in range(67)]
    assert _list_labels(real_doc, 14) == [label_for_index(i) for i in range(50)]
    assert _list_labels(real_doc, 13)[-1] == "س س س"
    assert _list_labels(real_doc, 14)[-1] == "خ خ"
    assert {u.parent for u in real_doc.units_of_kind("recommendation")} == {13, 14}
    assert [u.label_index for u in real_doc.units_of_kind("recommendation") if u.parent == 14] == list(
        range(50)
    )


def test_every_nonblank_line_in_exactly_one_unit(real_doc):
    _covered_once(real_doc)


def test_document_order_and_hidden_structure(real_doc):
    firsts = [u.lines[0] for u in real_doc.units]
    assert firsts == sorted(firsts)
    heads = [(u.section, u.subsection) for u in real_doc.units_of_kind("heading")]
    assert heads[0] == ("أولا", None) and heads[-1] == ("خامسا", None)
    assert [h[0] for h in heads if h[1] is None] == ["أولا", "ثانيا", "ثالثا", "رابعا", "خامسا"]
    (note,) = real_doc.units_of_kind("footnote")
    assert note.number == 1 and note.lines[0] == 173 and note.lines[-1] < 222
    para66 = next(u for u in real_doc.units_of_kind("paragraph") if u.number == 66)
    assert para66.lines[-1] >= 1240  # the agenda (-1 ... (a) (b) ... -5) stays inside paragraph 66


def test_ids_urls_and_footnote_refs(real_doc):
    uids = [u.uid for u in real_doc.units]
    assert len(uids) == len(set(uids))
    for tail in ("#title", "#para-13", "#rec-13-bb", "#rec-13-ooo", "#rec-14-e", "#fn-1", "#heading-2"):
        assert SYMBOL + tail in uids
    by_uid = {u.uid: u for u in real_doc.units}
    assert by_uid[SYMBOL + "#para-4"].urls[0] == "http://undocs.org/ar/A/RES/65/230"
    assert len(by_uid[SYMBOL + "#para-4"].urls) == 4
    assert by_uid[SYMBOL + "#rec-13-b"].urls == ["http://undocs.org/ar/A/RES/74/247"] * 2
    assert all(u.parent is not None for u in real_doc.units_of_kind("url"))
    assert by_uid[SYMBOL + "#rec-13-a"].footnote_refs == [1]
    assert by_uid[SYMBOL + "#para-68"].footnote_refs == [2]
    head = by_uid[SYMBOL + "#heading-2"]
    assert head.section == "ثانيا" and "ثانيا" in head.raw_text
    assert (
        by_uid[SYMBOL + "#rec-13-bb"].section == "ثانيا" and by_uid[SYMBOL + "#rec-13-bb"].subsection == "ألف"
    )


def test_footnote_without_url_lines_still_ends(raw_lines):
    lines = ["" if n in (222, 223) else s for n, s in enumerate(raw_lines, 1)]
    doc = segment(Document.from_text("\n".join(lines)))
    (note,) = doc.units_of_kind("footnote")
    assert note.lines[-1] <= 226
    assert _list_labels(doc, 13) == [label_for_index(i) for i in range(67)]


# --- labels and scoring --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "i,label",
    [(0, "أ"), (1, "ب"), (2, "ج"), (4, "هـ"), (25, "ض"), (26, "أ أ"), (27, "ب ب"), (51, "ض ض"), (52, "أ أ أ"),
     (66, "س س س")],
)  # fmt: skip
def test_label_for_index(i, label):
    assert label_for_index(i) == label


def test_abjad_and_doctests():
    import egm_text.segment as seg
    import egm_text.segment.labels as labels

    assert len(ABJAD_LABELS) == 26 and len(set(ABJAD_LABELS)) == 26
    with pytest.raises(ValueError):
        label_for_index(-1)
    for module in (labels, seg):
        assert doctest.testmod(module).failed == 0


def test_unit_accuracy_counts_headings_by_numeral():
    gold = {1: "heading:أولا- مقدمة", 2: "para:1", 3: "rec:1:أ"}
    pred = {1: "heading:أولا-", 2: "para:1", 3: "rec:1:ب"}
    score = unit_accuracy(pred, gold)
    assert score["correct"] == 2 and score["total"] == 3
    assert score["by_kind"]["heading"]["accuracy"] == 1.0
    assert score["by_kind"]["rec"]["accuracy"] == 0.0
    assert unit_accuracy({1: "heading:ثانيا-"}, {1: "heading:أولا- مقدمة"})["accuracy"] == 0.0


def test_heading_texts_are_used_when_given(real_doc):
    pred = labels_in_gold_notation(real_doc, heading_texts={6: "أولا- مقدمة"})
    assert pred[6] == "heading:أولا- مقدمة"
    assert pred[124] == "heading:ثانيا-"


# --- a second, synthetic report laid out like a garbled UN report --------------------------------

_MIRROR_LOST = set("طيمسعصق")  # letters the broken font drops from list markers


def _sentences() -> list[str]:
    out = []
    for line in CLEAN.read_text(encoding="utf-8").split("\n"):
        text = re.sub(r"[\d()\[\]:;\-/A-Za-z\"«»]", " ", line)
        text = re.sub(r"\s+", " ", text).strip()
        if len(text.split()) >= 12:
            out.append(text)
    return out


def _wrap(text: str, width: int = 90) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    return lines + [cur]


def _list_marker(k: int) -> str:
    """A list label the way the garbled extraction renders it (mirrored, letters lost or changed)."""
    label = label_for_index(k)
    letter = label.split()[0].replace("ـ", "")
    reps = len(label.split())
    if letter in _MIRROR_LOST:
        return "( )" if reps == 1 else "()"
    if letter == "ج":
        letter = "ن"
    if reps == 1:
        return f"){letter}("
    return f"{letter}(){letter}" if k % 2 else f"({letter * reps})"


class _Report:
    """Builds raw lines and the expected gold labels side by side."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.gold: dict[int, str] = {}
        self.text = iter(_sentences() * 3)

    def add(self, raw: str, unit: str | None) -> None:
        self.lines.append(raw)
        if unit is not None:
            self.gold[len(self.lines)] = unit
        if len(self.lines) % 3 == 2:
            self.lines.append("")

    def body(self, unit: str, first_suffix: str = "", n_lines: int = 2) -> None:
        lines = _wrap(next(self.text))[:n_lines] or ["نص"]
        for i, line in enumerate(lines):
            self.add(f"{line}   {first_suffix}" if i == 0 and first_suffix else line, unit)


def _build_report() -> _Report:
    r = _Report()
    r.add(" تقرير الفريق العامل المعني بالمسائل الإدارية والمالية  ", "title")
    r.add(" المعقود في نيويورك في الفترة من 3 إلى 7 أيار/مايو 2015  ", "title")
    r.add("  ", None)
    r.add("  مقدمة  - أولا  ", "heading:أولا-")
    para = 0
    for marker in ("- {n}", "-{n}"):
        para += 1
        r.body(f"para:{para}", marker.format(n=para), 3)
    r.add("الفترة 2015-2014 واستعرض الفريق التقارير ذات الصلة بالبند", f"para:{para}")
    r.add(" المسائل التنظيمية: -1 ", f"para:{para}")  # an agenda item inside the paragraph
    r.add(" افتتاح الدورة ع )أ(  ", f"para:{para}")
    r.add(" إقرار جدول الأعمال. )ب(  ", f"para:{para}")
    r.add(" التعاون الدولي. -2", f"para:{para}")
    r.add("  توصيات الفريق  - ثانيا  ", "heading:ثانيا-")
    r.add(" الاستنتاجات العامة -ألف ", "heading:ألف-")
    para += 1
    r.body(f"para:{para}", f"-{para}", 2)
    r.add(" وترد التوصيات أدناه دون ترتيب لدرجة أهميتها:", f"para:{para}")
    parent = para
    for k in range(30):
        unit = f"rec:{parent}:{label_for_index(k)}"
        r.body(unit, f" {_list_marker(k)} ", 2 + k % 2)
        if k == 3:  # page end: footnote then URL lines, then item (d) resumes
            r.add("ويستند ذلك إلى ما ورد في التقرير السابق ( 1) بشأن المسألة", unit)
            r.add(" ", None)
            r.add("انظر الوثيقة المتعلقة بتقرير الفريق العامل عن دورته السابقة (1) ", "fn:1")
            r.add("وقد أعيد تأكيد ذلك في التقرير اللاحق للفريق العامل المقدم إلى الجمعية العامة", "fn:1")
            r.add("http://undocs.org/ar/A/RES/70/1", "url")
            r.add("http://undocs.org/ar/A/RES/70/2", "url")
            r.body(unit)
    r.add("   المسائل الأخرى -باء ", "heading:باء-")
    for _ in range(3):
        para += 1
        r.body(f"para:{para}", f"- {para}", 2)
        r.add("وتناول الفريق أثر جائحة كوفيد-19 في الفترة 2021-2018 على أعماله", f"para:{para}")
    r.add(" اعتماد التقرير   - ثالثا  ", "heading:ثالثا-")
    para += 1
    r.add(f"{para}- اعتمد الفريق العامل هذا التقرير في جلسته الختامية.", f"para:{para}")  # clean-style marker
    return r


def test_synthetic_report_segments_exactly():
    report = _build_report()
    doc = segment(Document.from_text("\n".join(report.lines), symbol="A/70/TEST"))
    pred = labels_in_gold_notation(doc)
    assert {n: pred.get(n) for n in report.gold} == report.gold
    assert set(pred) == set(report.gold)
    _covered_once(doc)
    recs = doc.units_of_kind("recommendation")
    assert [u.label for u in recs] == [label_for_index(k) for k in range(30)]
    assert recs[3].urls == ["http://undocs.org/ar/A/RES/70/1", "http://undocs.org/ar/A/RES/70/2"]
    assert recs[3].footnote_refs == [1]
    assert "A/70/TEST#rec-3-dd" in {u.uid for u in recs}


# --- robustness ----------------------------------------------------------------------------------

_PIECES = ["- 1", "-2", "3-", ")أ(", "( )", "ب()ب", "(1)", "( 2)", "http://x.org/a", "  - أولا  ", " -ألف ", ":",
           "نص", "الجريمة", "ئئئ", " ", "\t", "(", ")", "-", "٣", "2021-2018", "كوفيد-19"]  # fmt: skip


def _check_sane(doc: Document) -> None:
    _covered_once(doc)
    labels_in_gold_notation(doc)
    uids = [u.uid for u in doc.units]
    assert len(uids) == len(set(uids))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=8).map(" ".join), max_size=40))
def test_random_marker_soup_never_crashes(lines):
    _check_sane(segment(Document.from_text("\n".join(lines))))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes(text):
    _check_sane(segment(Document.from_text(text)))


@pytest.mark.parametrize("seed", range(5))
def test_mutated_real_document(raw_lines, seed):
    lines = mutate_lines(raw_lines, random.Random(seed), 60, ops=("drop", "dup", "swap", "cut"))
    doc = segment(Document.from_text("\n".join(lines)))
    _check_sane(doc)
    assert len(doc.units_of_kind("paragraph")) > 30


def test_empty_and_markerless_inputs():
    assert segment(Document.from_text("")).units == []
    assert segment(Document.from_text("\n \n\t\n")).units == []
    doc = segment(Document.from_text("نص بلا علامات\nسطر آخر\n\nوثالث"))
    assert {u.kind for u in doc.units} == {"other"}
    assert set(labels_in_gold_notation(doc).values()) == {"other"}
