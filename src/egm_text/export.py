"""Writing the dataset: paragraphs, recommendations, footnotes, headings and lines.

Each table is written as Parquet, CSV (UTF-8 with BOM, so Arabic opens correctly in spreadsheet
programs) and JSONL, atomically, with a generated data dictionary (`README.md`) describing every column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from egm_text.document import Document, Unit
from egm_text.textio import atomic_writer, ensure_writable_dir, write_text

TABLES = ("paragraphs", "recommendations", "footnotes", "headings", "lines")

COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("string", "Stable id: document symbol, '#', kind and number/label (e.g. `...#rec-13-bb`)."),
    "doc_symbol": ("string", "UN document symbol."),
    "kind": ("string", "Unit kind: paragraph, recommendation, footnote, heading, title."),
    "number": ("Int64", "Paragraph or footnote number as printed."),
    "parent": ("Int64", "For recommendations: the paragraph whose lettered list holds it."),
    "label": ("string", "Recommendation label in the UN's Arabic abjad order (أ, ب, … أ أ, …)."),
    "label_index": ("Int64", "0-based position of the recommendation in its list."),
    "section": ("string", "Roman-numbered section (أولا, ثانيا, …) the unit sits in."),
    "subsection": ("string", "Lettered sub-section (ألف, باء, …) the unit sits in."),
    "line_start": ("Int64", "First source line (1-based, as in the raw text file)."),
    "line_end": ("Int64", "Last source line (1-based)."),
    "lines": ("string", "All source line numbers of the unit, comma-separated (units can be interrupted)."),
    "raw_text": ("string", "The unit's text exactly as extracted (garbled)."),
    "text": ("string", "The repaired text (structural marker removed)."),
    "verdict": (
        "string",
        "Worst per-line repair verdict: clean, repaired or uncertain (a word read with low confidence or none, "
        "or a line order chosen by a narrow margin; the audit trail has the runner-up).",
    ),
    "confidence": ("float64", "Mean word confidence of the repair over the unit (1.0 = unchanged)."),
    "low_confidence_words": ("Int64", "Number of words repaired with confidence below 0.5 (such a word makes its line uncertain)."),
    "urls": ("string", "Link URLs annotating the unit (JSON list)."),
    "footnote_refs": ("string", "Footnote numbers referenced in the unit (JSON list)."),
    "lineno": ("Int64", "Source line number (lines table)."),
    "raw": ("string", "The source line as extracted (lines table)."),
    "repaired": ("string", "The repaired line (lines table)."),
    "unit_id": ("string", "Id of the unit the line belongs to (lines table)."),
    "page": ("Int64", "PDF page of the line, when the input was a PDF."),
}


def unit_row(doc: Document, unit: Unit, line_stats: dict[int, tuple[str, float, int]]) -> dict:
    verdicts = [line_stats.get(n, ("clean", 1.0, 0)) for n in unit.lines]
    order = {"clean": 0, "repaired": 1, "uncertain": 2}
    worst = max((v[0] for v in verdicts), key=lambda v: order.get(v, 0), default="clean")
    return {
        "id": unit.uid,
        "doc_symbol": doc.symbol,
        "kind": unit.kind,
        "number": unit.number,
        "parent": unit.parent,
        "label": unit.label,
        "label_index": unit.label_index,
        "section": unit.section,
        "subsection": unit.subsection,
        "line_start": unit.line_range[0],
        "line_end": unit.line_range[1],
        "lines": ",".join(str(n) for n in unit.lines),
        "raw_text": unit.raw_text,
        "text": unit.text,
        "verdict": worst,
        "confidence": round(sum(v[1] for v in verdicts) / max(1, len(verdicts)), 4),
        "low_confidence_words": sum(v[2] for v in verdicts),
        "urls": json.dumps(unit.urls, ensure_ascii=False),
        "footnote_refs": json.dumps(unit.footnote_refs),
    }


def tables(doc: Document, line_stats: dict[int, tuple[str, float, int]] | None = None) -> dict[str, pd.DataFrame]:
    """The dataset's tables as DataFrames (also used by analysis and the report)."""
    stats = line_stats or {}
    kinds = {"paragraphs": "paragraph", "recommendations": "recommendation", "footnotes": "footnote"}
    out: dict[str, pd.DataFrame] = {}
    for name, kind in kinds.items():
        out[name] = _frame([unit_row(doc, u, stats) for u in doc.units if u.kind == kind])
    out["headings"] = _frame([unit_row(doc, u, stats) for u in doc.units if u.kind in ("heading", "title")])
    owner = doc.unit_of_line()
    out["lines"] = _frame(
        [
            {
                "lineno": line.lineno,
                "page": line.page,
                "raw": line.raw,
                "repaired": doc.text_of_line(line.lineno),
                "verdict": doc.line_verdicts.get(line.lineno, "clean"),
                "unit_id": owner[line.lineno].uid if line.lineno in owner else None,
            }
            for line in doc.lines
        ]
    )
    return out


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for col in df.columns:
        dtype = COLUMNS.get(col, ("string", ""))[0]
        if dtype in ("Int64", "float64", "string"):
            df[col] = df[col].astype(dtype)
    return df


def write_tables(frames: dict[str, pd.DataFrame], out_dir: str | Path, *, extra_columns: dict[str, tuple[str, str]] | None = None) -> list[Path]:
    """Write each table as Parquet, CSV (BOM) and JSONL, plus the data dictionary."""
    out = ensure_writable_dir(out_dir)
    written: list[Path] = []
    for name, df in frames.items():
        pq = out / f"{name}.parquet"
        with atomic_writer(pq, "wb", encoding=None) as fh:
            _flat(df).to_parquet(fh, index=False)
        csv = out / f"{name}.csv"
        with atomic_writer(csv, encoding="utf-8-sig") as fh:
            _flat(df).to_csv(fh, index=False)
        jl = out / f"{name}.jsonl"
        with atomic_writer(jl) as fh:
            for rec in _flat(df).to_dict(orient="records"):
                fh.write(json.dumps({k: _json_value(v) for k, v in rec.items()}, ensure_ascii=False) + "\n")
        written += [pq, csv, jl]
    readme = out / "README.md"
    write_text(readme, data_dictionary(frames, extra_columns or {}))
    written.append(readme)
    return written


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Lists and dicts as JSON strings, for CSV and JSONL alike."""
    df = df.copy()
    for col in df.columns:
        values = [v for v in df[col].tolist() if v is not None and not (isinstance(v, float) and v != v)]
        if values and any(isinstance(v, list | dict | tuple) or hasattr(v, "tolist") for v in values[:50]):
            df[col] = pd.Series([_json_cell(v) for v in df[col].tolist()], index=df.index, dtype="string")
    return df


def _json_cell(v) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "tolist"):
        v = v.tolist()
    return json.dumps(v, ensure_ascii=False, default=str)


def _json_value(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    if v is pd.NA:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def data_dictionary(frames: dict[str, pd.DataFrame], extra: dict[str, tuple[str, str]]) -> str:
    """A Markdown data dictionary: every table, every column, its type and meaning."""
    lines = [
        "# egm-text dataset: data dictionary",
        "",
        "Generated by `egm-text run`. Each table is written three times: `.parquet`, `.csv` (UTF-8 with BOM)",
        "and `.jsonl`. Line numbers are 1-based lines of the raw text the pipeline read. List-valued columns",
        "are JSON strings.",
        "",
    ]
    known = {**COLUMNS, **extra}
    for name, df in frames.items():
        lines += [f"## {name} ({len(df)} rows)", "", "| column | type | meaning |", "|---|---|---|"]
        for col in df.columns:
            dtype, meaning = known.get(col, (str(df[col].dtype), ""))
            lines.append(f"| `{col}` | {dtype} | {meaning} |")
        lines.append("")
    return "\n".join(lines)


def iter_unit_texts(doc: Document, kinds: Iterable[str] = ("paragraph", "recommendation")) -> pd.DataFrame:
    """Units as the analysis stage takes them: id, kind, section, parent, label, text."""
    wanted = set(kinds)
    return pd.DataFrame(
        [
            {"id": u.uid, "kind": u.kind, "section": u.subsection or u.section, "parent": u.parent, "label": u.label, "text": u.text}
            for u in doc.units
            if u.kind in wanted
        ],
        columns=["id", "kind", "section", "parent", "label", "text"],
    )
