"""Analysis of paragraphs and recommendations: themes, topics, similarity, clusters and figures.

``analyze_units`` is the entry point the pipeline and the CLI call; ``load_taxonomy`` reads the
bundled theme taxonomy or a user's YAML file; ``evaluate_tags`` scores tags against hand labels.
"""

from __future__ import annotations

from egm_text.analyze.core import AnalysisResult, analyze_units
from egm_text.analyze.evaluate import evaluate_checkset, evaluate_tags, load_checkset, units_from_gold_tsv
from egm_text.analyze.tagger import tag_text
from egm_text.analyze.taxonomy import Taxonomy, Theme, load_taxonomy

__all__ = [
    "AnalysisResult",
    "Taxonomy",
    "Theme",
    "analyze_units",
    "evaluate_checkset",
    "evaluate_tags",
    "load_checkset",
    "load_taxonomy",
    "tag_text",
    "units_from_gold_tsv",
]
