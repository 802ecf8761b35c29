"""The pipeline as plain functions: load -> segment -> repair -> structure -> analyze -> export.

Each stage takes and returns the one lossless `Document`; the CLI only parses options and calls these.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from egm_text.document import Document, SourceLine, Unit
from egm_text.errors import InputError
from egm_text.repair import GlyphRepairer, LineRepair, default_repairer, write_audit
from egm_text.repair.repairer import UNCERTAIN_BELOW, unrepaired_text
from egm_text.segment import segment
from egm_text.segment.markers import SECTION_WORDS, SUBSECTION_WORDS, strip_marker
from egm_text.textio import read_text

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "raw" / "un_egm_cybercrime_2020_ar.garbled.txt"

Progress = Callable[[str], None]


@dataclass
class RunResult:
    doc: Document
    repairs: list[LineRepair]
    outputs: list[Path] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def bundled_document() -> Path:
    """The UN report shipped in data/raw (from a source checkout)."""
    if not BUNDLED.exists():
        raise InputError("the bundled document is not here; pass an input file", path=str(BUNDLED))
    return BUNDLED


def document_symbol(path: Path, text: str) -> str:
    """The UN symbol from a sidecar `<name>.meta.json`, else the file's stem."""
    meta = path.with_suffix(".meta.json")
    if meta.exists():
        try:
            return str(json.loads(meta.read_text(encoding="utf-8"))["symbol"])
        except (KeyError, ValueError, OSError):
            pass
    return path.stem


def load_document(path: str | Path, *, symbol: str | None = None) -> Document:
    """Read a text file or a PDF into a Document (PDF lines keep page and position)."""
    p = Path(path)
    if p.suffix.lower() == ".pdf" or _starts_like_pdf(p):
        from egm_text.extract import extract_pdf

        extracted = extract_pdf(p)
        return Document(
            symbol=symbol or _pdf_symbol(extracted) or p.stem,
            lines=list(extracted.lines),
            source_path=str(p),
            pdf=extracted,
        )
    text = read_text(p)
    return Document.from_text(text, symbol=symbol or document_symbol(p, text), source_path=str(p))


def _starts_like_pdf(p: Path) -> bool:
    try:
        with p.open("rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False  # read_text reports the problem


def _pdf_symbol(extracted) -> str | None:
    for item in getattr(extracted, "furniture", []):
        if item.get("kind") == "symbol":
            return item.get("text")
    return None


def repair_document(doc: Document, repairer: GlyphRepairer | None = None) -> list[LineRepair]:
    """Repair every line; fills doc.repaired and doc.line_verdicts.

    When the document is segmented, the structural marker of each unit's first line (paragraph
    number, list label, footnote number, heading numeral) is taken off before repair, so line-order
    repair only moves text; `apply_structure` writes the markers back as the UN prints them.
    """
    # lines extracted from a PDF by position are already in logical order
    rep = repairer or default_repairer(order_lines=doc.pdf is None)
    texts = [line.raw for line in doc.lines]
    openers, headings = set(), set()
    for unit in doc.units:
        if unit.lines and unit.kind in ("paragraph", "recommendation", "footnote", "heading"):
            first = unit.lines[0]
            texts[first - 1] = strip_marker(texts[first - 1], unit.kind)
            openers.add(first)
            if unit.kind == "heading" and len(unit.lines) == 1:
                headings.add(first)  # a one-line heading is a single run once its numeral is off
    repairs = rep.repair_and_explain(texts, start_line=1, openers=openers, in_order=headings)
    for r, line in zip(repairs, doc.lines, strict=True):
        r.raw = line.raw
    for r in repairs:
        doc.repaired[r.line] = r.text
        doc.line_verdicts[r.line] = r.verdict
    return repairs


_PARA_MARK = re.compile(r"^\s*-?\s*\d{1,3}\s*-?\s*(?=\S|$)|\s*-\s*\d{1,3}\s*-?\s*$")
_LIST_MARK = re.compile(r"^\s*\(\s*[^()\d]{0,9}\s*\)\s*|\s*\(\s*[^()\d]{0,9}\s*\)\s*$")
_NOTE_MARK = re.compile(r"^\s*\(\s*\d{1,2}\s*\)\s*|\s*\(\s*\d{1,2}\s*\)\s*$")


def apply_structure(doc: Document) -> None:
    """Put the segmenter's structure into the text: markers as the UN prints them, unit texts."""
    for unit in doc.units:
        if not unit.lines:
            continue
        first = unit.lines[0]
        head = doc.repaired.get(first, doc.line(first).raw).strip()
        if unit.kind == "paragraph":
            body = _PARA_MARK.sub("", head, count=1).strip()
            doc.repaired[first] = f"{unit.number}- {body}"
        elif unit.kind == "recommendation":
            body = _LIST_MARK.sub("", head, count=1).strip()
            doc.repaired[first] = f"({unit.label}) {body}"
        elif unit.kind == "footnote":
            body = _NOTE_MARK.sub("", head, count=1).strip()
            doc.repaired[first] = f"({unit.number}) {body}"
        elif unit.kind == "heading":
            doc.repaired[first] = heading_text(unit, head)
        texts = [doc.repaired.get(n, doc.line(n).raw).strip() for n in unit.lines]
        unit.raw_text = unit.raw_text or "\n".join(doc.line(n).raw for n in unit.lines)
        unit.text = _unit_body(unit, " ".join(t for t in texts if t))


def heading_text(unit: Unit, repaired: str) -> str:
    """A heading as the UN prints it: `numeral- title`, the numeral taken from the structure."""
    numeral = unit.subsection or unit.section or ""
    words = [w for w in re.split(r"\s+", repaired.replace("-", " ").strip()) if w]
    stems = {w[:3] for w in (*SECTION_WORDS, *SUBSECTION_WORDS)}
    title = " ".join(w for w in words if w[:3] not in stems or len(w) > 6)
    return f"{numeral}- {title}" if numeral else title


def _unit_body(unit: Unit, text: str) -> str:
    if unit.kind == "paragraph":
        return re.sub(rf"^{unit.number}-\s*", "", text)
    if unit.kind == "recommendation":
        return re.sub(r"^\([^()]*\)\s*", "", text)
    if unit.kind == "footnote":
        return re.sub(r"^\(\d+\)\s*", "", text)
    return text


def process(doc: Document, repairer: GlyphRepairer | None = None) -> list[LineRepair]:
    """Segment (on the raw text), repair without markers, and write the structure into the text."""
    segment(doc)
    repairs = repair_document(doc, repairer)
    apply_structure(doc)
    return repairs


def repair_lines(lines: list[str], repairer: GlyphRepairer | None = None) -> list[tuple[str, LineRepair]]:
    """Repair a text's lines knowing its structure: each line's text and its repair, line for line.

    Where units start (a paragraph, a list item, a footnote) the line order repair knows that a
    line opens or closes its unit, and a paragraph marker written in visual order comes back as the UN
    prints it (`- 2` at the far end is `2-`). Lines the repair left alone come out as they came in.
    """
    doc = Document(symbol="", lines=[SourceLine(i + 1, s) for i, s in enumerate(lines)])
    repairs = process(doc, repairer or default_repairer())
    return [
        (doc.repaired[r.line] if r.verdict != "clean" else unrepaired_text(r.raw), r)
        for r in repairs
    ]


def line_stats(repairs: list[LineRepair]) -> dict[int, tuple[str, float, int]]:
    """Per line: verdict, mean word confidence, number of low-confidence words."""
    out = {}
    for r in repairs:
        confs = [w.confidence for w in r.words]
        out[r.line] = (r.verdict, sum(confs) / len(confs) if confs else 1.0, sum(c < UNCERTAIN_BELOW for c in confs))
    return out


def run(
    input_path: str | Path | None = None,
    out_dir: str | Path = "data/processed",
    *,
    symbol: str | None = None,
    repairer: GlyphRepairer | None = None,
    analyze: bool = True,
    report: bool = True,
    taxonomy: str | Path | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """The whole pipeline on one document; writes the dataset to `out_dir`."""
    from egm_text.export import tables, write_tables

    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    path = Path(input_path) if input_path else bundled_document()
    say("reading")
    doc = load_document(path, symbol=symbol)
    say("segmenting, repairing")
    repairs = process(doc, repairer)
    stats = line_stats(repairs)
    frames = tables(doc, stats)
    result = RunResult(doc, repairs)
    extra_cols: dict[str, tuple[str, str]] = {}
    if analyze:
        say("analysing")
        extra_cols = add_analysis(doc, frames, Path(out_dir), taxonomy=taxonomy)
    say("writing")
    result.outputs = write_tables(frames, out_dir, extra_columns=extra_cols)
    audit = Path(out_dir) / "repair_audit.jsonl"
    write_audit(repairs, audit)
    result.outputs.append(audit)
    verdicts = [r.verdict for r in repairs if r.raw.strip()]
    result.summary = {
        "input": str(path),
        "symbol": doc.symbol,
        "lines": len(doc.lines),
        "paragraphs": len(doc.units_of_kind("paragraph")),
        "recommendations": len(doc.units_of_kind("recommendation")),
        "footnotes": len(doc.units_of_kind("footnote")),
        "headings": len(doc.units_of_kind("heading")),
        "words_changed": sum(len(r.changes) for r in repairs),
        "lines_reordered": sum(r.reordered for r in repairs),
        "low_confidence_words": sum(s[2] for s in stats.values()),
        "lines_repaired": verdicts.count("repaired"),
        "lines_uncertain": verdicts.count("uncertain"),
        "lines_clean": verdicts.count("clean"),
        "seconds": round(time.perf_counter() - t0, 2),
        "out_dir": str(out_dir),
    }
    if report:
        say("report")
        try:
            from egm_text.report import write_report
        except ImportError:
            write_report = None
        if write_report is not None:
            result.outputs.append(write_report(result, frames, Path(out_dir) / "report.html"))
    return result


ANALYSIS_COLUMNS: dict[str, tuple[str, str]] = {
    "themes": ("string", "Themes of the default (or given) taxonomy the unit is tagged with (JSON list)."),
    "theme_scores": ("string", "Score per tagged theme (JSON object)."),
    "theme_evidence": ("string", "Normalised terms that matched, per theme (JSON object)."),
    "topic": ("Int64", "Dominant NMF topic of the unit."),
    "topic_weights": ("string", "NMF topic weights (JSON list)."),
    "cluster": ("Int64", "Agglomerative similarity cluster id."),
    "neighbours": ("string", "Most similar units: [id, cosine similarity] pairs (JSON list)."),
}


def add_analysis(doc: Document, frames: dict, out_dir: Path, *, taxonomy: str | Path | None = None) -> dict:
    """Tag, topic-model and cluster paragraphs and recommendations; add the results to the tables."""
    from egm_text.analyze import analyze_units
    from egm_text.export import iter_unit_texts

    units = iter_unit_texts(doc)
    if units.empty:
        return {}
    result = analyze_units(units, taxonomy=taxonomy, out_dir=out_dir / "figures")
    per_unit = result.units.set_index("id")
    for name in ("paragraphs", "recommendations"):
        df = frames[name]
        if df.empty:
            continue
        for col in ANALYSIS_COLUMNS:
            if col in per_unit.columns:
                values = dict(zip(per_unit.index, per_unit[col].tolist(), strict=True))
                df[col] = [values.get(i) for i in df["id"]]
    frames["topics"] = result.topics
    frames["similar_pairs"] = result.similar_pairs
    doc.analysis = result
    return ANALYSIS_COLUMNS
