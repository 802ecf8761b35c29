"""PDF input on generated UN-like PDFs (tests/pdf_factory.py): real fpdf2 output, real pdfplumber."""

from __future__ import annotations

import re
import shutil

import pikepdf
import pytest
from pdf_factory import (
    JOB,
    SYMBOL,
    build_un_pdf,
    dev_spec,
    write_encrypted,
    write_truncated,
    write_zero_pages,
)
from rapidfuzz.distance import Levenshtein

from egm_text.errors import PdfError
from egm_text.extract import ExtractedPDF, extract_pdf
from egm_text.extract.fontmap import fold_forms, parse_tounicode, tounicode_stream
from egm_text.extract.layout import visual_to_logical


def _norm(s: str) -> str:
    return " ".join(s.replace("\u0640", "").split())


def cer(gold: str, system: str) -> float:
    g, s = _norm(gold), _norm(system)
    return Levenshtein.distance(g, s) / max(1, len(g))


def body_text(x: ExtractedPDF) -> str:
    notes = {n for f in x.footnotes for n in f["lines"]}
    return "\n".join(ln.raw for ln in x.lines if ln.raw and ln.lineno not in notes)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("pdfs")
    out = {v: build_un_pdf(d / f"un_{v}.pdf", v) for v in "abc"}
    out["d"] = build_un_pdf(d / "un_d.pdf", "d", spec=dev_spec(n_paragraphs=2, n_recommendations=0))
    return out


@pytest.fixture(scope="session")
def extracted(built):
    return {v: extract_pdf(built[v].path) for v in "abc"}


# --- variant a: a correct text layer --------------------------------------------------------------


def test_variant_a_text_matches_source(built, extracted):
    x, b = extracted["a"], built["a"]
    assert cer(b.body_text, body_text(x)) <= 0.005
    assert {p["verdict"] for p in x.pages} == {"ok"}
    assert len(x.pages) == b.pages >= 2


def test_lines_are_source_lines_with_positions(extracted):
    x = extracted["a"]
    assert x.text == "\n".join(ln.raw for ln in x.lines)
    assert [ln.lineno for ln in x.lines] == list(range(1, len(x.lines) + 1))
    for ln in x.lines:
        if ln.raw:
            assert ln.page >= 1 and ln.x0 > 0 and ln.top > 0 and ln.size > 5
    # within a page lines come top to bottom (footnotes may follow a paragraph from the page before)
    body = [ln for ln in x.lines if ln.raw and ln.size == 13.0]
    for a, b in zip(body, body[1:], strict=False):
        assert (b.page, b.top) > (a.page, a.top)


def test_bidi_order_of_numbers_latin_and_brackets(extracted):
    lines = extracted["a"].text.split("\n")
    assert any(ln.startswith("1- طلبت الجمعية العامة في قرارها 65/230 إلى لجنة") for ln in lines)
    assert "(E/CN.15/2011/19، المرفقان الأول والثاني)." in lines
    assert any("عنوانه Practical Guide for Requesting Electronic Evidence Across" in ln for ln in lines)
    assert any(ln.startswith("Borders، وهو متاح") for ln in lines)
    assert any(ln.startswith("(أ) فيما يتعلق") for ln in lines)
    assert any("تموز/يوليه 2020" in ln for ln in lines)
    assert any("يناير 2011. واستعرض" in ln for ln in lines)


def test_duplicated_glyphs_and_kashida_removed(extracted):
    x = extracted["a"]
    title = x.lines[0].raw
    assert title == "تقرير عن اجتماع فريق الخبراء المعني بإجراء دراسة شاملة عن الجريمة"
    assert any("duplicated glyphs removed" in r for r in x.pages[0]["reasons"])
    assert "\u0640" not in x.text and "الجريمة والعدالة" in x.text


def test_furniture_removed_and_recorded(built, extracted):
    x, b = extracted["a"], built["a"]
    lines = set(x.text.split("\n"))
    assert SYMBOL not in lines and JOB not in lines
    assert not any(re.fullmatch(r"\d{1,3}", ln) for ln in lines)
    for page in range(1, b.pages + 1):
        kinds = {f["kind"]: f["text"] for f in x.furniture if f["page"] == page}
        assert kinds == {"symbol": SYMBOL, "job": JOB, "page": str(page)}
    assert x.symbol == SYMBOL


def test_footnote_separated_and_linked(built, extracted):
    x = extracted["a"]
    assert len(x.footnotes) == 1
    fn = x.footnotes[0]
    assert fn["number"] == 1 and fn["page"] == 1
    assert fn["text"] == "(1) انظر قرار الجمعية العامة 65/230، المرفق."
    note_line = x.lines[fn["lineno"] - 1]
    assert note_line.size < 10 and note_line.top > 700
    ref = x.lines[fn["ref_lineno"] - 1]
    assert ref.raw.startswith("1- طلبت") and ref.raw.endswith("(1)")
    # the note is its own block: blank line before it, not inside a paragraph
    assert x.lines[fn["lineno"] - 2].raw == ""


def test_paragraph_joined_across_pages(built, extracted):
    b, x = built["a"], extracted["a"]
    body = b.body_lines
    crossing = [
        (p, q)
        for p, q in zip(body, body[1:], strict=False)
        if q.page == p.page + 1 and q.kind == "body" and not re.match(r"^(\d+-|\()", q.text)
    ]
    assert crossing, "the generated document should break a paragraph across pages"
    for p, q in crossing:
        texts = [ln.raw for ln in x.lines]
        i = texts.index(_norm(p.text))
        assert texts[i + 1] == _norm(q.text)
        assert x.lines[i].page + 1 == x.lines[i + 1].page


def test_link_annotations_are_url_metadata(built, extracted):
    x, b = extracted["a"], built["a"]
    got = {u["url"]: u for u in x.urls}
    assert set(got) == {u["url"] for u in b.urls}
    for u in b.urls:
        line = x.lines[got[u["url"]]["lineno"] - 1]
        assert line.raw == _norm(u["text"]) and line.page == u["page"]
    assert not any(u["url"] in ln.raw for ln in x.lines for u in b.urls)


# --- variants b and c: the broken UN font ---------------------------------------------------------


def test_variant_b_font_level_repair(built, extracted):
    b, x = built["b"], extracted["b"]
    import pdfplumber

    with pdfplumber.open(b.path) as doc:
        raw = "\n".join(p.extract_text() or "" for p in doc.pages)
    assert Levenshtein.distance(_norm(raw), _norm(b.body_text)) / len(_norm(b.body_text)) > 0.05
    assert cer(b.body_text, body_text(x)) <= 0.005
    assert {p["verdict"] for p in x.pages} == {"repaired"}
    font = next(iter(x.fonts.values()))
    assert (
        font["repaired"]
        and font["disagree"] > 20
        and any(e.startswith("outlines:") for e in font["evidence"])
    )


def test_variant_c_is_garbled_and_degraded(built, extracted):
    b, x = built["c"], extracted["c"]
    assert {p["verdict"] for p in x.pages} == {"degraded"}
    assert any("text-level repair" in r for r in x.pages[0]["reasons"])
    assert cer(b.body_text, body_text(x)) > 0.03
    assert "ئئ" in x.text  # kashida drawn as runs of ئ, as in the UN's PDFs
    # a glyph mapped to nothing keeps its place: the lam-alef's second glyph opens no false space
    assert "الاجتما" in x.text and "الا جتما" not in x.text
    # structure survives the broken font: furniture, the footnote, the URLs
    assert x.symbol == SYMBOL and len(x.footnotes) == 1 and len(x.urls) == 2


# --- variant d and the errors ---------------------------------------------------------------------


def test_image_only_pdf_needs_ocr(built):
    with pytest.raises(PdfError, match="no text layer"):
        extract_pdf(built["d"].path)


def test_image_only_pdf_with_ocr(built):
    from egm_text.extract.ocr import tesseract_status

    reason = tesseract_status()
    if reason:
        with pytest.raises(PdfError, match="tesseract|pytesseract"):
            extract_pdf(built["d"].path, ocr=True)
        return
    x = extract_pdf(built["d"].path, ocr=True)
    assert {p["verdict"] for p in x.pages} == {"needs_ocr"}
    assert any("OCR" in r for r in x.pages[0]["reasons"])
    assert cer(built["d"].body_text, "\n".join(ln.raw for ln in x.lines)) < 0.5


def test_mixed_pdf_flags_the_scanned_page(built, tmp_path):
    out = tmp_path / "mixed.pdf"
    with pikepdf.open(built["a"].path) as doc, pikepdf.open(built["d"].path) as scan:
        doc.pages.append(scan.pages[0])
        doc.save(out)
    x = extract_pdf(out)
    assert x.pages[-1]["verdict"] == "needs_ocr"
    assert [p["verdict"] for p in x.pages[:-1]] == ["ok"] * (len(x.pages) - 1)


def test_encrypted_pdf(built, tmp_path):
    path = write_encrypted(built["a"].path, tmp_path / "enc.pdf")
    with pytest.raises(PdfError, match="encrypted"):
        extract_pdf(path)


def test_owner_password_only_pdf_is_read(built, tmp_path):
    path = tmp_path / "owner.pdf"
    with pikepdf.open(built["a"].path) as doc:
        doc.save(path, encryption=pikepdf.Encryption(owner="o", user="", R=6))
    assert extract_pdf(path).lines[0].raw.startswith("تقرير")


def test_truncated_pdf(built, tmp_path):
    path = write_truncated(built["a"].path, tmp_path / "cut.pdf")
    with pytest.raises(PdfError, match="corrupt|truncated"):
        extract_pdf(path)


def test_zero_page_and_non_pdf(tmp_path):
    with pytest.raises(PdfError, match="no pages"):
        extract_pdf(write_zero_pages(tmp_path / "zero.pdf"))
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all")
    with pytest.raises(PdfError, match="not a PDF"):
        extract_pdf(junk)
    with pytest.raises(PdfError, match="no such file"):
        extract_pdf(tmp_path / "missing.pdf")


def test_error_messages_are_one_line(built, tmp_path):
    path = write_encrypted(built["a"].path, tmp_path / "enc.pdf")
    with pytest.raises(PdfError) as exc:
        extract_pdf(path)
    assert "\n" not in str(exc.value) and str(path) in str(exc.value)


# --- units ----------------------------------------------------------------------------------------


def test_visual_to_logical():
    assert visual_to_logical(list("65/230 ملاعلا")) == "العالم 65/230"
    assert visual_to_logical(list(")1(نم")) == "من(1)"
    assert visual_to_logical(list("Practical Guide هناونع")) == "عنوانه Practical Guide"
    assert visual_to_logical(["ا", "لا", "ب"]) == "بلاا"  # a ligature's text is one logical unit
    assert visual_to_logical(list("abc 12"), rtl=False) == "abc 12"


def test_fold_forms_is_per_character():
    assert fold_forms("\ufefb\ufe8e") == "لاا"  # lam-alef ligature to two letters, final alef to base
    assert fold_forms("\ufb01") == "\ufb01"  # a Latin ligature is not Arabic presentation form: kept
    assert fold_forms("١٢ x²") == "١٢ x²"  # no blanket NFKC


def test_tounicode_round_trip():
    cmap = {1: "ل", 2: "", 3: "لا", 40: " "}
    assert parse_tounicode(tounicode_stream(cmap)) == cmap


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler not installed")
def test_render_page(built):
    from egm_text.extract.ocr import render_page

    img = render_page(built["a"].path, 1, dpi=50)
    assert img.size[0] > 100
