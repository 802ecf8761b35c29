"""PDF to the pipeline's line-oriented raw text, with page furniture, footnotes, URLs and verdicts.

Steps: open and validate (encrypted, corrupt, empty -> `PdfError`); font-level repair of broken
ToUnicode maps (`fontmap`); pdfplumber characters to logical-order lines (`layout`); header/footer
bands to furniture metadata; small type at the page bottom to footnotes, linked to their raised
markers; body lines emitted across pages so a paragraph broken by a page continues without
interruption (the page's footnotes follow the paragraph); link annotations attached to the line they
sit on; a verdict per page.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

import pikepdf

from egm_text.document import SourceLine
from egm_text.errors import PdfError
from egm_text.extract import layout as lay
from egm_text.extract.fontmap import FontRepair, repair_fonts

VERDICTS = ("ok", "repaired", "degraded", "needs_ocr")
HEADER_BAND = 0.085  # share of the page height at the top that holds running headers
FOOTER_BAND = 0.075  # ... and at the bottom, page numbers and job numbers
SYMBOL_RE = re.compile(r"^[A-Z][A-Za-z0-9]*(?:[./-][A-Za-z0-9]+)*(?:/[A-Za-z0-9.\-]+)+$")
JOB_RE = re.compile(r"^[A-Z]{0,3}\.?\s?\d{2}-\d{4,6}(?:\s*\([A-Z]\))?$")
PAGE_RE = re.compile(r"^[\d\u0660-\u0669]{1,4}$|^-\s*\d{1,4}\s*-$")
NOTE_START = re.compile(r"^\(?\s*(\d{1,3})\s*\)?(?=\s|$)")
PARA_START = re.compile(r"^(?:\d{1,3}\s*-\s|\([\u0621-\u064A ]{1,4}\)\s|[A-Z]\.\s)")
KASHIDA_RUNS = re.compile(r"ئئ+")


@dataclass
class ExtractedPDF:
    """What `extract_pdf` returns: source lines with positions plus the metadata kept off the text."""

    path: str
    lines: list[SourceLine]
    furniture: list[dict] = field(default_factory=list)  # page, kind (symbol|job|page|header|footer), text
    urls: list[dict] = field(default_factory=list)  # page, lineno, url
    footnotes: list[dict] = field(default_factory=list)  # number, page, lineno, lines, text, ref_*
    pages: list[dict] = field(default_factory=list)  # page, verdict, reasons
    fonts: dict = field(default_factory=dict)  # font name -> font-level check summary

    @property
    def text(self) -> str:
        return "\n".join(line.raw for line in self.lines)

    @property
    def symbol(self) -> str | None:
        for item in self.furniture:
            if item["kind"] == "symbol":
                return item["text"]
        return None

    def verdicts(self) -> Counter:
        return Counter(p["verdict"] for p in self.pages)


# --- opening -------------------------------------------------------------------------------------


def _open(path: Path) -> tuple[bytes, pikepdf.Pdf, str | None]:
    if not path.exists():
        raise PdfError("no such file", path=str(path))
    data = path.read_bytes()
    if not data:
        raise PdfError("the file is empty", path=str(path))
    if b"%PDF-" not in data[:1024]:
        raise PdfError("not a PDF file (no %PDF header)", path=str(path))
    if b"%%EOF" not in data[-2048:]:
        raise PdfError("corrupt PDF: the file is truncated (no %%EOF trailer)", path=str(path))
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise PdfError(
            "the PDF is encrypted with a password; decrypt it first (qpdf --decrypt --password=... in out)",
            path=str(path),
        ) from None
    except pikepdf.PdfError as exc:
        msg = str(exc).splitlines()[0] if str(exc) else "unreadable"
        raise PdfError(f"corrupt PDF ({msg})", path=str(path)) from None
    if len(pdf.pages) == 0:
        raise PdfError("the PDF has no pages", path=str(path))
    warnings = [str(w) for w in pdf.get_warnings() if w]
    # qpdf had to reconstruct the file: whatever it read may be incomplete
    damage = warnings[-1].splitlines()[0][:160] if warnings else None
    if pdf.is_encrypted:  # readable with an empty user password: hand pdfplumber a decrypted copy
        out = io.BytesIO()
        pdf.save(out)
        data = out.getvalue()
        pdf = pikepdf.open(io.BytesIO(data))
    return data, pdf, damage


# --- per page ------------------------------------------------------------------------------------


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[lay.Line]
    unmapped: int
    duplicates: int
    chars: int
    images: int
    hyperlinks: list[dict]
    fonts: set[str]
    body_size: float = 0.0
    notes: list[list[lay.Line]] = field(default_factory=list)


def _classify_furniture(text: str) -> str:
    t = text.strip()
    if SYMBOL_RE.match(t) and "/" in t:
        return "symbol"
    if JOB_RE.match(t):
        return "job"
    if PAGE_RE.match(t):
        return "page"
    return ""


def _furniture_parts(ln: lay.Line) -> list[str]:
    """Split a band line at wide gaps (`V.20-04384    3`) into its separate items."""
    parts: list[list[dict]] = [[]]
    prev = None
    for c in ln.chars:
        if prev is not None and c["x0"] - prev["x1"] > 2.0 * ln.size:
            parts.append([])
        parts[-1].append(c)
        prev = c
    out = []
    for p in parts:
        text = lay.line_text(p, ln.size, rtl=ln.rtl)
        if text:
            out.append(text)
    return out


def _read_page(page, number: int) -> _Page:
    chars, unmapped, dups = lay.clean_chars(page.chars)
    lines = lay.group_lines(chars, number)
    try:
        links = [h for h in page.hyperlinks if h.get("uri")]
    except Exception:  # noqa: BLE001 - a broken annotation array loses the links, not the page
        links = []
    return _Page(
        number=number,
        width=float(page.width),
        height=float(page.height),
        lines=lines,
        unmapped=unmapped,
        duplicates=dups,
        chars=sum(1 for c in chars if c["text"]),
        images=len(page.images),
        hyperlinks=links,
        fonts={c.get("fontname", "") for c in chars},
    )


def _mark_furniture(pg: _Page, furniture: list[dict]) -> None:
    for ln in pg.lines:
        in_header = ln.bottom <= pg.height * HEADER_BAND
        in_footer = ln.top >= pg.height * (1 - FOOTER_BAND)
        if not (in_header or in_footer) or len(ln.text) > 90:
            continue
        parts = _furniture_parts(ln)
        kinds = [_classify_furniture(p) for p in parts]
        if not any(kinds) and len(ln.text) > 40:
            continue  # a long line in the band with no furniture shape is text, not furniture
        ln.kind = "furniture"
        for p, k in zip(parts, kinds, strict=True):
            furniture.append(
                {"page": pg.number, "kind": k or ("header" if in_header else "footer"), "text": p}
            )


def _mark_footnotes(pg: _Page) -> None:
    body = [ln for ln in pg.lines if ln.kind == "body"]
    if not body:
        return
    weights: Counter = Counter()
    for ln in body:
        weights[ln.size] += len(ln.text)
    pg.body_size = weights.most_common(1)[0][0]
    small_from = None
    for i in range(len(body) - 1, -1, -1):
        ln = body[i]
        if ln.size <= 0.88 * pg.body_size and ln.top > 0.4 * pg.height:
            small_from = i
        else:
            break
    if small_from is None:
        return
    notes: list[list[lay.Line]] = []
    for ln in body[small_from:]:
        ln.kind = "footnote"
        if NOTE_START.match(ln.text) or not notes:
            notes.append([ln])
        else:
            notes[-1].append(ln)
    pg.notes = notes


def _verdict(pg: _Page, fr: FontRepair, text: str) -> dict:
    reasons: list[str] = []
    total = pg.chars + pg.unmapped
    if pg.chars == 0:
        if pg.images:
            return {"page": pg.number, "verdict": "needs_ocr", "reasons": ["no text layer (image-only page)"]}
        return {"page": pg.number, "verdict": "ok", "reasons": ["blank page"]}
    if pg.unmapped > 0.3 * total:
        return {
            "page": pg.number,
            "verdict": "needs_ocr",
            "reasons": [f"{pg.unmapped} of {total} glyphs have no Unicode mapping"],
        }
    verdict = "ok"
    for name in sorted(pg.fonts):
        rep = fr.reports.get(name)
        if rep is None:
            continue
        if name in fr.fixed_fonts:
            verdict = "repaired"
            reasons.append(
                f"{name}: ToUnicode rebuilt from the font program ({', '.join(rep.evidence)}): "
                f"{rep.disagree} of {rep.agree + rep.disagree} verifiable glyph codes corrected"
            )
            if rep.unknown:
                reasons.append(f"{name}: {rep.unknown} glyph codes could not be verified")
        elif rep.inked_blank >= 3:
            verdict = "degraded"
            why = "no cmap, glyph names or known outlines" if rep.unverified else "too little evidence"
            reasons.append(
                f"{name}: ToUnicode maps {rep.inked_blank} inked glyphs to nothing or a space; "
                f"the font has {why} to rebuild it (text-level repair needed)"
            )
        elif rep.unverified:
            reasons.append(
                f"{name}: ToUnicode could not be verified (font has no cmap, names or known outlines)"
            )
    kashida = len(KASHIDA_RUNS.findall(text))
    if kashida >= 2 and verdict != "degraded":
        verdict = "degraded"
        reasons.append(f"{kashida} kashida stretches read as runs of ئ (broken font encoding)")
    if pg.unmapped:
        reasons.append(f"{pg.unmapped} glyphs without Unicode mapping dropped")
    if pg.duplicates:
        reasons.append(f"{pg.duplicates} duplicated glyphs removed")
    return {"page": pg.number, "verdict": verdict, "reasons": reasons}


# --- assembling the document ---------------------------------------------------------------------


def _is_short(ln: lay.Line, left: float, right: float) -> bool:
    width = max(1.0, right - left)
    return (ln.x0 - left > 0.1 * width) if ln.rtl else (right - ln.x1 > 0.1 * width)


def _pitch(body: list[lay.Line]) -> float:
    diffs = [b.top - a.top for a, b in zip(body, body[1:], strict=False) if 0 < b.top - a.top < 3 * a.size]
    return median(diffs) if diffs else (body[0].size * 1.4 if body else 14.0)


class _Emitter:
    def __init__(self) -> None:
        self.lines: list[SourceLine] = []
        self.origin: dict[int, lay.Line] = {}  # id(Line) -> its lineno, via lineno_of

    def blank(self) -> None:
        if self.lines and self.lines[-1].raw != "":
            self.lines.append(SourceLine(len(self.lines) + 1, ""))

    def emit(self, ln: lay.Line) -> int:
        n = len(self.lines) + 1
        self.lines.append(SourceLine(n, ln.text, ln.page, round(ln.x0, 2), round(ln.top, 2), ln.size))
        self.origin[id(ln)] = n
        return n


def _assemble(pages: list[_Page], mirror: bool) -> tuple[_Emitter, list[dict]]:
    em = _Emitter()
    pending: list[tuple[_Page, list[lay.Line]]] = []
    footnotes: list[dict] = []
    prev: lay.Line | None = None
    prev_page: _Page | None = None

    def flush() -> None:
        for pg, note in pending:
            em.blank()
            linenos = [em.emit(ln) for ln in note]
            m = NOTE_START.match(note[0].text)
            footnotes.append(
                {
                    "number": int(m.group(1)) if m else None,
                    "page": pg.number,
                    "lineno": linenos[0],
                    "lines": linenos,
                    "text": " ".join(ln.text for ln in note),
                    "size": note[0].size,
                }
            )
        pending.clear()

    for pg in pages:
        for ln in pg.lines:
            if mirror and ln.rtl:
                ln.text = lay.mirror_brackets(ln.text)
        body = [ln for ln in pg.lines if ln.kind == "body"]
        pitch = _pitch(body)
        for ln in body:
            brk = False
            if prev is not None:
                if prev_page is pg:
                    brk = ln.top - prev.top > 1.3 * pitch or abs(ln.size - prev.size) > 1.0
                else:
                    pl, pr = (
                        min(b.x0 for b in prev_page.lines if b.kind == "body"),
                        max(b.x1 for b in prev_page.lines if b.kind == "body"),
                    )
                    brk = (
                        bool(PARA_START.match(ln.text))
                        or _is_short(prev, pl, pr)
                        or abs(ln.size - prev.size) > 1.0
                    )
            if brk:
                em.blank()
                flush()
            em.emit(ln)
            prev, prev_page = ln, pg
        pending.extend((pg, note) for note in pg.notes)
    flush()
    return em, footnotes


def _link_footnotes(pages: list[_Page], em: _Emitter, footnotes: list[dict]) -> None:
    refs: list[tuple[int, int, int]] = []  # (number, page, lineno)
    for pg in pages:
        for ln in pg.lines:
            if ln.kind == "body" and ln.sup:
                for s in ln.sup:
                    for d in re.findall(r"\d{1,3}", s):
                        refs.append((int(d), pg.number, em.origin[id(ln)]))
    for fn in footnotes:
        cands = [r for r in refs if r[0] == fn["number"] and r[1] <= fn["page"]]
        if cands:
            best = max(cands, key=lambda r: r[1])
            fn["ref_page"], fn["ref_lineno"] = best[1], best[2]
        else:
            fn["ref_page"] = fn["ref_lineno"] = None


def _attach_urls(pages: list[_Page], em: _Emitter) -> list[dict]:
    urls = []
    for pg in pages:
        for h in pg.hyperlinks:
            best, best_ov = None, 0.0
            for ln in pg.lines:
                if id(ln) not in em.origin:
                    continue
                ov_y = min(ln.bottom, h["bottom"]) - max(ln.top, h["top"])
                ov_x = min(ln.x1, h["x1"]) - max(ln.x0, h["x0"])
                if ov_y > 0 and ov_x > 0 and ov_y * ov_x > best_ov:
                    best, best_ov = ln, ov_y * ov_x
            urls.append(
                {
                    "page": pg.number,
                    "lineno": em.origin[id(best)] if best is not None else None,
                    "url": h["uri"],
                }
            )
    return urls


def extract_pdf(
    path: str | Path, *, ocr: bool = False, reference_fonts: dict[str, str | Path] | None = None
) -> ExtractedPDF:
    """Extract a PDF's text as logical-order lines with page/position data and metadata.

    `ocr=True` reads pages that have no usable text layer with Tesseract (optional dependency).
    `reference_fonts` maps a font family name to a full font file used to identify subset glyphs.
    """
    import pdfplumber

    p = Path(path)
    data, pdf, damage = _open(p)
    try:
        fr = repair_fonts(pdf, {k: Path(v) for k, v in (reference_fonts or {}).items()})
    except Exception:  # noqa: BLE001 - font-level repair is best effort; extraction goes on without it
        fr = FontRepair({}, None)
    finally:
        pdf.close()
    if fr.data is not None:
        data = fr.data
    pages: list[_Page] = []
    furniture: list[dict] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as doc:
            for i, page in enumerate(doc.pages, 1):
                pages.append(_read_page(page, i))
    except PdfError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types on damaged files
        raise PdfError(
            f"corrupt PDF ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})", path=str(p)
        ) from None
    choice = fr.resolve([ln.text for pg in pages for ln in pg.lines])
    for pg in pages:
        for ln in pg.lines:
            for ph, letter in choice.items():
                if ph in ln.text:
                    ln.text = ln.text.replace(ph, letter)
    for pg in pages:
        _mark_furniture(pg, furniture)
        _mark_footnotes(pg)
    rtl_texts = [ln.text for pg in pages for ln in pg.lines if ln.rtl and ln.kind != "furniture"]
    as_is = sum(lay.bracket_badness(t) for t in rtl_texts)
    mirrored = sum(lay.bracket_badness(lay.mirror_brackets(t)) for t in rtl_texts)
    em, footnotes = _assemble(pages, mirror=mirrored < as_is)
    _link_footnotes(pages, em, footnotes)
    urls = _attach_urls(pages, em)
    verdicts = [
        _verdict(pg, fr, "\n".join(ln.text for ln in pg.lines if ln.kind != "furniture")) for pg in pages
    ]
    if damage:
        for v in verdicts:
            if v["verdict"] in ("ok", "repaired"):
                v["verdict"] = "degraded"
            v["reasons"].append(f"the file is damaged and was reconstructed ({damage})")
    result = ExtractedPDF(
        path=str(p),
        lines=em.lines,
        furniture=furniture,
        urls=urls,
        footnotes=footnotes,
        pages=verdicts,
        fonts={
            k: {
                "evidence": r.evidence,
                "agree": r.agree,
                "disagree": r.disagree,
                "unknown": r.unknown,
                "inked_blank": r.inked_blank,
                "repaired": k in fr.fixed_fonts,
            }
            for k, r in fr.reports.items()
        },
    )
    need = [v["page"] for v in verdicts if v["verdict"] == "needs_ocr"]
    if need:
        _ocr_fallback(result, p, need, ocr=ocr, all_pages=len(need) == len(pages) and not em.lines)
    return result


def _ocr_fallback(result: ExtractedPDF, path: Path, need: list[int], *, ocr: bool, all_pages: bool) -> None:
    from egm_text.extract.ocr import ocr_page, tesseract_status

    if not ocr:
        if all_pages:
            raise PdfError(
                "the PDF has no text layer (image-only or scanned); run with OCR "
                "(extract_pdf(..., ocr=True), needs pytesseract and tesseract-ocr-ara)",
                path=str(path),
            )
        return
    reason = tesseract_status()
    if reason:
        if all_pages:
            raise PdfError(f"the PDF has no text layer (image-only or scanned) and {reason}", path=str(path))
        for v in result.pages:
            if v["page"] in need:
                v["reasons"].append(f"OCR not available: {reason}")
        return
    # OCR text goes after the text of the preceding pages, in page order
    by_page: dict[int, list[SourceLine]] = {}
    for ln in result.lines:
        if ln.page is not None:
            by_page.setdefault(ln.page, []).append(ln)
    merged: list[tuple[int | None, str]] = []
    pages = sorted({v["page"] for v in result.pages})
    for pg in pages:
        if pg in need:
            merged.extend((pg, s) for s in ocr_page(path, pg))
            merged.append((None, ""))
            for v in result.pages:
                if v["page"] == pg:
                    v["reasons"].append("text read by Tesseract OCR")
        else:
            merged.extend((ln.page, ln.raw) for ln in by_page.get(pg, []))
    if len(need) == len(pages) or not result.lines:
        result.lines = [SourceLine(i + 1, s, page) for i, (page, s) in enumerate(merged)]
    else:
        # keep the extracted lines (their numbers are referenced by urls/footnotes); append OCR pages
        start = len(result.lines)
        extra = [(pg, s) for pg, s in merged if pg in need or (pg is None and s == "")]
        result.lines = list(result.lines) + [
            SourceLine(start + i + 1, s, pg) for i, (pg, s) in enumerate(extra)
        ]
