"""Unsupervised topics: NMF over TF-IDF of normalised, stop-word-filtered stems, with LDA for comparison.

The number of topics is chosen by stability across seeds (Greene, O'Callaghan and Cunningham 2014):
for each candidate k, NMF is fitted from several random initialisations (seed, seed+1, ...); the
topics of each pair of runs are matched one-to-one (Hungarian algorithm on the cosine similarity of
their top-term weight vectors) and the mean matched similarity is the stability of k. The chosen k is
the largest one whose stability is within ``STABILITY_TOLERANCE`` of the best (small k are trivially
stable; among equally stable models the finer one is more useful). k starts at ``K_MIN`` (4) once there are
``MIN_DOCS_FOR_K_MIN`` units, because with 2 or 3 topics a UN report only splits procedure from substance. The final model is fitted with the
deterministic NNDSVDa initialisation, so results depend only on the data and the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.metrics import adjusted_rand_score

K_MIN, K_MAX = 4, 12
K_MIN_SMALL = 2  # below MIN_DOCS_FOR_K_MIN documents
MIN_DOCS_FOR_K_MIN = 40
N_RUNS = 3
TOP_N = 10
STABILITY_TOLERANCE = 0.02
CRITERION = (
    f"NMF stability across {N_RUNS} random initialisations per k (mean Hungarian-matched cosine of the "
    f"top-{TOP_N} term vectors between runs), k in [{K_MIN}, {K_MAX}] ([{K_MIN_SMALL}, {K_MAX}] below "
    f"{MIN_DOCS_FOR_K_MIN} units: 2-3 topics only split procedure from substance); largest k within "
    f"{STABILITY_TOLERANCE} of the best stability"
)


@dataclass
class TopicModel:
    n_topics: int
    doc_topic: np.ndarray  # (n_docs, k) normalised weights; rows of empty documents are zero
    top_terms: list[list[int]]  # feature indices per topic
    lda_top_terms: list[list[int]] = field(default_factory=list)  # aligned to the NMF topics
    stability: dict[int, float] = field(default_factory=dict)
    lda_nmf_ari: float | None = None
    lda_perplexity: float | None = None
    criterion: str = CRITERION


def _top_vector(components: np.ndarray, top_n: int) -> np.ndarray:
    out = np.zeros_like(components)
    for i, row in enumerate(components):
        idx = np.argsort(-row)[:top_n]
        out[i, idx] = row[idx]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


def _match(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """Hungarian matching of the rows of two (k, V) unit-norm matrices: (b index per a row, mean cosine)."""
    sim = a @ b.T
    rows, cols = linear_sum_assignment(-sim)
    order = np.empty(len(rows), dtype=int)
    order[rows] = cols
    return order, float(sim[rows, cols].mean())


def _nmf(k: int, init: str, seed: int, max_iter: int = 300) -> NMF:
    return NMF(n_components=k, init=init, random_state=seed, max_iter=max_iter, tol=1e-4)


def stability(X, k: int, seed: int, runs: int = N_RUNS) -> float:
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    mats = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for r in range(runs):
            mats.append(_top_vector(_nmf(k, "random", seed + r, max_iter=200).fit(X).components_, TOP_N))
    scores = [_match(mats[i], mats[j])[1] for i in range(runs) for j in range(i + 1, runs)]
    return float(np.mean(scores))


def fit_topics(X, counts, seed: int = 0, n_topics: int | None = None) -> TopicModel:
    """Fit NMF (k by stability unless given) on TF-IDF `X`, and LDA with the same k on `counts`."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    n_docs, n_feat = X.shape
    nonempty = np.asarray(X.sum(axis=1)).ravel() > 0
    n_ok = int(nonempty.sum())
    if n_ok == 0 or n_feat == 0:
        return TopicModel(0, np.zeros((n_docs, 0)), [], criterion="no vocabulary: no topics")
    stab: dict[int, float] = {}
    if n_topics is None:
        k_min = K_MIN if n_ok >= MIN_DOCS_FOR_K_MIN else K_MIN_SMALL
        k_max = min(K_MAX, n_ok - 1, n_feat - 1)
        if k_max < k_min:
            n_topics = 1
        else:
            for k in range(k_min, k_max + 1):
                stab[k] = round(stability(X[nonempty], k, seed), 4)
            best = max(stab.values())
            n_topics = max(k for k, v in stab.items() if v >= best - STABILITY_TOLERANCE)
    n_topics = max(1, min(n_topics, n_ok, n_feat))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        init = "nndsvda" if n_topics <= min(n_ok, n_feat) else "random"
        nmf = _nmf(n_topics, init, seed, max_iter=500)
        W = np.zeros((n_docs, n_topics))
        W[nonempty] = nmf.fit_transform(X[nonempty])
    sums = W.sum(axis=1, keepdims=True)
    W = W / np.where(sums == 0, 1, sums)
    H = nmf.components_
    top = [list(np.argsort(-row)[:TOP_N]) for row in H]
    model = TopicModel(n_topics, W, top, stability=stab)

    # LDA with the same k, for comparison; its topics are aligned to NMF's by Hungarian matching.
    if n_topics >= 1 and counts is not None and counts[nonempty].sum() > 0:
        lda = LatentDirichletAllocation(n_components=n_topics, random_state=seed, learning_method="batch",
                                        max_iter=30)
        theta = np.zeros((n_docs, n_topics))
        theta[nonempty] = lda.fit_transform(counts[nonempty])
        order, _ = _match(_top_vector(H, TOP_N), _top_vector(lda.components_, TOP_N))
        model.lda_top_terms = [list(np.argsort(-lda.components_[j])[:TOP_N]) for j in order]
        inv = np.argsort(order)  # lda topic -> nmf topic
        lda_dom = inv[theta[nonempty].argmax(axis=1)]
        model.lda_nmf_ari = round(float(adjusted_rand_score(W[nonempty].argmax(axis=1), lda_dom)), 4)
        try:
            model.lda_perplexity = round(float(lda.perplexity(counts[nonempty])), 2)
        except ValueError:  # pragma: no cover
            model.lda_perplexity = None
    return model
