"""UN-like Arabic PDFs for the extraction tests and the OCR benchmark.

`build_un_pdf(path, variant=...)` lays out A4 pages the way UN documents look (title block, numbered
paragraphs `1- ...`, lettered recommendations `(أ) ...`, a footnote in smaller type with its marker in
the text, a header with the document symbol, a footer with the page number and the job number, link
annotations) from clean Arabic text, with fpdf2's HarfBuzz text shaping in the Amiri font.

Variants:
  a  correct ToUnicode (what fpdf2 writes);
  b  ToUnicode rewritten so each glyph maps to what the UN font profile gives for its letter and
     joining form (wrong letters, spaces, nothing, kashida as `ئ`); the embedded font stays intact;
  c  as b, with the embedded font stripped of its cmap, glyph names and names (nothing at font level
     identifies the glyphs any more, so only text-level repair can help);
  d  no text layer: every page is an image (rendered from variant a).

Every call returns a `BuiltPDF` with the ground truth: body lines as printed (logical order), the
footnote, the furniture and the link URLs.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from fpdf import FPDF

from egm_text.arabic import AR_WORD, KASHIDA_GARBLED, TATWEEL, glyph_units
from egm_text.extract.fontmap import tounicode_stream

DATA = Path(__file__).resolve().parent / "data"
SYMBOL = "UNODC/CCPCJ/EG.4/2020/2"
JOB = "V.20-04384"
BODY_SIZE = 13.0
NOTE_SIZE = 9.5
PAGE_W, PAGE_H = 595.28, 841.89
MARGIN_X = 62.0
BODY_TOP = 92.0
BODY_BOTTOM = 760.0
FOOTER_Y = 800.0
HEADER_Y = 36.0
SHAPING = {"liga": False, "dlig": False}


def amiri_path(style: str = "Regular") -> Path:
    """The Amiri TrueType file shipped by the fontpkg-amiri package."""
    import fontpkg_amiri

    path = Path(fontpkg_amiri.__file__).resolve().parent / "files" / f"Amiri-{style}.ttf"
    if not path.exists():
        raise FileNotFoundError(path)
    return path


# --- content -------------------------------------------------------------------------------------


@dataclass
class DocSpec:
    """What goes on the pages: title lines, numbered paragraphs, lettered recommendations, a note."""

    title: list[str]
    paragraphs: list[str]  # without their number; numbered `1- `, `2- ` ... in order
    recommendations: list[str]  # without their label; labelled (أ), (ب) ... after the paragraphs
    footnote: str = "انظر قرار الجمعية العامة 65/230، المرفق."
    footnote_after_paragraph: int = 0  # 0-based paragraph whose first line carries the marker
    note_url: str = "http://undocs.org/ar/A/RES/65/230"
    body_url: str = "http://undocs.org/ar/E/CN.15/2011/19"
    symbol: str = SYMBOL
    job: str = JOB


ABJAD = ["أ", "ب", "ج", "د", "هـ", "و", "ز", "ح", "ط", "ي"]


def dev_spec(n_paragraphs: int = 6, n_recommendations: int = 4) -> DocSpec:
    """A document built from the clean column of tests/data/dev.tsv (the UN report's own text)."""
    units: dict[str, list[str]] = defaultdict(list)
    order: list[str] = []
    for row in (DATA / "dev.tsv").read_text(encoding="utf-8").splitlines():
        parts = row.split("\t")
        if len(parts) < 3:
            continue
        if parts[2] not in units:
            order.append(parts[2])
        units[parts[2]].append(parts[1])
    title = units["title"]
    paras = []
    for key in order:
        if key.startswith("para:") and len(paras) < n_paragraphs:
            text = " ".join(units[key])
            paras.append(re.sub(r"^\d+-\s*", "", text))
    recs = []
    for key in order:
        if key.startswith("rec:") and len(recs) < n_recommendations:
            text = " ".join(units[key])
            text = re.sub(r"^\([^)]{1,4}\)\s*", "", text)
            if "(" not in text:  # keep footnote-reference shapes out of the recommendations
                recs.append(text)
    # justified UN text stretches some words with kashida (tatweel); the broken font draws it as ئ
    if paras:
        paras[0] = paras[0].replace("الجريمة", "الجريـــمة", 1)
    if recs:
        recs[0] = recs[0].replace("التعاون", "التعـــاون", 1)
    return DocSpec(title=title, paragraphs=paras, recommendations=recs)


# --- layout --------------------------------------------------------------------------------------


@dataclass
class PrintedLine:
    page: int
    text: str  # logical order, exactly as shaped onto the page
    kind: str  # title | body | footnote | header | footer
    top: float
    size: float


@dataclass
class BuiltPDF:
    path: Path
    variant: str
    spec: DocSpec
    lines: list[PrintedLine]
    urls: list[dict]  # page, url, kind (note | body)
    pages: int
    garbled: dict[str, str] = field(default_factory=dict)  # variant b/c: clean unit text -> garbled

    @property
    def body_lines(self) -> list[PrintedLine]:
        return [ln for ln in self.lines if ln.kind in ("title", "body")]

    @property
    def body_text(self) -> str:
        return "\n".join(ln.text for ln in self.body_lines)

    @property
    def footnote_lines(self) -> list[PrintedLine]:
        return [ln for ln in self.lines if ln.kind == "footnote"]

    @property
    def furniture(self) -> list[PrintedLine]:
        return [ln for ln in self.lines if ln.kind in ("header", "footer")]


class _Layout:
    def __init__(self, spec: DocSpec) -> None:
        self.spec = spec
        self.pdf = FPDF(format="A4", unit="pt")
        self.pdf.set_auto_page_break(False)
        self.pdf.add_font("Amiri", "", str(amiri_path()))
        self.pdf.set_text_shaping(use_shaping_engine=True, features=SHAPING, direction="rtl")
        self.lines: list[PrintedLine] = []
        self.urls: list[dict] = []
        self.y = BODY_TOP
        self.bottom = BODY_BOTTOM
        self.page = 0
        self.width = PAGE_W - 2 * MARGIN_X

    def new_page(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        self.page += 1
        self.y, self.bottom = BODY_TOP, BODY_BOTTOM
        pdf.set_font("Amiri", size=10)
        # header: the symbol on the outer side, a rule under it
        pdf.set_xy(MARGIN_X, HEADER_Y)
        pdf.cell(self.width, 12, self.spec.symbol, align="L" if self.page % 2 else "R")
        self._record(self.spec.symbol, "header", HEADER_Y, 10)
        pdf.set_line_width(0.4)
        pdf.line(MARGIN_X, HEADER_Y + 16, PAGE_W - MARGIN_X, HEADER_Y + 16)
        # footer: page number and job number
        pdf.set_xy(MARGIN_X, FOOTER_Y)
        pdf.cell(self.width, 12, str(self.page), align="C")
        self._record(str(self.page), "footer", FOOTER_Y, 10)
        pdf.set_font("Amiri", size=8)
        pdf.set_xy(MARGIN_X, FOOTER_Y + 14)
        pdf.cell(self.width, 10, self.spec.job, align="L")
        self._record(self.spec.job, "footer", FOOTER_Y + 14, 8)

    def _record(self, text: str, kind: str, top: float, size: float) -> None:
        self.lines.append(PrintedLine(self.page, text, kind, top, size))

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        self.pdf.set_font("Amiri", size=size)
        out = self.pdf.multi_cell(width, size * 1.5, text, dry_run=True, output="LINES", align="R")
        return [s.strip() for s in out if s.strip()]

    def put_line(self, text: str, kind: str, size: float, *, justify: bool = False) -> float:
        """Draw one line (justified, or right-aligned) at the current y; return its left edge."""
        lh = size * 1.55
        if self.y + lh > self.bottom:
            self.new_page()
        pdf = self.pdf
        pdf.set_font("Amiri", size=size)
        right = PAGE_W - MARGIN_X
        # justified: chunks placed right to left with the slack shared between the gaps; a run of
        # words without Arabic letters (`Practical Guide for ...`) stays one chunk, as bidi shows it
        words: list[str] = []
        for w in text.split(" "):
            if words and not re.search("[\u0621-\u064a]", w) and not re.search("[\u0621-\u064a]", words[-1]):
                words[-1] += " " + w
            else:
                words.append(w)
        if justify and len(words) > 1:
            widths = [pdf.get_string_width(w) for w in words]
            gap = (right - MARGIN_X - sum(widths)) / (len(words) - 1)
            x = right
            for w, wd in zip(words, widths, strict=True):
                pdf.set_xy(x - wd, self.y)
                pdf.cell(wd, lh, w)
                x -= wd + gap
            left = MARGIN_X
        else:
            pdf.set_xy(MARGIN_X, self.y)
            pdf.cell(right - MARGIN_X, lh, text, align="R")
            left = right - pdf.get_string_width(text)
        self._record(text, kind, self.y, size)
        self.y += lh
        return left

    def block(
        self,
        text: str,
        kind: str = "body",
        size: float = BODY_SIZE,
        *,
        note: bool = False,
        link: str | None = None,
    ) -> None:
        wrapped = self.wrap(text, size, self.width - (30 if note else 0))  # room for the marker
        for k, line in enumerate(wrapped):
            last = k == len(wrapped) - 1
            if k == 0 and note:
                self._line_with_note(line, size)
            else:
                top = self.y if self.y + size * 1.55 <= self.bottom else BODY_TOP
                left = self.put_line(line, kind, size, justify=not last and kind == "body")
                if link and k == len(wrapped) - 1:
                    self.pdf.link(left, top + 2, PAGE_W - MARGIN_X - left, size * 1.3, link)
                    self.urls.append({"page": self.page, "url": link, "kind": "body", "text": line})
        self.y += size * 0.8

    def _line_with_note(self, line: str, size: float) -> None:
        """A body line that ends with a raised footnote marker, and the note at the page bottom."""
        spec = self.spec
        note_lines = self.wrap(f"(1) {spec.footnote}", NOTE_SIZE, self.width)
        need = len(note_lines) * NOTE_SIZE * 1.55 + 14
        if self.y + size * 1.55 > self.bottom - need:
            self.new_page()
        marker = "(1)"
        pdf = self.pdf
        pdf.set_font("Amiri", size=size * 0.6)
        mw = pdf.get_string_width(marker)
        top = self.y
        left = self.put_line(line, "body", size)
        pdf.set_font("Amiri", size=size * 0.6)
        pdf.set_xy(left - mw - 1.0, top - size * 0.05)
        pdf.cell(mw + 0.5, size * 0.8, marker, align="L")  # drawn inside the RTL flow, mirrored
        self.lines[-1].text = f"{line}{marker}"
        # the note itself, above the footer, under a short rule
        note_top = BODY_BOTTOM - len(note_lines) * NOTE_SIZE * 1.55
        pdf.set_line_width(0.5)
        pdf.line(PAGE_W - MARGIN_X - 120, note_top - 6, PAGE_W - MARGIN_X, note_top - 6)
        save_y = self.y
        self.y, self.bottom = note_top, BODY_BOTTOM + 1
        for nl in note_lines:
            ntop = self.y
            nleft = self.put_line(nl, "footnote", NOTE_SIZE)
            pdf.link(nleft, ntop + 1, PAGE_W - MARGIN_X - nleft, NOTE_SIZE * 1.3, spec.note_url)
        self.urls.append({"page": self.page, "url": spec.note_url, "kind": "note", "text": note_lines[-1]})
        self.y, self.bottom = save_y, note_top - 14


def _layout(spec: DocSpec) -> _Layout:
    lay = _Layout(spec)
    lay.new_page()
    lay.y += 20
    for t in spec.title:
        # the title is set in "bold" the way some producers fake it: drawn twice, a hair apart
        y0, page0 = lay.y, lay.page
        lay.block(t, "title", 15)
        if lay.page == page0:
            y1 = lay.y
            lay.y = y0 + 0.2
            n = len(lay.lines)
            lay.block(t, "title", 15)
            del lay.lines[n:]
            lay.y = y1
    lay.y += 10
    link_para = min(2, len(spec.paragraphs) - 1)
    for i, para in enumerate(spec.paragraphs):
        lay.block(
            f"{i + 1}- {para}",
            note=(i == spec.footnote_after_paragraph),
            link=spec.body_url if i == link_para else None,
        )
    for i, rec in enumerate(spec.recommendations):
        lay.block(f"({ABJAD[i % len(ABJAD)]}) {rec}")
    return lay


# --- variants b/c: the broken font's ToUnicode ---------------------------------------------------


def _glyph_letters(spec_lines: list[str]) -> dict[int, Counter]:
    """Original glyph id -> Counter of (unit, form, primary) from shaping the printed Arabic words."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(amiri_path())))
    font = hb.Font(face)
    out: dict[int, Counter] = defaultdict(Counter)
    words = set()
    for line in spec_lines:
        words.update(re.findall(r"[\u0621-\u064A\u0640\u064B-\u065F\u0670]+", line))
    for word in words:
        buf = hb.Buffer()
        buf.add_str(word)
        buf.guess_segment_properties()
        hb.shape(font, buf, SHAPING)
        units = glyph_units(word)
        # char index -> (unit index, offset within unit)
        owner: dict[int, tuple[int, int]] = {}
        k = 0
        j = 0
        for i, ch in enumerate(word):
            if ch == TATWEEL or re.match(r"[\u064B-\u065F\u0670]", ch):
                continue
            if k < len(units) and j >= len(units[k][0]):
                k, j = k + 1, 0
            owner[i] = (k, j)
            j += 1
        seen_units: set[int] = set()
        for info in sorted(buf.glyph_infos, key=lambda g: g.cluster):
            ch = word[info.cluster]
            if ch == TATWEEL:
                out[info.codepoint][(TATWEEL, "x", True)] += 1
                continue
            if info.cluster not in owner:
                out[info.codepoint][("", "x", False)] += 1
                continue
            k, _ = owner[info.cluster]
            unit, form = units[k]
            primary = k not in seen_units
            seen_units.add(k)
            out[info.codepoint][(unit, form, primary)] += 1
    return out


def _garbled_tounicode(pdf: FPDF, printed: list[str], profile) -> dict[int, str]:
    """CID -> garbled text for the Amiri subset fpdf2 embedded."""
    letters = _glyph_letters(printed)
    font = next(iter(pdf.fonts.values()))
    cmap: dict[int, str] = {}
    for glyph, cid in font.subset.items():
        if glyph is None:
            continue
        uni = "".join(chr(u) for u in glyph.unicode) if glyph.unicode else ""
        seen = letters.get(glyph.glyph_id)
        if not uni:
            continue  # fpdf2 gave this glyph no text (a cluster's second glyph): none in b/c either
        if seen:
            unit, form, primary = seen.most_common(1)[0][0]
            if unit == TATWEEL:
                cmap[cid] = KASHIDA_GARBLED * max(1, len(uni))
            elif not primary or not unit:
                cmap[cid] = ""
            else:
                cmap[cid] = profile.output_for(unit, form)
        elif uni in ("،", "؛"):
            cmap[cid] = profile.output_for(uni, "x")
        elif uni:
            cmap[cid] = uni
    return cmap


def _strip_font_program(data: bytes) -> bytes:
    """Drop the cmap, glyph names and naming of an embedded TrueType program, keep the outlines."""
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(io.BytesIO(data))
    if "cmap" in font:
        cmap = newTable("cmap")
        cmap.tableVersion = 0
        cmap.tables = []
        font["cmap"] = cmap
    if "post" in font:
        font["post"].formatType = 3.0
        font["post"].glyphOrder = None
    if "name" in font:
        font["name"].names = []
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _rewrite_fonts(raw: bytes, cmap: dict[int, str], *, strip: bool) -> bytes:
    with pikepdf.open(io.BytesIO(raw)) as doc:
        done = set()
        for page in doc.pages:
            fonts = page.Resources.get("/Font", {})
            for _, f in fonts.items():
                if f.objgen in done or f.get("/Subtype") != "/Type0":
                    continue
                done.add(f.objgen)
                f.ToUnicode = doc.make_stream(tounicode_stream(cmap))
                if strip:
                    desc = f.DescendantFonts[0]
                    fd = desc.FontDescriptor
                    prog = fd.FontFile2
                    fd.FontFile2 = doc.make_stream(_strip_font_program(prog.read_bytes()))
                    anon = pikepdf.Name("/AAAAAA+F1")
                    f.BaseFont = anon
                    desc.BaseFont = anon
                    fd.FontName = anon
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def _image_only(raw: bytes, dpi: int = 150) -> bytes:
    """Every page rendered to an image, placed on a page with no text layer (a scan)."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(raw)
    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    for i in range(len(src)):
        img = src[i].render(scale=dpi / 72, grayscale=True).to_pil()
        pdf.add_page()
        pdf.image(img, x=0, y=0, w=PAGE_W, h=PAGE_H)
    src.close()
    return bytes(pdf.output())


def build_un_pdf(path: str | Path, variant: str = "a", spec: DocSpec | None = None, profile=None) -> BuiltPDF:
    """Write a UN-like PDF of the given variant to `path` and return its ground truth."""
    if variant not in ("a", "b", "c", "d"):
        raise ValueError(f"unknown variant {variant!r}")
    spec = spec or dev_spec()
    lay = _layout(spec)
    raw = bytes(lay.pdf.output())
    garbled: dict[str, str] = {}
    if variant in ("b", "c"):
        if profile is None:
            from egm_text.repair.profile import load_default_profile

            profile = load_default_profile()
        cmap = _garbled_tounicode(lay.pdf, [ln.text for ln in lay.lines], profile)
        raw = _rewrite_fonts(raw, cmap, strip=variant == "c")
        for ln in lay.lines:
            garbled[ln.text] = profile.garble_text(ln.text)
    elif variant == "d":
        raw = _image_only(raw)
    path = Path(path)
    path.write_bytes(raw)
    return BuiltPDF(path, variant, spec, lay.lines, lay.urls, lay.page, garbled)


# --- broken inputs for the error tests -----------------------------------------------------------


def write_encrypted(src: Path, dst: Path, password: str = "secret") -> Path:
    with pikepdf.open(src) as doc:
        doc.save(dst, encryption=pikepdf.Encryption(owner=password, user=password, R=6))
    return dst


def write_truncated(src: Path, dst: Path, keep: float = 0.4) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


def write_zero_pages(dst: Path) -> Path:
    """A syntactically valid PDF whose page tree is empty."""
    doc = pikepdf.new()
    doc.save(dst)
    return dst


def arabic_words(text: str) -> list[str]:
    return AR_WORD.findall(text)
