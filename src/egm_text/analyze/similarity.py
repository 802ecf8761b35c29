"""Unit similarity, agglomerative clusters and near-duplicates.

Similarity is the mean of two cosines: TF-IDF of word uni- and bigrams over light stems (stop words
removed) and TF-IDF of character 3-5-grams inside the normalised words (robust to residual garbling
and to stems the light stemmer misses). Both are deterministic, so are the clusters: average-linkage
agglomerative clustering on 1 - similarity, cut at ``CLUSTER_SIMILARITY``.

Stability is measured by clustering the units again in orders shuffled by other seeds and comparing the
labels with the adjusted Rand index; deterministic features and a fixed linkage make it hold by
construction (up to exact ties).

Two units are near-duplicates when their similarity is at least ``NEAR_DUP_SIMILARITY``, or they
share a run of at least ``NEAR_DUP_RUN`` consecutive words (light stems), or a run of at least
``NEAR_DUP_MIN_RUN`` words covering at least ``NEAR_DUP_COVER`` of the shorter unit: one restates
the other's sentence (the mandate sentence repeated in paragraphs 1, 4, 6 and 9; a recommendation
that repeats a paragraph or another recommendation).
"""

from __future__ import annotations

from difflib import SequenceMatcher

import numpy as np
from scipy.sparse import hstack
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import normalize

CLUSTER_SIMILARITY = 0.15  # average linkage: merge while mean pairwise similarity >= this; near the silhouette
# maximum on the bundled report (0.079 at 0.15 vs 0.080 at 0.20, 0.060 at 0.10) with fewer singletons than 0.20
CLUSTER_LINKAGE = "average"
NEAR_DUP_SIMILARITY = 0.85
NEAR_DUP_RUN = 15
NEAR_DUP_MIN_RUN = 8
NEAR_DUP_COVER = 0.4
NEAR_DUP_RULE = (f"cosine >= {NEAR_DUP_SIMILARITY}, or >= {NEAR_DUP_RUN} shared consecutive stems, or >= "
                 f"{NEAR_DUP_MIN_RUN} shared consecutive stems covering >= {NEAR_DUP_COVER:.0%} of the shorter unit")
SHINGLE = 8
PAIR_MIN_SIMILARITY = 0.35
N_NEIGHBOURS = 5
STABILITY_SEEDS = 5


def _identity(x):
    return x


def features(stem_docs: list[list[str]], char_docs: list[str]):
    """L2-normalised [word | char] TF-IDF matrix; each half weighs 1/2 in the cosine."""
    n = len(stem_docs)
    blocks = []
    if any(stem_docs):
        wv = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=1)
        bigram_docs = [d + [f"{a}_{b}" for a, b in zip(d, d[1:], strict=False)] for d in stem_docs]
        blocks.append(wv.fit_transform(bigram_docs))
    if any(s.strip() for s in char_docs):
        cv = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)
        try:
            blocks.append(cv.fit_transform(char_docs))
        except ValueError:  # only too-short words
            pass
    if not blocks:
        return None
    mats = [normalize(b) * np.sqrt(1.0 / len(blocks)) for b in blocks]
    X = hstack(mats).tocsr()
    assert X.shape[0] == n
    return X


def similarity_matrix(X, n: int) -> np.ndarray:
    if X is None:
        S = np.zeros((n, n))
    else:
        S = np.asarray((X @ X.T).todense(), dtype=float)
    S = np.clip(S, 0.0, 1.0)
    np.fill_diagonal(S, 1.0)
    return S


def _canonical(labels: np.ndarray) -> np.ndarray:
    """Relabel clusters in order of first appearance, so ids do not depend on the algorithm's numbering."""
    mapping: dict[int, int] = {}
    out = np.empty_like(labels)
    for i, lab in enumerate(labels):
        out[i] = mapping.setdefault(int(lab), len(mapping))
    return out


def cluster(S: np.ndarray, threshold: float = CLUSTER_SIMILARITY) -> np.ndarray:
    n = S.shape[0]
    if n < 2:
        return np.zeros(n, dtype=int)
    D = 1.0 - S
    np.fill_diagonal(D, 0.0)
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage=CLUSTER_LINKAGE,
                                    distance_threshold=1.0 - threshold)
    return _canonical(model.fit_predict(D))


def cluster_stability(S: np.ndarray, base: np.ndarray, seed: int, threshold: float = CLUSTER_SIMILARITY) -> list[float]:
    """ARI between the base clustering and clusterings of the units in orders shuffled by other seeds."""
    n = S.shape[0]
    if n < 3:
        return [1.0] * STABILITY_SEEDS
    out = []
    for s in range(1, STABILITY_SEEDS + 1):
        perm = np.random.default_rng(seed + s).permutation(n)
        lab = np.empty(n, dtype=int)
        lab[perm] = cluster(S[np.ix_(perm, perm)], threshold)
        out.append(round(float(adjusted_rand_score(base, lab)), 4))
    return out


def silhouette(S: np.ndarray, labels: np.ndarray) -> float | None:
    n_lab = len(set(labels.tolist()))
    if not 2 <= n_lab <= len(labels) - 1:
        return None
    D = 1.0 - S
    np.fill_diagonal(D, 0.0)
    return round(float(silhouette_score(D, labels, metric="precomputed")), 4)


def shared_runs(token_docs: list[list[str]]) -> dict[tuple[int, int], int]:
    """Longest run of identical consecutive words for every pair of units that shares a shingle."""
    index: dict[tuple[str, ...], set[int]] = {}
    for i, toks in enumerate(token_docs):
        for j in range(len(toks) - SHINGLE + 1):
            index.setdefault(tuple(toks[j : j + SHINGLE]), set()).add(i)
    pairs: set[tuple[int, int]] = set()
    for docs in index.values():
        if 1 < len(docs) <= 50:
            ds = sorted(docs)
            pairs.update((a, b) for k, a in enumerate(ds) for b in ds[k + 1 :])
    out = {}
    for a, b in sorted(pairs):
        ta, tb = token_docs[a], token_docs[b]
        m = SequenceMatcher(None, ta, tb, autojunk=False).find_longest_match(0, len(ta), 0, len(tb))
        out[(a, b)] = m.size
    return out


def is_near_duplicate(similarity: float, run: int, shorter_len: int) -> bool:
    if similarity >= NEAR_DUP_SIMILARITY or run >= NEAR_DUP_RUN:
        return True
    return run >= NEAR_DUP_MIN_RUN and shorter_len > 0 and run >= NEAR_DUP_COVER * shorter_len


def neighbours(S: np.ndarray, ids: list[str], k: int = N_NEIGHBOURS) -> list[list[list]]:
    out = []
    for i in range(len(ids)):
        row = S[i].copy()
        row[i] = -1.0
        order = np.argsort(-row, kind="stable")[:k]
        out.append([[ids[j], round(float(row[j]), 4)] for j in order if row[j] > 0])
    return out
