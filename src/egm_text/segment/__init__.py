"""Structural segmentation of UN reports: title, headings, paragraphs, lettered recommendations,
footnotes and URL lines, recovered from garbled PDF text by the document's own numbering order.

>>> from egm_text.document import Document
>>> doc = segment(Document.from_text("  مقدمة  - أولا  \\nنص الفقرة الأولى   - 1\\nتتمة الفقرة", symbol="X"))
>>> [(u.uid, u.lines) for u in doc.units]
[('X#heading-1', [1]), ('X#para-1', [2, 3])]
"""

from __future__ import annotations

from egm_text.segment.gold import labels_in_gold_notation, unit_accuracy
from egm_text.segment.labels import ABJAD_LABELS, label_for_index, label_slug
from egm_text.segment.segmenter import segment

__all__ = [
    "ABJAD_LABELS",
    "label_for_index",
    "label_slug",
    "labels_in_gold_notation",
    "segment",
    "unit_accuracy",
]
