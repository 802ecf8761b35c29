"""Figures (PNG and SVG, matplotlib Agg): theme counts per section, similarity heatmap, 2-D unit map.

Arabic labels are shaped with arabic_reshaper and put in visual order with python-bidi, and drawn in
DejaVu Sans (which has the Arabic presentation forms). SVG text is written as paths, so the shaping
does not depend on the viewer's fonts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

_FONT = ["DejaVu Sans"]


def ar(text: str) -> str:
    """Arabic text ready for matplotlib: letters shaped (joined) and runs reordered right-to-left."""
    if not text:
        return ""
    try:
        import arabic_reshaper
    except ImportError:  # pragma: no cover - a declared dependency
        return text
    try:
        from bidi import get_display
    except ImportError:  # python-bidi < 0.5
        from bidi.algorithm import get_display
    return get_display(arabic_reshaper.reshape(text))


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = _FONT
    plt.rcParams["svg.fonttype"] = "path"
    plt.rcParams["svg.hashsalt"] = "egm-text"  # the same ids in every run: the same document, the same bytes
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def _save(fig, out_dir: Path, name: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in ("png", "svg"):
        p = out_dir / f"{name}.{ext}"
        # no creation date in an SVG (a PNG has none): a figure changes only when what it shows does
        fig.savefig(p, dpi=110 if ext == "png" else None, metadata={"Date": None} if ext == "svg" else None)
        paths.append(p)
    return paths


def theme_counts(themes_per_unit: list[list[str]], sections: list[str | None], theme_names: dict[str, str],
                 out_dir: Path) -> list[Path]:
    """Horizontal stacked bars: units tagged with each theme, split by section."""
    plt = _plt()
    secs = sorted({s or "—" for s in sections}, key=lambda s: ([x or "—" for x in sections].index(s)))
    ids = list(theme_names)
    counts = np.zeros((len(ids), len(secs)), dtype=int)
    for themes, sec in zip(themes_per_unit, sections, strict=True):
        for t in themes:
            if t in ids:
                counts[ids.index(t), secs.index(sec or "—")] += 1
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(ids) + 1.8))
    left = np.zeros(len(ids))
    cmap = plt.get_cmap("tab10")
    y = np.arange(len(ids))
    for j, sec in enumerate(secs):
        ax.barh(y, counts[:, j], left=left, color=cmap(j % 10), label=ar(sec))
        left += counts[:, j]
    ax.set_yticks(y, [ar(theme_names[t]) for t in ids])
    ax.invert_yaxis()
    ax.set_xlabel(ar("عدد الوحدات") + " (units)")
    ax.set_title(ar("الموضوعات حسب الفرع") + " — themes per section")
    if len(secs) > 1:
        ax.legend(title=ar("الفرع"), loc="lower right", fontsize=8)
    fig.tight_layout()
    paths = _save(fig, out_dir, "theme_counts_by_section")
    plt.close(fig)
    return paths


def similarity_heatmap(S: np.ndarray, ids: list[str], clusters: np.ndarray, out_dir: Path) -> list[Path]:
    """Cosine similarity of all units, ordered by cluster (then document order)."""
    plt = _plt()
    n = len(ids)
    order = np.lexsort((np.arange(n), clusters)) if n else np.arange(0)
    size = min(10, 4 + 0.04 * n)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    im = ax.imshow(S[np.ix_(order, order)] if n else np.zeros((1, 1)), cmap="viridis", vmin=0, vmax=1,
                   interpolation="nearest")
    step = max(1, -(-n // 30))
    short = [ids[i].split("#")[-1] for i in order]
    ax.set_xticks(range(0, n, step), short[::step], rotation=90, fontsize=6)
    ax.set_yticks(range(0, n, step), short[::step], fontsize=6)
    bounds = [k for k in range(1, n) if clusters[order[k]] != clusters[order[k - 1]]]
    if bounds:  # one artist per direction
        edges = np.array(bounds) - 0.5
        ax.hlines(edges, -0.5, n - 0.5, colors="white", lw=0.3)
        ax.vlines(edges, -0.5, n - 0.5, colors="white", lw=0.3)
    ax.set_title(ar("التشابه بين الوحدات") + " — TF-IDF cosine similarity (ordered by cluster)")
    fig.colorbar(im, ax=ax, fraction=0.04)
    fig.tight_layout()
    paths = _save(fig, out_dir, "similarity_heatmap")
    plt.close(fig)
    return paths


def unit_map(coords: np.ndarray, kinds: list[str], main_theme: list[str | None], theme_names: dict[str, str],
             out_dir: Path) -> list[Path]:
    """2-D map of the units (TruncatedSVD of TF-IDF), coloured by main theme; triangles are recommendations."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 7))
    cmap = plt.get_cmap("tab20")
    present = [t for t in theme_names if t in set(main_theme)]
    for i, t in enumerate(present + [None]):
        idx = [k for k, m in enumerate(main_theme) if m == t]
        if not idx:
            continue
        color = cmap(i % 20) if t else (0.6, 0.6, 0.6, 1.0)
        label = ar(theme_names[t]) if t else ar("بلا موضوع") + " (none)"
        for kind, marker in (("recommendation", "^"), ("paragraph", "o"), ("footnote", "s")):
            sub = [k for k in idx if kinds[k] == kind]
            if sub:
                ax.scatter(coords[sub, 0], coords[sub, 1], color=color, marker=marker, s=36, alpha=0.85,
                           edgecolors="white", linewidths=0.4, label=label)
                label = None
    ax.set_xlabel("SVD 1")
    ax.set_ylabel("SVD 2")
    ax.set_title(ar("خريطة الوحدات حسب الموضوع الرئيسي") + " — units by main theme (▲ recommendation, ● paragraph)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    paths = _save(fig, out_dir, "unit_map")
    plt.close(fig)
    return paths
