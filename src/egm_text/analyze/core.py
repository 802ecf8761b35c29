"""analyze_units: themes, topics, similarity, clusters and figures for paragraphs and recommendations."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from egm_text.analyze import similarity as sim
from egm_text.analyze.normalize import CorpusStemmer, tokenize_pairs
from egm_text.analyze.stopwords import is_stop
from egm_text.analyze.tagger import tag_tokens
from egm_text.analyze.taxonomy import Taxonomy, load_taxonomy
from egm_text.analyze.topics import fit_topics

ANALYSED_KINDS = ("paragraph", "recommendation", "footnote")
INPUT_COLUMNS = ["id", "kind", "section", "parent", "label", "text"]
UNIT_COLUMNS = ["id", "kind", "section", "themes", "theme_scores", "theme_evidence", "topic", "topic_weights",
                "cluster", "neighbours"]


@dataclass
class AnalysisResult:
    """Per-unit results and the tables, metrics and figures of one analysis run."""

    units: pd.DataFrame
    topics: pd.DataFrame
    similar_pairs: pd.DataFrame
    metrics: dict = field(default_factory=dict)
    figures: dict[str, list[Path]] = field(default_factory=dict)


def _prepare(units: pd.DataFrame) -> pd.DataFrame:
    if units is None:
        units = pd.DataFrame(columns=INPUT_COLUMNS)
    df = pd.DataFrame(units).copy()
    for col in INPUT_COLUMNS:
        if col not in df.columns:
            df[col] = None
    df["id"] = df["id"].astype(str)
    df["kind"] = df["kind"].fillna("paragraph").astype(str)
    df["text"] = df["text"].fillna("").astype(str)
    df = df[df["kind"].isin(ANALYSED_KINDS)].drop_duplicates("id").reset_index(drop=True)
    return df


def _empty_result(tax: Taxonomy, seed: int) -> AnalysisResult:
    return AnalysisResult(
        units=pd.DataFrame(columns=UNIT_COLUMNS),
        topics=pd.DataFrame(columns=["topic", "top_terms_ar", "size", "lda_top_terms_ar"]),
        similar_pairs=pd.DataFrame(columns=["id_a", "id_b", "similarity", "near_duplicate", "shared_run"]),
        metrics={"n_units": 0, "n_topics": 0, "taxonomy_version": tax.version, "seed": seed,
                 "topic_selection_criterion": "no units", "silhouette": None, "ari_min": 1.0,
                 "cluster_threshold": sim.CLUSTER_SIMILARITY},
    )


def analyze_units(units: pd.DataFrame, *, taxonomy: str | Path | None = None, seed: int = 0,
                  out_dir: Path | None = None) -> AnalysisResult:
    """Tag themes, fit topics, measure similarity and cluster the paragraphs, recommendations and footnotes.

    `units` has columns id, kind, section, parent, label, text. Other kinds (headings, titles) are skipped.
    With `out_dir`, figures are written there as PNG and SVG.
    """
    t0 = time.perf_counter()
    tax = load_taxonomy(taxonomy)
    df = _prepare(units)
    if df.empty:
        return _empty_result(tax, seed)
    n = len(df)
    ids = df["id"].tolist()

    # tokens: (surface, normalised); light stems chosen with the corpus; content stems without stop words
    pairs = [tokenize_pairs(t) for t in df["text"]]
    norm_docs = [[p[1] for p in d] for d in pairs]
    stemmer = CorpusStemmer(norm_docs)
    content: list[list[str]] = []
    surface_of: dict[str, Counter] = {}
    for d in pairs:
        keep = []
        for surf, norm in d:
            st = stemmer(norm)
            if is_stop(norm, st) or len(st) < 2:
                continue
            keep.append(st)
            surface_of.setdefault(st, Counter())[surf] += 1
        content.append(keep)
    char_docs = [" ".join(w for w in d if not w.isdigit()) for d in norm_docs]
    t_tok = time.perf_counter()

    # themes
    tags = [tag_tokens(d, tax) for d in norm_docs]
    t_tag = time.perf_counter()

    # topics: TF-IDF of content stems (min_df 2 and max_df 0.6 once there are enough units)
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    big = n >= 10
    cv = CountVectorizer(analyzer=sim._identity, min_df=2 if big else 1, max_df=0.6 if big else 1.0)
    try:
        counts = cv.fit_transform(content)
        vocab = cv.get_feature_names_out()
    except ValueError:  # empty vocabulary
        counts, vocab = None, np.array([])
    X_topic = TfidfTransformer(sublinear_tf=True).fit_transform(counts) if counts is not None else None
    if X_topic is not None:
        tm = fit_topics(X_topic, counts, seed=seed)
    else:
        from egm_text.analyze.topics import TopicModel

        tm = TopicModel(0, np.zeros((n, 0)), [], criterion="no vocabulary: no topics")
    t_topic = time.perf_counter()

    def label(stem_: str) -> str:
        c = surface_of.get(stem_)
        return c.most_common(1)[0][0] if c else stem_

    has_topic = tm.doc_topic.sum(axis=1) > 0 if tm.n_topics else np.zeros(n, dtype=bool)
    dominant = np.where(has_topic, tm.doc_topic.argmax(axis=1) if tm.n_topics else -1, -1)
    topics = pd.DataFrame(
        {
            "topic": list(range(tm.n_topics)),
            "top_terms_ar": [[label(vocab[i]) for i in top] for top in tm.top_terms],
            "size": [int((dominant == k).sum()) for k in range(tm.n_topics)],
            "lda_top_terms_ar": [[label(vocab[i]) for i in top] for top in tm.lda_top_terms]
            if tm.lda_top_terms else [[] for _ in range(tm.n_topics)],
        },
        columns=["topic", "top_terms_ar", "size", "lda_top_terms_ar"],
    )

    # similarity, clusters, near-duplicates
    X = sim.features(content, char_docs)
    S = sim.similarity_matrix(X, n)
    clusters = sim.cluster(S)
    aris = sim.cluster_stability(S, clusters, seed)
    sil = sim.silhouette(S, clusters)
    stem_docs = [[stemmer(w) for w in d] for d in norm_docs]
    runs = sim.shared_runs(stem_docs)
    lengths = [len(d) for d in stem_docs]
    rows = []
    iu = np.triu_indices(n, k=1)
    for a, b in zip(*iu, strict=True):
        s = float(S[a, b])
        run = runs.get((int(a), int(b)), 0)
        near = sim.is_near_duplicate(s, run, min(lengths[a], lengths[b]))
        if s >= sim.PAIR_MIN_SIMILARITY or near:
            rows.append({"id_a": ids[a], "id_b": ids[b], "similarity": round(s, 4), "near_duplicate": bool(near),
                         "shared_run": int(run)})
    pairs_df = pd.DataFrame(rows, columns=["id_a", "id_b", "similarity", "near_duplicate", "shared_run"])
    if not pairs_df.empty:
        pairs_df = pairs_df.sort_values(["near_duplicate", "similarity"], ascending=[False, False],
                                        kind="stable").reset_index(drop=True)
    nbrs = sim.neighbours(S, ids)
    t_sim = time.perf_counter()

    out = pd.DataFrame(
        {
            "id": ids,
            "kind": df["kind"].tolist(),
            "section": df["section"].tolist(),
            "themes": [t.themes for t in tags],
            "theme_scores": [t.scores for t in tags],
            "theme_evidence": [t.evidence for t in tags],
            "topic": [int(x) for x in dominant],
            "topic_weights": [[round(float(w), 4) for w in row] for row in tm.doc_topic],
            "cluster": [int(c) for c in clusters],
            "neighbours": nbrs,
        },
        columns=UNIT_COLUMNS,
    )

    theme_counts = Counter(t for ts in out["themes"] for t in ts)
    metrics = {
        "n_units": n,
        "n_by_kind": {k: int(v) for k, v in df["kind"].value_counts().items()},
        "taxonomy_version": tax.version,
        "taxonomy_source": tax.source,
        "seed": seed,
        "theme_counts": {t: theme_counts.get(t, 0) for t in tax.ids},
        "units_without_theme": int(sum(1 for ts in out["themes"] if not ts)),
        "n_topics": tm.n_topics,
        "topic_selection_criterion": tm.criterion,
        "topic_stability": tm.stability,
        "lda_nmf_ari": tm.lda_nmf_ari,
        "lda_perplexity": tm.lda_perplexity,
        "vocabulary_size": int(len(vocab)),
        "cluster_method": f"agglomerative, {sim.CLUSTER_LINKAGE} linkage on 1 - cosine",
        "cluster_threshold": sim.CLUSTER_SIMILARITY,
        "n_clusters": int(len(set(clusters.tolist()))),
        "silhouette": sil,
        "ari_seeds": aris,
        "ari_min": min(aris) if aris else 1.0,
        "near_duplicate_rule": sim.NEAR_DUP_RULE,
        "n_near_duplicate_pairs": int(pairs_df["near_duplicate"].sum()) if not pairs_df.empty else 0,
        "n_similar_pairs": int(len(pairs_df)),
    }

    figures: dict[str, list[Path]] = {}
    if out_dir is not None:
        from egm_text.analyze import figures as fig

        out_dir = Path(out_dir)
        names = {t.id: t.name_ar for t in tax.themes}
        figures["theme_counts_by_section"] = fig.theme_counts(
            out["themes"].tolist(), [s if isinstance(s, str) else None for s in df["section"]], names, out_dir)
        figures["similarity_heatmap"] = fig.similarity_heatmap(S, ids, clusters, out_dir)
        figures["unit_map"] = fig.unit_map(_coords(X, n), out["kind"].tolist(),
                                           [max(t.scores, key=t.scores.get) if t.themes else None for t in tags],
                                           names, out_dir)
    t_end = time.perf_counter()
    metrics["seconds"] = {"tokens": round(t_tok - t0, 3), "themes": round(t_tag - t_tok, 3),
                          "topics": round(t_topic - t_tag, 3), "similarity": round(t_sim - t_topic, 3),
                          "figures": round(t_end - t_sim, 3), "total": round(t_end - t0, 3)}
    return AnalysisResult(units=out, topics=topics, similar_pairs=pairs_df, metrics=metrics, figures=figures)


def _coords(X, n: int) -> np.ndarray:
    """2-D coordinates of the units: TruncatedSVD of the similarity features (zeros when degenerate)."""
    if X is None or n < 3 or X.shape[1] < 3:
        return np.zeros((n, 2)) if n else np.zeros((0, 2))
    from sklearn.decomposition import TruncatedSVD

    c = TruncatedSVD(n_components=2, random_state=0, algorithm="arpack").fit_transform(X)
    # fix the sign of each axis so the map does not flip between runs
    for j in range(2):
        if c[np.argmax(np.abs(c[:, j])), j] < 0:
            c[:, j] = -c[:, j]
    return c
