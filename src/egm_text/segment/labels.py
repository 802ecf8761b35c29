"""UN Arabic list labels: the abjad order that mirrors English (a)-(z), doubled and tripled after z.

Labels are recovered from an item's position in its list, never read from the garbled marker, so the
whole notation lives here: the k-th item of a list gets `label_for_index(k)`.

>>> label_for_index(0), label_for_index(25), label_for_index(26), label_for_index(52)
('أ', 'ض', 'أ أ', 'أ أ أ')
>>> label_slug("ب ب"), label_slug("هـ")
('bb', 'e')
"""

from __future__ import annotations

# (a) (b) (c) ... (z) as the UN's Arabic documents print them.
ABJAD_LABELS: tuple[str, ...] = tuple("أ ب ج د هـ و ز ح ط ي ك ل م ن س ع ف ص ق ر ش ت ث خ ذ ض".split())
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SLUG = dict(zip(ABJAD_LABELS, LATIN_LETTERS, strict=True))

# Letters the broken UN font is known to draw as another letter inside list markers ((ج) -> (ن) ...):
# used only to confirm a marker that sits in an unusual place, never to assign a label.
_MARKER_LOOKALIKES: dict[str, set[str]] = {
    "ج": {"ن", "ح", "خ"},
    "ز": {"ا", "ر"},
    "ل": {"ع"},
    "ض": {"خ", "ص"},
    "ذ": {"ا", "د"},
    "هـ": {"ه"},
    "ث": {"ن"},
    "ظ": {"ط"},
}


def label_for_index(i: int) -> str:
    """The label of the i-th (0-based) item: 26 single letters, then doubled, tripled, ..."""
    if i < 0:
        raise ValueError("label index must be >= 0")
    letter = ABJAD_LABELS[i % 26]
    return " ".join([letter] * (i // 26 + 1))


def label_slug(label: str) -> str:
    """ASCII form for ids: the English letter of the same list position, repeated (`ب ب` -> `bb`)."""
    parts = label.split()
    return "".join(_SLUG.get(p, "x") for p in parts) or "x"


def marker_letter_matches(letters: str, label: str) -> bool:
    """True when the letters read inside a garbled marker plausibly spell `label`'s letter."""
    base = label.split()[0] if label.split() else ""
    got = letters.replace("ـ", "")
    want = base.replace("ـ", "")
    if not got or not want:
        return False
    return got == want or got in _MARKER_LOOKALIKES.get(base, set())
