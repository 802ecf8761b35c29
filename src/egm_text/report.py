"""The HTML report: one self-contained, offline file a reader can open and audit.

`write_report(result, frames, path)` renders the overview (symbol, title, counts, repair figures), every unit
with its raw and repaired lines side by side (changed words highlighted, low-confidence words marked with
their alternatives on hover, one anchor per source line: `#L8`), the recommendations table with a theme
filter, and, when the analysis stage ran, its figures, topics and similar pairs. Everything is inline: CSS,
a few lines of JS, figures as data URIs and a subset of the Amiri font, so the file works offline and a
Content-Security-Policy forbids any network load.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from egm_text import __version__
from egm_text.repair.repairer import UNCERTAIN_BELOW
from egm_text.textio import atomic_writer

LOW_CONFIDENCE = UNCERTAIN_BELOW  # as in pipeline.line_stats: a word below this counts as low-confidence
MAX_TABLE_ROWS = 200  # similar pairs and topics shown in the report (the dataset has them all)
FONT_STACK = '"Amiri", "Noto Naskh Arabic", "Arial", "Tahoma", "Segoe UI", system-ui, sans-serif'
KIND_NAMES = {
    "title": "العنوان · title",
    "heading": "عنوان فرعي · heading",
    "paragraph": "فقرة · paragraph",
    "recommendation": "توصية · recommendation",
    "footnote": "حاشية · footnote",
    "url": "رابط · URL",
    "other": "أخرى · other",
}
VERDICT_NAMES = {"clean": "سليم · clean", "repaired": "مصلح · repaired", "uncertain": "غير مؤكد · uncertain"}
FIGURE_SUFFIXES = (".png", ".svg")


def write_report(result: Any, frames: dict[str, pd.DataFrame] | None, path: str | Path, *,
                 figures_dir: str | Path | None = None, embed_font: bool = True) -> Path:
    """Write the report for a pipeline `RunResult` atomically to `path` and return the path.

    `frames` are the dataset's tables (analysis columns and the `topics`/`similar_pairs` tables are used
    when present); figures are read from `figures_dir` (default: `figures/` beside the report).
    """
    target = Path(path)
    figs = Path(figures_dir) if figures_dir is not None else target.parent / "figures"
    page = build_report(result, frames or {}, figures_dir=figs, embed_font=embed_font)
    with atomic_writer(target) as fh:
        fh.write(page)
    return target


def build_report(result: Any, frames: dict[str, pd.DataFrame], *, figures_dir: Path | None = None,
                 embed_font: bool = True) -> str:
    """The report as one HTML string."""
    doc = result.doc
    summary = dict(getattr(result, "summary", {}) or {})
    repairs = {r.line: r for r in getattr(result, "repairs", []) or []}
    analysis = _analysis_by_unit(frames)
    names = theme_names(doc)
    ran = _analysis_ran(doc, frames)
    figures = list(_figures(figures_dir)) if figures_dir is not None and ran else []
    body = "\n".join(
        [
            _header(doc, summary),
            _nav(frames, figures),
            _overview(doc, summary, repairs),
            _recommendations(frames, names),
            _analysis_section(frames, figures, doc),
            _units(doc, repairs, analysis, names),
        ]
    )
    css = _CSS
    if embed_font:
        font = amiri_font_face(_visible_chars(doc, frames))
        css = font + css
    title = f"egm-text — {doc.symbol}"
    return _PAGE.format(title=_e(title), css=css, body=body, js=_JS)


# --- sections --------------------------------------------------------------------------------------


def _header(doc, summary: dict) -> str:
    title = _doc_title(doc)
    source = summary.get("input") or doc.source_path or ""
    return (
        '<header class="top">'
        f'<p class="symbol"><bdi dir="ltr">{_e(doc.symbol or "")}</bdi></p>'
        f"<h1>{_e(title)}</h1>"
        f'<p class="meta" dir="ltr">egm-text {_e(__version__)} · source: <code>{_e(Path(source).name if source else "")}</code></p>'
        "</header>"
    )


def _nav(frames: dict, figures: list) -> str:
    links = [("overview", "نظرة عامة · Overview"), ("recommendations", "التوصيات · Recommendations")]
    if figures or _has_rows(frames, "similar_pairs") or _has_rows(frames, "topics"):
        links.append(("analysis", "التحليل · Analysis"))
    links.append(("text", "النص · Text"))
    items = "".join(f'<a href="#{k}">{_e(v)}</a>' for k, v in links)
    return f'<nav class="toc">{items}</nav>'


def _overview(doc, summary: dict, repairs: dict) -> str:
    counts = {k: len(doc.units_of_kind(k)) for k in ("paragraph", "recommendation", "footnote", "heading")}
    verdicts = {"clean": 0, "repaired": 0, "uncertain": 0}
    changed = low = 0
    for r in repairs.values():
        if r.raw.strip():
            verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
        changed += sum(1 for w in r.words if w.garbled != w.text)
        low += sum(1 for w in r.words if w.confidence < LOW_CONFIDENCE)
    changed = summary.get("words_changed", changed)
    low = summary.get("low_confidence_words", low)
    cards = [
        ("الفقرات · paragraphs", counts["paragraph"]),
        ("التوصيات · recommendations", counts["recommendation"]),
        ("الحواشي · footnotes", counts["footnote"]),
        ("العناوين · headings", counts["heading"]),
        ("الأسطر · lines", len(doc.lines)),
        ("كلمات مصلحة · words changed", changed),
        ("كلمات منخفضة الثقة · low-confidence words", low),
    ]
    card_html = "".join(f'<div class="card"><span class="n">{_num(v)}</span><span class="l">{_e(k)}</span></div>'
                        for k, v in cards)
    total = sum(verdicts.values()) or 1
    bar = "".join(
        f'<span class="seg v-{k}" style="width:{100 * v / total:.2f}%" title="{_e(VERDICT_NAMES[k])}: {v}"></span>'
        for k, v in verdicts.items() if v
    )
    legend = "".join(f'<li><span class="sw v-{k}"></span>{_e(VERDICT_NAMES[k])}: <b>{_num(v)}</b></li>'
                     for k, v in verdicts.items())
    seconds = summary.get("seconds")
    timing = f'<p class="meta"><bdi dir="ltr">{_num(seconds)} s</bdi></p>' if seconds is not None else ""
    return (
        '<section id="overview"><h2>نظرة عامة · Overview</h2>'
        f'<div class="cards">{card_html}</div>'
        '<h3>أحكام الأسطر · Per-line verdicts (non-empty lines)</h3>'
        f'<div class="bar" role="img" aria-label="verdicts">{bar}</div><ul class="legend">{legend}</ul>{timing}'
        '<p class="hint"><mark class="chg">كلمة</mark> changed word · '
        '<mark class="chg low">كلمة</mark> low confidence (hover for alternatives) · '
        '<mark class="chg unk">كلمة</mark> not in the lexicon</p>'
        "</section>"
    )


def _recommendations(frames: dict, names: dict[str, tuple[str, str]]) -> str:
    df = frames.get("recommendations")
    head = '<section id="recommendations"><h2>التوصيات · Recommendations</h2>'
    if df is None or df.empty:
        return head + '<p class="empty">No recommendations were found in this document.</p></section>'
    has_themes = "themes" in df.columns
    has_cluster = "cluster" in df.columns
    themes_all: set[str] = set()
    rows = []
    for rec in df.to_dict(orient="records"):
        uid = _str(rec.get("id"))
        themes = _json_list(rec.get("themes")) if has_themes else []
        themes = [str(t) for t in themes]
        themes_all.update(themes)
        scores = _json_obj(rec.get("theme_scores")) if has_themes else {}
        badges = "".join(_theme_badge(t, names, scores.get(t)) for t in themes) or '<span class="none">—</span>'
        cluster = _str(rec.get("cluster")) if has_cluster else ""
        parent = _str(rec.get("parent"))
        rows.append(
            f'<tr data-themes="{_e(json.dumps(themes, ensure_ascii=False))}" data-cluster="{_e(cluster)}">'
            f'<td class="lab"><a href="#{_e(unit_anchor(uid))}">({_e(_str(rec.get("label")))})</a></td>'
            f"<td>{_e(parent)}</td>"
            f'<td class="txt">{_e(_str(rec.get("text")))}</td>'
            + (f'<td class="themes">{badges}</td>' if has_themes else "")
            + (f"<td>{_e(cluster)}</td>" if has_cluster else "")
            + f'<td class="num">{_conf(rec.get("confidence"))}</td>'
            f'<td class="lines">{_line_links(_str(rec.get("lines")))}</td></tr>'
        )
    options = "".join(f'<option value="{_e(t)}">{_e(names.get(t, (t, t))[0])}</option>'
                      for t in sorted(themes_all, key=lambda t: names.get(t, (t, t))[0]))
    controls = (
        '<div class="controls">'
        '<label>الموضوع · Theme <select id="theme-filter"><option value="">الكل · all</option>'
        f"{options}</select></label>"
        '<label>بحث · Search <input id="text-filter" type="search" dir="rtl"></label>'
        f'<span id="rec-count" class="meta">{len(rows)} / {len(rows)}</span></div>'
    )
    if not has_themes:
        controls += '<p class="hint">No themes: the analysis stage did not run for this report.</p>'
    header = (
        "<tr><th>البند · label</th><th>الفقرة · para.</th><th>النص · text</th>"
        + ("<th>المواضيع · themes</th>" if has_themes else "")
        + ("<th>المجموعة · cluster</th>" if has_cluster else "")
        + "<th>الثقة · conf.</th><th>الأسطر · lines</th></tr>"
    )
    return (head + controls + f'<table id="rec-table" class="data"><thead>{header}</thead><tbody>'
            + "".join(rows) + "</tbody></table></section>")


def _analysis_section(frames: dict, figures: list[tuple[str, str]], doc) -> str:
    parts = []
    if figures:
        figs = "".join(
            f'<figure><img alt="{_e(name)}" src="{uri}"><figcaption>{_e(name)}</figcaption></figure>'
            for name, uri in figures
        )
        parts.append(f'<h3>الأشكال · Figures</h3><div class="figures">{figs}</div>')
    if _has_rows(frames, "similar_pairs"):
        parts.append(_similar_pairs(frames["similar_pairs"], doc))
    if _has_rows(frames, "topics"):
        parts.append("<h3>المواضيع · Topics</h3>" + _generic_table(frames["topics"]))
    if not parts:
        return ""
    return '<section id="analysis"><h2>التحليل · Analysis</h2>' + "".join(parts) + "</section>"


def _similar_pairs(df: pd.DataFrame, doc) -> str:
    texts = {u.uid: u.text for u in doc.units}
    id_cols = [c for c in df.columns if df[c].astype("string").isin(list(texts)).any()][:2]
    num_cols = [c for c in df.columns if c not in id_cols and pd.api.types.is_float_dtype(df[c])]
    if len(id_cols) < 2:
        return "<h3>أزواج متشابهة · Similar pairs</h3>" + _generic_table(df)
    a, b = id_cols
    score = num_cols[0] if num_cols else None
    rows = df.sort_values(score, ascending=False) if score else df
    out = []
    for rec in rows.head(MAX_TABLE_ROWS).to_dict(orient="records"):
        ia, ib = _str(rec.get(a)), _str(rec.get(b))
        out.append(
            "<tr>"
            + (f'<td class="num">{_fmt_score(rec.get(score))}</td>' if score else "")
            + f'<td><a href="#{_e(unit_anchor(ia))}"><bdi dir="ltr">{_e(short_id(ia))}</bdi></a>'
            f'<div class="txt">{_e(_clip(texts.get(ia, "")))}</div></td>'
            f'<td><a href="#{_e(unit_anchor(ib))}"><bdi dir="ltr">{_e(short_id(ib))}</bdi></a>'
            f'<div class="txt">{_e(_clip(texts.get(ib, "")))}</div></td></tr>'
        )
    head = ("<tr>" + (f"<th>{_e(score)}</th>" if score else "") + "<th>أ · A</th><th>ب · B</th></tr>")
    more = f'<p class="meta">{len(df)} pairs; the first {MAX_TABLE_ROWS} are shown.</p>' if len(df) > MAX_TABLE_ROWS else ""
    return (f"<h3>أزواج متشابهة · Similar pairs</h3>{more}<table class=\"data pairs\"><thead>{head}</thead>"
            f"<tbody>{''.join(out)}</tbody></table>")


def _units(doc, repairs: dict, analysis: dict, names: dict[str, tuple[str, str]]) -> str:
    out = ['<section id="text"><h2>النص · Text (raw and repaired, unit by unit)</h2>']
    owner = doc.unit_of_line()
    seen: set[int] = set()
    for unit in doc.units:
        rows = []
        for n in unit.lines:
            if n in seen or not 1 <= n <= len(doc.lines):
                continue
            seen.add(n)
            rows.append(_line_row(doc, n, repairs.get(n)))
        extra = _unit_extra(analysis.get(unit.uid, {}), names)
        label = KIND_NAMES.get(unit.kind, unit.kind)
        tag = unit.label if unit.kind == "recommendation" else unit.number
        tag_html = f' <span class="tag">{_e(tag)}</span>' if tag not in (None, "") else ""
        lo, hi = unit.line_range
        out.append(
            f'<article class="unit k-{_e(unit.kind)}" id="{_e(unit_anchor(unit.uid))}">'
            f'<h3><span class="kind">{_e(label)}</span>{tag_html} '
            f'<a class="uid" href="#{_e(unit_anchor(unit.uid))}"><bdi dir="ltr">{_e(short_id(unit.uid))}</bdi></a> '
            f'<span class="meta">lines <a href="#L{lo}">{lo}</a>–<a href="#L{hi}">{hi}</a></span></h3>{extra}'
            f'<table class="lines"><thead><tr><th>#</th><th>المستخرج · raw</th><th>المصلح · repaired</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></article>'
        )
    rest = [line.lineno for line in doc.lines if line.lineno not in owner and line.raw.strip()]
    if rest:
        rows = "".join(_line_row(doc, n, repairs.get(n)) for n in rest)
        out.append(
            f'<details class="unit" id="other-lines"><summary>أسطر خارج الوحدات · {len(rest)} lines outside units'
            f'</summary><table class="lines"><tbody>{rows}</tbody></table></details>'
        )
    out.append("</section>")
    return "\n".join(out)


def _line_row(doc, n: int, repair) -> str:
    raw = doc.line(n).raw
    repaired = doc.text_of_line(n)
    verdict = doc.line_verdicts.get(n, getattr(repair, "verdict", "clean"))
    words = list(getattr(repair, "words", []) or [])
    other = getattr(repair, "order_alternative", None)
    # a line whose order the repair chose by a narrow margin: the runner-up order, for the reader to judge,
    # with the unit marker the chosen line got written back (`1- `, `(أ) `)
    chosen = getattr(repair, "text", "")
    if other and chosen and repaired != chosen and repaired.endswith(chosen):
        other = repaired[: -len(chosen)] + other
    alt = (
        f'<div class="alt-order" title="lead of the chosen order: {repair.order_margin:.2f}">'
        f"ترتيب آخر محتمل · other possible order: {_e(other)}</div>"
        if other else ""
    )
    return (
        f'<tr id="L{n}" class="v-{_e(verdict)}"><td class="ln"><a href="#L{n}" title="{_e(VERDICT_NAMES.get(verdict, verdict))}">{n}</a></td>'
        f'<td class="raw">{_e(raw.strip())}</td><td class="rep">{highlight(repaired, words)}{alt}</td></tr>'
    )


def _unit_extra(info: dict, names: dict[str, tuple[str, str]]) -> str:
    bits = []
    themes = [str(t) for t in _json_list(info.get("themes"))]
    scores = _json_obj(info.get("theme_scores"))
    if themes:
        bits.append("المواضيع · themes: " + "".join(_theme_badge(t, names, scores.get(t)) for t in themes))
    cluster = _str(info.get("cluster"))
    if cluster:
        bits.append(f"المجموعة · cluster: <b>{_e(cluster)}</b>")
    neigh = []
    for item in _json_list(info.get("neighbours"))[:5]:
        uid, sim = (item[0], item[1]) if isinstance(item, list | tuple) and len(item) >= 2 else (item, None)
        sim_txt = f" ({_fmt_score(sim)})" if sim is not None else ""
        neigh.append(f'<a href="#{_e(unit_anchor(str(uid)))}"><bdi dir="ltr">{_e(short_id(str(uid)))}</bdi></a>{sim_txt}')
    if neigh:
        bits.append("الأقرب · similar: " + " · ".join(neigh))
    return f'<p class="unit-meta">{" | ".join(bits)}</p>' if bits else ""


# --- highlighting ------------------------------------------------------------------------------------


def highlight(text: str, words: Sequence[Any]) -> str:
    """Escape `text`, marking the decoder's changed and low-confidence words found in it, in order.

    >>> from types import SimpleNamespace as W
    >>> highlight("a <b> c", [W(garbled="x", text="<b>", confidence=0.9, alternatives=[], known=True)])
    'a <mark class="chg" title="raw: x · confidence 0.90">&lt;b&gt;</mark> c'
    >>> highlight("same", [W(garbled="same", text="same", confidence=1.0, alternatives=[], known=True)])
    'same'
    """
    out: list[str] = []
    pos = 0
    for w in words:
        changed = w.garbled != w.text
        low = w.confidence < LOW_CONFIDENCE or not w.known
        if not (changed or low) or not w.text:
            continue
        at = text.find(w.text, pos)
        if at < 0:
            continue
        classes = ["chg"] + (["low"] if w.confidence < LOW_CONFIDENCE else []) + ([] if w.known else ["unk"])
        tip = [f"raw: {w.garbled}", f"confidence {w.confidence:.2f}"]
        if not w.known:
            tip.append("not in the lexicon")
        alts = _unique(a for a, _ in (w.alternatives or []) if a != w.text)[:5]
        if alts:
            tip.append("alternatives: " + "، ".join(alts))
        out.append(_e(text[pos:at]))
        out.append(f'<mark class="{" ".join(classes)}" title="{_e(" · ".join(tip))}">{_e(w.text)}</mark>')
        pos = at + len(w.text)
    out.append(_e(text[pos:]))
    return "".join(out)


# --- figures and font -----------------------------------------------------------------------------


def _figures(folder: Path) -> Iterable[tuple[str, str]]:
    """(caption, data URI) for each figure in `folder`, a PNG preferred over an SVG of the same name.

    PNG first: matplotlib's SVGs of pre-shaped Arabic labels come out reversed and unjoined in browsers.
    """
    if not folder.is_dir():
        return
    by_stem: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() in FIGURE_SUFFIXES and p.is_file():
            best = by_stem.get(p.stem)
            if best is None or p.suffix.lower() == ".png":
                by_stem[p.stem] = p
    for stem, p in sorted(by_stem.items()):
        try:
            data = p.read_bytes()
        except OSError:
            continue
        if not data:
            continue
        mime = "image/svg+xml" if p.suffix.lower() == ".svg" else "image/png"
        yield stem.replace("_", " ").replace("-", " "), f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def amiri_font_face(chars: Iterable[str]) -> str:
    """`@font-face` rules embedding Amiri (regular and bold) subset to `chars`; '' if unavailable."""
    return _font_face(frozenset(chars))


@functools.lru_cache(maxsize=8)
def _font_face(chars: frozenset[str]) -> str:
    try:
        import fontpkg_amiri
        from fontTools import subset
        from fontTools.ttLib import TTFont
    except ImportError:
        return ""
    rules = []
    for weight, name in (("normal", "Amiri-Regular.ttf"), ("bold", "Amiri-Bold.ttf")):
        path = Path(fontpkg_amiri.ROOT) / "files" / name
        if not path.exists():
            continue
        try:
            font = TTFont(path)
            opts = subset.Options()
            opts.layout_features = ["*"]
            opts.name_IDs = ["*"]
            opts.hinting = False
            opts.flavor = "woff"
            sub = subset.Subsetter(opts)
            sub.populate(unicodes=sorted(ord(c) for c in chars))
            sub.subset(font)
            font.flavor = "woff"
            font.recalcTimestamp = False  # the font's own date, not the run's: a report is the same bytes each run
            buf = io.BytesIO()
            font.save(buf)
        except Exception:  # a broken font file must not cost the report
            continue
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        rules.append(f'@font-face{{font-family:"Amiri";font-weight:{weight};font-style:normal;'
                     f'src:url(data:font/woff;base64,{data}) format("woff");}}\n')
    return "".join(rules)


def _visible_chars(doc, frames: dict) -> set[str]:
    chars: set[str] = set(_UI_CHARS)
    for line in doc.lines:
        chars.update(line.raw)
    for text in doc.repaired.values():
        chars.update(text)
    for unit in doc.units:
        chars.update(unit.text)
    for name, df in frames.items():
        if name == "lines" or df is None or df.empty:
            continue
        for col in ("themes", "text", "label"):
            if col in df.columns:
                for v in df[col].dropna().astype(str).head(5000):
                    chars.update(v)
    return {c for c in chars if c.isprintable() or c == " "}


# --- small helpers --------------------------------------------------------------------------------


def unit_anchor(uid: str) -> str:
    """An HTML id for a unit id (`SYMBOL#para-1` -> `u-para-1`).

    >>> unit_anchor("UNODC/CCPCJ/EG.4/2020/2#rec-13-bb")
    'u-rec-13-bb'
    """
    tail = uid.rsplit("#", 1)[-1]
    return "u-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in tail)


def short_id(uid: str) -> str:
    return uid.rsplit("#", 1)[-1]


def _doc_title(doc) -> str:
    for kind in ("title", "heading"):
        for u in doc.units:
            if u.kind == kind and (u.text or u.raw_text).strip():
                return (u.text or u.raw_text).strip()
    return doc.symbol or "egm-text"


def theme_names(doc) -> dict[str, tuple[str, str]]:
    """Theme id -> (Arabic name, English name) from the taxonomy the analysis used; {} without it."""
    analysis = getattr(doc, "analysis", None)
    try:
        from egm_text.analyze import load_taxonomy

        source = (getattr(analysis, "metrics", None) or {}).get("taxonomy_source")
        tax = load_taxonomy(source if source and Path(source).is_file() else None)
        return {t.id: (t.name_ar, t.name_en) for t in tax.themes}
    except Exception:  # no analysis module, or a taxonomy that no longer loads: show the ids
        return {}


def _theme_badge(theme: str, names: dict[str, tuple[str, str]], score: Any = None) -> str:
    ar, en = names.get(theme, (theme, theme))
    tip = f"{en} ({theme})" + (f" · score {_fmt_score(score)}" if score is not None else "")
    return f'<span class="theme" title="{_e(tip)}">{_e(ar)}</span>'


def _analysis_ran(doc, frames: dict) -> bool:
    """Whether this run's analysis stage ran (else a figures/ folder would be left over from another run)."""
    if getattr(doc, "analysis", None) is not None or "topics" in frames or "similar_pairs" in frames:
        return True
    return any(isinstance(df, pd.DataFrame) and "themes" in df.columns for df in frames.values())


def _analysis_by_unit(frames: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for name in ("paragraphs", "recommendations"):
        df = frames.get(name)
        if df is None or df.empty or "id" not in df.columns:
            continue
        cols = [c for c in ("themes", "theme_scores", "cluster", "neighbours", "topic") if c in df.columns]
        if not cols:
            continue
        for rec in df[["id", *cols]].to_dict(orient="records"):
            out[_str(rec["id"])] = rec
    return out


def _generic_table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    rows = []
    for rec in df.head(MAX_TABLE_ROWS).to_dict(orient="records"):
        cells = []
        for v in rec.values():
            if isinstance(v, float):
                cells.append(f'<td class="num">{_fmt_score(v)}</td>')
            else:
                cells.append(f'<td>{_e(_clip(_str(v), 300))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _line_links(lines: str) -> str:
    nums = [s for s in lines.split(",") if s.strip().isdigit()]
    return " ".join(f'<a href="#L{n}">{n}</a>' for n in nums)


def _has_rows(frames: dict, name: str) -> bool:
    df = frames.get(name)
    return isinstance(df, pd.DataFrame) and not df.empty


def _str(v: Any) -> str:
    if v is None or v is pd.NA:
        return ""
    if isinstance(v, float) and math.isnan(v):
        return ""
    if isinstance(v, list | tuple | dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _json_list(v: Any) -> list:
    if isinstance(v, list | tuple):
        return list(v)
    if hasattr(v, "tolist") and not isinstance(v, str):
        return list(v.tolist())
    s = _str(v)
    if not s:
        return []
    try:
        parsed = json.loads(s)
    except ValueError:
        return [p.strip() for p in s.split(";") if p.strip()]
    return parsed if isinstance(parsed, list) else [parsed]


def _json_obj(v: Any) -> dict:
    if isinstance(v, dict):
        return v
    s = _str(v)
    try:
        parsed = json.loads(s) if s else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _fmt_score(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return _str(v)
    return "" if math.isnan(f) else f"{f:.3f}"


def _conf(v: Any) -> str:
    s = _fmt_score(v)
    return s[:4] if s else ""


def _num(v: Any) -> str:
    return _e(f"{v:,}" if isinstance(v, int) else _str(v))


def _clip(s: str, n: int = 240) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for it in items:
        if it not in seen:
            seen.append(it)
    return seen


def _e(v: Any) -> str:
    return html.escape(_str(v), quote=True)


_UI_CHARS = "".join(KIND_NAMES.values()) + "".join(VERDICT_NAMES.values()) + (
    "نظرة عامة التوصيات التحليل النص الفقرات الحواشي العناوين الأسطر كلمات مصلحة منخفضة الثقة أحكام "
    "البند الفقرة المواضيع المجموعة بحث الموضوع الكل الأشكال أزواج متشابهة أ ب المستخرج المصلح الأقرب "
    "أسطر خارج الوحدات كلمة 0123456789٠١٢٣٤٥٦٧٨٩،؛؟()[]-–—/.:%·…|#"
)

_PAGE = """<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="generator" content="egm-text">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
{body}
<script>
{js}
</script>
</body>
</html>
"""

_CSS = """
:root{--ink:#1d2430;--muted:#5b6575;--line:#d9dee7;--bg:#fbfaf7;--chg:#fff4c2;--low:#ffc9c2;--unk:#e7d4ff;
--clean:#9bd3a8;--repaired:#8ab6e8;--uncertain:#f2b35e;--accent:#0b5cad}
*{box-sizing:border-box}
html{font-family:""" + FONT_STACK + """;font-size:17px;line-height:1.7;color:var(--ink);background:var(--bg)}
body{margin:0 auto;max-width:1300px;padding:0 1.2rem 4rem}
h1{font-size:1.6rem;margin:.2rem 0 .4rem;line-height:1.5}
h2{font-size:1.35rem;border-bottom:2px solid var(--line);padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,bdi[dir=ltr]{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.82em}
header.top{padding:1.2rem 0 .6rem;border-bottom:1px solid var(--line)}
.symbol{margin:0;color:var(--muted)}.meta{color:var(--muted);font-size:.85rem}
nav.toc{position:sticky;top:0;z-index:5;background:var(--bg);padding:.5rem 0;border-bottom:1px solid var(--line);
display:flex;gap:1.2rem;flex-wrap:wrap}
.cards{display:flex;flex-wrap:wrap;gap:.7rem}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.5rem .9rem;min-width:9rem;display:flex;flex-direction:column}
.card .n{font-size:1.5rem;font-weight:bold;font-family:system-ui,sans-serif}.card .l{color:var(--muted);font-size:.85rem}
.bar{display:flex;height:1.1rem;border-radius:4px;overflow:hidden;border:1px solid var(--line);max-width:40rem}
.seg{display:block;height:100%}.v-clean.seg,.sw.v-clean{background:var(--clean)}
.v-repaired.seg,.sw.v-repaired{background:var(--repaired)}.v-uncertain.seg,.sw.v-uncertain{background:var(--uncertain)}
.legend{list-style:none;padding:0;display:flex;gap:1.2rem;flex-wrap:wrap;font-size:.9rem}
.sw{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;margin-inline-end:.3rem;vertical-align:middle}
.hint{font-size:.9rem;color:var(--muted)}
mark.chg{background:var(--chg);border-radius:3px;padding:0 .1em;cursor:help}
mark.low{background:var(--low);border-bottom:2px dotted #b3261e}mark.unk{background:var(--unk)}
table{border-collapse:collapse;width:100%}
table.data th,table.data td,table.lines td,table.lines th{border-bottom:1px solid var(--line);padding:.25rem .45rem;
vertical-align:top;text-align:start}
table.data th,table.lines th{background:#eef1f6;font-size:.85rem;position:sticky;top:2.6rem}
table.data td.num,td.num{font-family:system-ui,sans-serif;font-size:.85rem;white-space:nowrap}
td.lab{white-space:nowrap;font-weight:bold}td.lines{font-size:.8rem;font-family:system-ui,sans-serif}
td.txt,div.txt{font-size:.95rem}
.theme{display:inline-block;background:#e3eefb;border:1px solid #bcd3ef;border-radius:10px;padding:0 .5em;margin:0 .15em .15em 0;
font-size:.8rem;white-space:nowrap}
.none{color:var(--muted)}
.controls{display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap;margin:.5rem 0}
.controls select,.controls input{font:inherit;font-size:.95rem;padding:.1rem .3rem}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1rem}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:.5rem}
figure img{width:100%;height:auto}figcaption{color:var(--muted);font-size:.85rem;text-align:center}
article.unit,details.unit{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.3rem .8rem .6rem;margin:.8rem 0}
article.unit h3{margin:.4rem 0;font-size:1rem}
.kind{color:var(--muted);font-weight:normal}.tag{font-weight:bold}.uid{margin-inline-start:.6rem}
.k-title h3 .kind,.k-heading h3 .kind{color:var(--accent)}
.unit-meta{font-size:.85rem;margin:.2rem 0}
table.lines{table-layout:fixed}table.lines td.ln{width:3.2rem;font-family:system-ui,sans-serif;font-size:.8rem}
table.lines th:first-child{width:3.2rem}
table.lines td.raw{color:#6a5d4d;font-size:.92rem;width:46%}
table.lines tr.v-uncertain td.ln{border-inline-start:4px solid var(--uncertain)}
table.lines tr.v-repaired td.ln{border-inline-start:4px solid var(--repaired)}
table.lines tr.v-clean td.ln{border-inline-start:4px solid var(--clean)}
.alt-order{color:var(--muted);font-size:.82rem;margin-top:.2rem}
tr:target td{background:#fff7d6}article:target{outline:3px solid var(--accent)}
.empty{color:var(--muted)}
section[id],article.unit,details.unit{scroll-margin-top:3.2rem}tr[id]{scroll-margin-top:5.6rem}
@media (max-width:800px){table.lines td.raw{display:none}}
@media print{nav.toc{display:none}table.data th,table.lines th{position:static}}
"""

_JS = """
(function () {
  "use strict";
  var table = document.getElementById("rec-table");
  if (!table) { return; }
  var theme = document.getElementById("theme-filter");
  var search = document.getElementById("text-filter");
  var count = document.getElementById("rec-count");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  function apply() {
    var t = theme ? theme.value : "";
    var q = search ? search.value.trim() : "";
    var shown = 0;
    rows.forEach(function (row) {
      var themes = [];
      try { themes = JSON.parse(row.getAttribute("data-themes") || "[]"); } catch (e) { themes = []; }
      var ok = (!t || themes.indexOf(t) >= 0) && (!q || row.textContent.indexOf(q) >= 0);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (count) { count.textContent = shown + " / " + rows.length; }
  }
  if (theme) { theme.addEventListener("change", apply); }
  if (search) { search.addEventListener("input", apply); }
  apply();
})();
"""
