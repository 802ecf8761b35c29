"""Recognisers for the structural markers of a UN report line, raw (garbled, visual order) or clean.

The broken PDF text reverses runs that hold digits or Latin, so a marker that opens a line logically
(`13- ...`, `(أ) ...`, `(1) ...`) usually sits at the raw line's END (`... -13`, `... )أ(`). Every
recogniser therefore looks at both ends and says which end it found the marker at: `"end"` (raw end,
the usual place in garbled text) or `"start"` (raw start, the place in clean text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_L = "\u0621-\u064a"  # Arabic letters (hamza .. yeh), includes the kashida stand-in ئ and tatweel

SECTION_WORDS = ("أولا", "ثانيا", "ثالثا", "رابعا", "خامسا", "سادسا", "سابعا", "ثامنا", "تاسعا", "عاشرا")
SUBSECTION_WORDS = (
    "ألف", "باء", "جيم", "دال", "هاء", "واو", "زاي", "حاء", "طاء", "ياء", "كاف", "لام", "ميم",
    "نون", "سين", "عين", "فاء", "صاد", "قاف", "راء", "شين", "تاء", "ثاء", "خاء", "ذال", "ضاد",
)  # fmt: skip

MAX_HEADING_CHARS = 110


@dataclass(frozen=True)
class Marker:
    """A marker found on a line: what it says (`value`) and at which raw end it sits."""

    value: str
    where: str  # "end" or "start"


# --- paragraph numbers: `-13`, `- 13`, `13-` at the raw end; `13- ` / `-13 ` at the raw start.
_PARA_END = re.compile(r"(?:(?<![\d\-/.])-\s*(\d{1,3})|(?<![\d/.])(\d{1,3})\s*-)\s*$")
_PARA_START = re.compile(rf"^\s*(?:-\s*(\d{{1,3}})(?=\s)|(\d{{1,3}})\s*-(?=[\s{_L}]))")


def paragraph_marker(line: str) -> Marker | None:
    """A paragraph-number marker at either end of the line (the number is checked by the caller)."""
    for rx, where in ((_PARA_END, "end"), (_PARA_START, "start")):
        m = rx.search(line)
        if m:
            return Marker(m.group(1) or m.group(2), where)
    return None


# --- list labels: `)أ(`, `(بب)`, `ه()ه`, `ب(ب)ب`, `( )ط`, `(أ أ أ)`: two brackets around at most
# three copies of one letter (the font may lose the letter: `( )`).
_LIST_TOKEN = rf"[{_L}]{{0,2}}[()]\s*[{_L}\s]{{0,9}}?\s*[()][{_L}]{{0,2}}"
_LIST_END = re.compile(rf"(?:^|\s)({_LIST_TOKEN})\s*$")
_LIST_START = re.compile(rf"^\s*(?:[^\s()]\s+)?({_LIST_TOKEN})(?=\s)")


def _list_letters(token: str) -> str | None:
    """The letter a list-marker token spells ('' when lost), or None if it is not a list marker."""
    if token.count("(") != 1 or token.count(")") != 1:
        return None
    letters = [c for c in token if c not in "() \tئـ"]
    if len(letters) > 3 or len(set(letters)) > 1:
        return None
    return letters[0] if letters else ""


def list_marker(line: str) -> Marker | None:
    """A lettered-list marker at either raw end; `value` is the letter read (often wrong or empty)."""
    for rx, where in ((_LIST_END, "end"), (_LIST_START, "start")):
        m = rx.search(line)
        if m:
            letters = _list_letters(m.group(1))
            if letters is not None:
                return Marker(letters, where)
    return None


# --- footnotes: body lines open with `(1)` / `( 2)`; the same shape mid-line is a reference.
_NOTE_END = re.compile(r"(?:^|\s)\(\s*(\d{1,2})\s*\)\s*$")
_NOTE_START = re.compile(r"^\s*\(\s*(\d{1,2})\s*\)")
_NOTE_ANY = re.compile(r"\(\s*(\d{1,2})\s*\)")


def footnote_marker(line: str) -> Marker | None:
    """A footnote-number marker at either raw end of the line."""
    for rx, where in ((_NOTE_END, "end"), (_NOTE_START, "start")):
        m = rx.search(line)
        if m:
            return Marker(m.group(1), where)
    return None


def footnote_refs(line: str) -> list[int]:
    """Numbers of all `(n)` footnote-reference shapes on a line."""
    return [int(n) for n in _NOTE_ANY.findall(line)]


# --- URL lines (the PDF's link annotations, emitted at the page end).
_URL = re.compile(r"^\s*((?:https?://|www\.)\S+)\s*$", re.IGNORECASE)


def url_of(line: str) -> str | None:
    """The URL if the whole line is one."""
    m = _URL.match(line)
    return m.group(1) if m else None


# --- headings: `  مقدمة  - أول  ` (garbled: numeral at the raw end) or `أولا- مقدمة` (clean).
_HEAD_END = re.compile(rf"(?:^|\s)-\s*([{_L}]+)\s*$")
_HEAD_START = re.compile(rf"^\s*([{_L}]+)\s*-(?![\d-])")


def _numeral_key(word: str, *, section: bool) -> str:
    """Fold the spellings a numeral takes after garbling (lost final alef/hamza, ث drawn as ن)."""
    w = word.replace("ـ", "").replace("ئ", "")
    w = re.sub("[أإآ]", "ا", w).replace("ى", "ي").replace("ة", "ه").replace("ث", "ن").replace("ء", "")
    if section:
        w = w.rstrip("ا")
    return w


_SECTION_KEYS = {_numeral_key(w, section=True): w for w in SECTION_WORDS}
_SUBSECTION_KEYS = {_numeral_key(w, section=False): w for w in SUBSECTION_WORDS}


def heading_marker(line: str) -> tuple[str, str] | None:
    """(`section`|`subsection`, canonical numeral) when the line looks like a heading, else None."""
    text = line.strip()
    if not text or len(text) > MAX_HEADING_CHARS or url_of(text):
        return None
    for rx in (_HEAD_END, _HEAD_START):
        m = rx.search(text)
        if not m:
            continue
        word = m.group(1)
        key = _numeral_key(word, section=True)
        if len(key) >= 2 and key in _SECTION_KEYS:
            return "section", _SECTION_KEYS[key]
        key = _numeral_key(word, section=False)
        if len(key) >= 2 and key in _SUBSECTION_KEYS:
            return "subsection", _SUBSECTION_KEYS[key]
    return None


def section_index(numeral: str) -> int:
    return SECTION_WORDS.index(numeral) if numeral in SECTION_WORDS else -1


def subsection_index(numeral: str) -> int:
    return SUBSECTION_WORDS.index(numeral) if numeral in SUBSECTION_WORDS else -1


_COLON_EDGE = 3


def introduces_list(line: str) -> bool:
    """A line whose text ends with ':' (at either raw end) and is not itself a numbered sub-item.

    `المسائل التنظيمية: -1` ends an agenda item, so letters after it belong to that item, not to a
    recommendation list of the paragraph.
    """
    text = line.strip()
    if not text or paragraph_marker(text):
        return False
    return ":" in text[-_COLON_EDGE:] or ":" in text[:_COLON_EDGE]


def kashida_runs(line: str) -> int:
    """Number of `ئئ...` stretch runs (justified body text has them; footnote text rarely does)."""
    return len(re.findall("ئئ+", line))


_MARKER_PATTERNS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "paragraph": (_PARA_END, _PARA_START),
    "recommendation": (_LIST_END, _LIST_START),
    "footnote": (_NOTE_END, _NOTE_START),
    "heading": (_HEAD_END, _HEAD_START),
}


def strip_marker(line: str, kind: str) -> str:
    """The line without the structural marker of its unit kind, at whichever raw end it sits.

    The repairer then orders and decodes only text; the marker is written back canonically.

    >>> strip_marker("نص الفقرة   - 13", "paragraph")
    'نص الفقرة'
    >>> strip_marker("فيما قتعلق بآليات  )ب(  ", "recommendation")
    'فيما قتعلق بآليات'
    """
    patterns = _MARKER_PATTERNS.get(kind)
    if not patterns:
        return line
    for rx in patterns:
        m = rx.search(line)
        if m:
            return (line[: m.start()] + line[m.end() :]).strip()
    return line
