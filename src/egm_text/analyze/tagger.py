"""Multi-label theme tagging: seed terms matched on light-stemmed tokens, with scores and evidence.

A term matches at a position when each of its tokens shares a light-stem reading with the text token
there (:func:`egm_text.analyze.normalize.candidate_stems`), so وبالتعاون الدولي matches التعاون الدولي
and ولايتها القضائية matches الولاية القضائية. Overlapping matches are resolved longest first: a match
inside a longer accepted one (of any theme, or of the taxonomy's ``ignore`` list) does not count.

A theme's score is the sum, over its distinct matched terms, of the term's weight, plus a quarter of
the weight for each repeat (at most three repeats). The unit is tagged when the score reaches the
taxonomy's ``min_score``. Evidence lists the matched terms in normalised form.

>>> from egm_text.analyze.taxonomy import load_taxonomy
>>> tags = tag_text("وينبغي تعزيز الشبكات العاملة على مدار الساعة (24/7) وجهات الاتصال", load_taxonomy())
>>> tags.themes
['institutions_networks']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from egm_text.analyze.normalize import candidate_stems, tokenize
from egm_text.analyze.taxonomy import Taxonomy, Term

_REPEAT_BONUS = 0.25
_MAX_REPEATS = 3
IGNORE = "__ignore__"


@dataclass
class Tags:
    themes: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)


def _compiled(tax: Taxonomy) -> list[tuple[str, Term, tuple[frozenset[str], ...]]]:
    key = "compiled"
    if key not in tax._index:
        entries = []
        for theme in tax.themes:
            for term in theme.terms:
                entries.append((theme.id, term, tuple(candidate_stems(t) for t in term.tokens)))
        for term in tax.ignore:
            entries.append((IGNORE, term, tuple(candidate_stems(t) for t in term.tokens)))
        # longest first; ties: more specific (fewer readings) first, then file order (stable sort)
        entries.sort(key=lambda e: -len(e[1].tokens))
        tax._index[key] = entries
    return tax._index[key]


def find_matches(tokens: list[str], tax: Taxonomy) -> list[tuple[int, int, str, Term]]:
    """Accepted (start, end, theme id, term) matches in a normalised token list."""
    cands = [candidate_stems(t) for t in tokens]
    where: dict[str, list[int]] = {}
    for i, cs in enumerate(cands):
        for c in cs:
            where.setdefault(c, []).append(i)
    taken = [False] * len(tokens)
    accepted = []
    for theme_id, term, tstems in _compiled(tax):
        n = len(tstems)
        starts: set[int] = set()
        for c in tstems[0]:
            starts.update(where.get(c, ()))
        for s in sorted(starts):
            if s + n > len(tokens):
                continue
            if any(taken[s : s + n]) or not all(cands[s + j] & tstems[j] for j in range(1, n)):
                continue
            for j in range(s, s + n):
                taken[j] = True
            accepted.append((s, s + n, theme_id, term))
    accepted.sort(key=lambda m: m[0])
    return accepted


def tag_tokens(tokens: list[str], tax: Taxonomy) -> Tags:
    counts: dict[str, dict[str, tuple[Term, int]]] = {}
    for _s, _e, theme_id, term in find_matches(tokens, tax):
        if theme_id == IGNORE:
            continue
        per = counts.setdefault(theme_id, {})
        t, n = per.get(term.normalized, (term, 0))
        per[term.normalized] = (t, n + 1)
    tags = Tags()
    for theme_id in tax.ids:
        if theme_id not in counts:
            continue
        score = 0.0
        for term, n in counts[theme_id].values():
            score += term.weight * (1 + _REPEAT_BONUS * min(n - 1, _MAX_REPEATS))
        score = round(score, 4)
        tags.scores[theme_id] = score
        tags.evidence[theme_id] = sorted(counts[theme_id], key=lambda k: (-counts[theme_id][k][1], k))
        if score >= tax.min_score - 1e-9:
            tags.themes.append(theme_id)
    return tags


def tag_text(text: str, tax: Taxonomy) -> Tags:
    """Themes, scores and evidence for one text."""
    return tag_tokens(tokenize(text or ""), tax)
