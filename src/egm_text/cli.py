"""The `egm-text` command line: parse options, call the library, map errors to one line and an exit code."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from egm_text import __version__
from egm_text.errors import EgmTextError, InputError

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn garbled Arabic UN PDFs into clean text and research datasets.\n\n"
    "Example: egm-text run  (the bundled UN report -> data/processed/)",
)


@functools.cache
def _console(stderr: bool = False) -> Console:
    """The rich console for stdout or stderr, made on first use: a quiet command never imports rich."""
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=True)


def err() -> Console:
    return _console(stderr=True)


def console() -> Console:
    return _console()


QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON summary for scripts.")]


def _version(value: bool) -> None:
    if value:
        print(f"egm-text {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """egm-text: extract -> repair -> segment -> analyze -> export."""


def _progress(quiet: bool):
    if quiet:
        return None
    return lambda msg: err().print(f"[dim]… {msg}[/dim]")


@app.command()
def run(
    input: Annotated[Path | None, typer.Argument(help="Text or PDF file; defaults to the bundled UN report.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the dataset.")] = Path("data/processed"),
    symbol: Annotated[str | None, typer.Option(help="UN document symbol (default: sidecar .meta.json or file name).")] = None,
    taxonomy: Annotated[Path | None, typer.Option(help="Theme taxonomy YAML (default: the built-in one).")] = None,
    no_analysis: Annotated[bool, typer.Option("--no-analysis", help="Skip themes, topics and clusters.")] = False,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Run the whole pipeline and write the dataset (Parquet, CSV, JSONL), audit and report.

    Example: egm-text run data/raw/un_egm_cybercrime_2020_ar.garbled.txt --out data/processed
    """
    from egm_text.pipeline import run as run_pipeline

    result = run_pipeline(input, out, symbol=symbol, taxonomy=taxonomy, analyze=not no_analysis,
                          progress=_progress(quiet or as_json))
    if as_json:
        print(json.dumps(result.summary, ensure_ascii=False))
    elif not quiet:
        s = result.summary
        counts = ", ".join(_count(s[key], key[:-1]) for key in ("paragraphs", "recommendations", "footnotes", "headings"))
        console().print(
            f"[bold]{s['symbol']}[/bold]: {counts}; {_count(s['words_changed'], 'word')} repaired "
            f"({s['low_confidence_words']} low-confidence) in {s['seconds']} s -> {s['out_dir']}"
        )


def _count(n: int, noun: str) -> str:
    """`1 footnote`, `2 footnotes`."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@app.command()
def repair(
    input: Annotated[Path, typer.Argument(help="Garbled text file.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    profile: Annotated[str, typer.Option(help="Font profile JSON, or 'un' for the shipped UN profile.")] = "un",
    audit: Annotated[Path | None, typer.Option(help="Write the audit trail (word changes, moved or unsure line orders) as JSON lines here.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Repair garbled Arabic text line by line (one output line per input line).

    A document read whole is repaired knowing its structure (paragraphs, list items, footnotes), as
    `run` does; a very large input is streamed in batches, line by line.

    Example: egm-text repair data/raw/un_egm_cybercrime_2020_ar.garbled.txt -o repaired.txt --audit audit.jsonl
    """
    from egm_text.pipeline import repair_lines
    from egm_text.repair import GlyphRepairer
    from egm_text.repair.repairer import write_audit_records
    from egm_text.textio import atomic_writer, open_text_lines

    lines, ends_with_newline = open_text_lines(input)
    repairer = GlyphRepairer(profile=profile)
    if isinstance(lines, list):
        # one document in a one-shot process: the repair makes no reference cycles, and the cyclic collector
        # would only walk its memo tables once more when the repair turns it back on (`_without_gc`)
        gc.disable()
        repaired = repair_lines(lines, repairer)
    else:
        repaired = ((r.text, r) for r in repairer.repair_stream(lines))
    records = 0
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(atomic_writer(output)) if output else sys.stdout
        audit_sink = stack.enter_context(atomic_writer(audit)) if audit else None
        first = True
        for text, r in repaired:
            sink.write(("" if first else "\n") + text)
            first = False
            if audit_sink:
                records += write_audit_records(r, audit_sink)
        if ends_with_newline or not output:
            sink.write("\n")
    if audit and not quiet:
        err().print(f"{records} audit records (line orders, word changes) -> {audit}")


@app.command()
def learn(
    gold: Annotated[Path, typer.Argument(help="Corrected lines: LINENO<TAB>CLEAN TEXT[<TAB>UNIT].")],
    raw: Annotated[Path, typer.Argument(help="The garbled text the line numbers refer to.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Profile JSON to write.")] = Path("profile.json"),
) -> None:
    """Fit a font profile from corrected lines of a garbled document.

    Example: egm-text learn tests/data/dev.tsv data/raw/un_egm_cybercrime_2020_ar.garbled.txt -o profile.json
    """
    from egm_text.evaluate import load_gold
    from egm_text.repair import GlyphRepairer
    from egm_text.textio import read_text

    rows = load_gold(gold)
    lines = read_text(raw).split("\n")
    pairs = [(lines[n - 1], r.clean) for n, r in sorted(rows.items()) if n <= len(lines) and r.unit != "url"]
    if not pairs:
        raise InputError("no gold line numbers fall inside the raw file", path=str(gold))
    rep = GlyphRepairer(profile=None).fit([p[0] for p in pairs], [p[1] for p in pairs])
    rep.save(output)
    console().print(f"profile fitted on {len(pairs)} lines -> {output}")


@app.command()
def segment(
    input: Annotated[Path, typer.Argument(help="Text file (garbled or repaired).")],
    lines: Annotated[bool, typer.Option("--lines", help="Print LINENO<TAB>UNIT in the gold's notation.")] = False,
    repaired: Annotated[bool, typer.Option("--repair/--no-repair", help="Repair before segmenting.")] = False,
) -> None:
    """Split a document into title, headings, paragraphs, recommendations, footnotes and URLs.

    Example: egm-text segment data/raw/un_egm_cybercrime_2020_ar.garbled.txt --lines
    """
    from egm_text.pipeline import load_document, process
    from egm_text.segment import labels_in_gold_notation
    from egm_text.segment import segment as do_segment

    doc = load_document(input)
    if repaired:
        process(doc)
    else:
        do_segment(doc)
    if lines:
        for n, unit in sorted(labels_in_gold_notation(doc).items()):
            print(f"{n}\t{unit}")
        return
    for u in doc.units:
        text = (u.text or u.raw_text).replace("\n", " ")
        print(f"{u.uid}\t{u.kind}\t{u.line_range[0]}-{u.line_range[1]}\t{text[:80]}")


@app.command()
def evaluate(
    gold: Annotated[Path, typer.Option("--gold", help="Gold TSV: LINENO<TAB>CLEAN<TAB>UNIT.")],
    input: Annotated[Path | None, typer.Argument(help="Garbled text (default: the bundled document).")] = None,
    system: Annotated[Path | None, typer.Option(help="Score this line-preserving output instead of repairing.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score repair (WER, Arabic WER, bag WER, CER) and segmentation against a gold TSV.

    Example: egm-text evaluate --gold tests/data/dev.tsv
    """
    from egm_text.evaluate import load_gold, score_repair
    from egm_text.pipeline import bundled_document, load_document, process
    from egm_text.segment import labels_in_gold_notation, unit_accuracy
    from egm_text.textio import read_text

    rows = load_gold(gold)
    doc = load_document(input or bundled_document())
    if system:
        sys_lines = read_text(system, require_arabic=False).split("\n")
        sysout = {i + 1: s for i, s in enumerate(sys_lines)}
    else:
        process(doc)
        sysout = dict(doc.repaired)
    figures = {"repair": score_repair(rows, sysout)}
    if not system:
        pred = labels_in_gold_notation(doc)
        figures["segmentation"] = unit_accuracy(pred, {n: r.unit for n, r in rows.items()})
    if as_json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    for k, v in figures["repair"].items():
        print(f"{k}: {v:.4f}" if isinstance(v, float) else f"{k}: {v}")
    if "segmentation" in figures:
        seg = figures["segmentation"]
        print(f"segmentation_accuracy: {seg.get('accuracy', 0):.4f}")


@app.command()
def analyze(
    input: Annotated[Path | None, typer.Argument(help="Text or PDF file; defaults to the bundled UN report.")] = None,
    taxonomy: Annotated[Path | None, typer.Option(help="Theme taxonomy YAML (default: the built-in one).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("data/processed"),
    quiet: QuietOpt = False,
) -> None:
    """Tag themes, fit topics and cluster paragraphs and recommendations.

    Example: egm-text analyze --out data/processed
    """
    from egm_text.pipeline import run as run_pipeline

    result = run_pipeline(input, out, taxonomy=taxonomy, report=False, progress=_progress(quiet))
    if not quiet:
        metrics = result.doc.analysis
        out_msg = json.dumps(metrics.metrics, ensure_ascii=False, default=str) if metrics else "{}"
        print(out_msg)


@app.command()
def extract(
    input: Annotated[Path, typer.Argument(help="PDF file.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the text here instead of stdout.")] = None,
    ocr: Annotated[bool, typer.Option("--ocr", help="OCR image-only pages with Tesseract when installed.")] = False,
) -> None:
    """Extract line-oriented text from a PDF in logical order (before repair).

    Example: egm-text extract report.pdf -o report.txt
    """
    from egm_text.extract import extract_pdf
    from egm_text.textio import write_text

    result = extract_pdf(input, ocr=ocr)
    if output:
        write_text(output, result.text + "\n")
    else:
        sys.stdout.write(result.text + "\n")
    for page in result.pages:
        if page.get("verdict") != "ok":
            err().print(f"page {page.get('page')}: {page.get('verdict')} ({'; '.join(page.get('reasons', []))})")


@app.command()
def report(
    input: Annotated[Path | None, typer.Argument(help="Text or PDF file; defaults to the bundled UN report.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("data/processed/report.html"),
    quiet: QuietOpt = False,
) -> None:
    """Write the self-contained HTML report for a document.

    Example: egm-text report --out report.html
    """
    from egm_text.pipeline import run as run_pipeline

    result = run_pipeline(input, out.parent, progress=_progress(quiet))
    html = [p for p in result.outputs if p.suffix == ".html"]
    if html and html[0] != out:
        html[0].replace(out)
    if not quiet:
        print(out)


def main() -> None:
    """Entry point: every EgmTextError becomes one line on stderr and its exit code."""
    try:
        code = app(standalone_mode=False)
    except EgmTextError as exc:
        err().print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err().print("aborted")
        sys.exit(130)
    except Exception as exc:  # usage errors (typer's own copy of click's) and the like
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("EGM_TEXT_DEBUG"):
            raise
        err().print(f"[red]internal error:[/red] {type(exc).__name__}: {exc} (set EGM_TEXT_DEBUG=1 for details)",
                  highlight=False)
        sys.exit(1)
    if isinstance(code, int) and code:
        if code == 130:
            err().print("aborted")
        sys.exit(code)
    _exit_at_once()


def _exit_at_once() -> None:
    """End a command that succeeded without tearing its objects down one by one: a repair leaves millions of
    memo entries behind, and freeing them cost a twentieth of a document's warm repair. Every output file
    is written and closed by now (`atomic_writer`), and nothing of the process runs at exit."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a reader that went away (`| head`): what it did not take is lost, as a failed write says
        os._exit(1)
    os._exit(0)


if __name__ == "__main__":
    main()
