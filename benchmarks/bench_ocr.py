"""egm-text PDF extraction against Tesseract OCR on the generated UN-like PDFs.

For each variant of tests/pdf_factory.py (a: correct text layer, b: broken ToUnicode with the font
intact, c: broken ToUnicode and a stripped font, d: image only) it measures

* egm-text: `extract_pdf` (font-level repair included); on c the text-level repairer
  (`egm_text.repair.repair_text`) runs on the extracted text when it is importable; on d the
  extractor falls back to Tesseract (`ocr=True`);
* Tesseract: each page rendered by pdftoppm at 300 dpi and read by tesseract-ocr-ara (pytesseract),

and prints CER, Arabic WER and seconds per page. Scores compare the document's printed lines without
page furniture (title, body and footnote lines) with the system's lines, each reference line against
its closest system line, paired globally (reading order between blocks does not count; unpaired
system lines count as insertions). Timings are warm: one extraction and one repair run first so font indexes,
the lexicon and imports are loaded; the cold start is printed separately.

usage: python benchmarks/bench_ocr.py [--variants abcd] [--paragraphs 6] [--recommendations 4]
                                      [--dpi 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from egm_text.evaluate import norm_line, tokens  # noqa: E402

FURNITURE = re.compile(r"^(?:[A-Z]+(?:/[A-Za-z0-9.\-]+)+|[A-Z]?\.?\d{2}-\d{5}|\d{1,3})$")


def _lines(text: str) -> list[str]:
    out = []
    for s in text.split("\n"):
        s = norm_line(s)
        if s and not FURNITURE.match(s):
            out.append(s)
    return out


def score(reference: list[str], system: list[str]) -> dict:
    """Line-matched CER and Arabic WER.

    Reference and system lines are paired globally, closest pairs first (a pair needs a normalised
    edit distance below 0.6); a reference line left unpaired counts as deleted, a system line left
    unpaired as inserted.
    """
    ref = [norm_line(s) for s in reference if norm_line(s)]
    pairs = sorted(
        (Levenshtein.normalized_distance(r, s), i, j) for i, r in enumerate(ref) for j, s in enumerate(system)
    )
    match: dict[int, int] = {}
    used: set[int] = set()
    for d, i, j in pairs:
        if d >= 0.6:
            break
        if i not in match and j not in used:
            match[i] = j
            used.add(j)
    ce = cn = we = wn = 0
    for i, r in enumerate(ref):
        s = system[match[i]] if i in match else ""
        ce += Levenshtein.distance(r, s)
        cn += len(r)
        ra, sa = tokens(r, True), tokens(s, True)
        we += Levenshtein.distance(ra, sa)
        wn += len(ra)
    for j, s in enumerate(system):
        if j not in used:
            ce += len(s)
            we += len(tokens(s, True))
    return {"CER": ce / max(1, cn), "arabic_WER": we / max(1, wn)}


def reference_lines(built) -> list[str]:
    return [ln.text for ln in built.lines if ln.kind in ("title", "body", "footnote")]


def text_repairer():
    """`repair_text` for PDF text, or None when the repair package is not there.

    Extracted lines are already in logical order, so the repairer's line-order step (made for the
    scrambled order of the UN's own text export) is switched off when the repairer allows it.
    """
    try:
        from egm_text.repair import repair_text
    except ImportError:
        return None
    try:
        from egm_text.repair import GlyphRepairer

        repairer = GlyphRepairer(order_lines=False)
    except (ImportError, TypeError):
        return repair_text
    return lambda text: repair_text(text, repairer=repairer)


def run_egm(path: Path, variant: str, repair) -> tuple[list[str], float, dict]:
    from egm_text.extract import extract_pdf

    t = time.perf_counter()
    x = extract_pdf(path, ocr=variant == "d")
    text = x.text
    info = {"verdicts": dict(x.verdicts())}
    if variant == "c" and repair is not None:
        text = repair(text)
        info["text_repair"] = True
    return _lines(text), time.perf_counter() - t, info


def run_tesseract(path: Path, pages: int, dpi: int) -> tuple[list[str], float]:
    import pytesseract

    from egm_text.extract.ocr import render_page

    t = time.perf_counter()
    out: list[str] = []
    for p in range(1, pages + 1):
        image = render_page(path, p, dpi)
        out.extend(_lines(pytesseract.image_to_string(image, lang="ara")))
    return out, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", default="abcd")
    ap.add_argument("--paragraphs", type=int, default=6)
    ap.add_argument("--recommendations", type=int, default=4)
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from pdf_factory import build_un_pdf, dev_spec

    from egm_text.extract import extract_pdf
    from egm_text.extract.ocr import tesseract_status

    repair_text = text_repairer()
    tess = tesseract_status()
    if tess:
        print(f"note: Tesseract columns skipped: {tess}", file=sys.stderr)

    spec = dev_spec(args.paragraphs, args.recommendations)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        built = {v: build_un_pdf(Path(tmp) / f"un_{v}.pdf", v, spec=spec) for v in args.variants}
        # cold start, then warm-up: font index, lexicon, imports
        t0 = time.perf_counter()
        first = next(iter(built.values()))
        if first.variant != "d":
            extract_pdf(first.path)
        cold_extract = time.perf_counter() - t0
        cold_repair = 0.0
        if repair_text is not None and "c" in built:
            t0 = time.perf_counter()
            repair_text(extract_pdf(built["c"].path).text)
            cold_repair = time.perf_counter() - t0
        for v, b in built.items():
            ref = reference_lines(b)
            row = {"variant": v, "pages": b.pages}
            if v != "d" or not tess:
                sys_lines, secs, info = run_egm(b.path, v, repair_text)
                row.update({f"egm_{k}": val for k, val in score(ref, sys_lines).items()})
                row["egm_s_per_page"] = secs / b.pages
                row["egm_info"] = info
            if not tess:
                t_lines, t_secs = run_tesseract(b.path, b.pages, args.dpi)
                row.update({f"tess_{k}": val for k, val in score(ref, t_lines).items()})
                row["tess_s_per_page"] = t_secs / b.pages
            rows.append(row)
    summary = {
        "rows": rows,
        "cold_start_s": {"extract": cold_extract, "repair": cold_repair},
        "dpi": args.dpi,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return 0
    hdr = (
        f"{'variant':<8}{'pages':>6} | {'egm CER':>8}{'egm AWER':>9}{'egm s/p':>9} | "
        f"{'tess CER':>9}{'tess AWER':>10}{'tess s/p':>9} | {'CER ratio':>9}{'speed-up':>9}"
    )
    print(hdr)
    print("-" * len(hdr))

    def f(x, fmt):
        return format(x, fmt) if isinstance(x, float) else "-"

    for r in rows:
        ratio = r["egm_CER"] / r["tess_CER"] if "tess_CER" in r and r.get("tess_CER") else None
        speed = (
            r["tess_s_per_page"] / r["egm_s_per_page"]
            if "tess_s_per_page" in r and "egm_s_per_page" in r
            else None
        )
        print(
            f"{r['variant']:<8}{r['pages']:>6} | {f(r.get('egm_CER'), '8.2%')}{f(r.get('egm_arabic_WER'), '9.2%')}"
            f"{f(r.get('egm_s_per_page'), '9.3f')} | {f(r.get('tess_CER'), '9.2%')}"
            f"{f(r.get('tess_arabic_WER'), '10.2%')}{f(r.get('tess_s_per_page'), '9.3f')} | "
            f"{f(ratio, '9.2f')}{f(speed, '8.1f')}x"
        )
    print(
        f"\ncold start (not in s/p): first extraction {cold_extract:.2f} s, first text repair {cold_repair:.2f} s; "
        f"Tesseract pages rendered by pdftoppm at {args.dpi} dpi"
    )
    for r in rows:
        if "egm_info" in r:
            print(f"  {r['variant']}: verdicts {r['egm_info']['verdicts']}", end="")
            print("  + text-level repair" if r["egm_info"].get("text_repair") else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
