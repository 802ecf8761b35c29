"""Line-by-line structural segmentation of a (garbled) UN report into typed units.

Markers in garbled text are unreliable one by one, so every decision leans on the document's own
order: paragraph numbers must continue the sequence (which rejects agenda items, dates, `كوفيد-19`),
list items get the k-th abjad label of their list, footnote numbers count up, section numerals only
move forward and sub-section letters continue or restart at ألف. A footnote interrupts the running
unit at a page end and the running unit resumes after it; URL lines are page-end link annotations
that are attached to the unit they interrupt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from egm_text.document import Document, Unit
from egm_text.segment import markers as mk
from egm_text.segment.labels import label_for_index, label_slug, marker_letter_matches

TITLE_MAX_LINES = 8
HEADING_WRAP_MAX_CHARS = 60
# Justified body text is stretched with kashida runs; footnote text (smaller, denser) hardly ever is.
BODY_KASHIDA_RUNS = 2
NOTE_MAX_MEAN_KASHIDA = 0.5
NOTE_MIN_LINES = 2
GAP_PENALTY = 1.0  # cost of each paragraph number the chosen numbering chain skips


@dataclass
class _State:
    """Everything the scan remembers between lines."""

    units: list[Unit] = field(default_factory=list)
    main: Unit | None = None  # the running unit of the text flow (footnotes and URLs interrupt it)
    note: Unit | None = None  # an open footnote body
    url: Unit | None = None  # an open run of URL lines
    next_note: int = 1
    refs_seen: set[int] = field(default_factory=set)
    list_parent: int | None = None  # paragraph whose lettered list is open
    list_next: int = 0
    section: str | None = None
    subsection: str | None = None
    last_nonblank: int = 0
    raws: dict[int, str] = field(default_factory=dict)


def segment(doc: Document) -> Document:
    """Fill `doc.units` (document order) from the raw lines; never raises on odd input."""
    raws = {line.lineno: line.raw for line in doc.lines}
    chain = _paragraph_chain(raws)
    st = _State(raws=raws)
    for lineno in sorted(raws):
        raw = raws[lineno]
        if not raw.strip():
            continue
        _take_line(st, lineno, raw, chain)
        st.refs_seen.update(mk.footnote_refs(raw))
        st.last_nonblank = lineno
    doc.units = _finish(st, doc, raws)
    return doc


def _paragraph_chain(raws: dict[int, str]) -> set[tuple[int, int]]:
    """The (line, number) paragraph markers that form the best numbering sequence.

    Candidates are all `-N`/`N-` markers at a line end; the chosen chain is increasing in both line
    and number, scoring one per marker minus one per number it skips. Agenda items (`-1` after
    paragraph 66), dates and `كوفيد-19` cannot join the chain without breaking it, while a lost or
    misplaced marker costs only its own paragraph instead of stalling the sequence.
    """
    cands = []
    for n in sorted(raws):
        m = mk.paragraph_marker(raws[n])
        if m and int(m.value) > 0:
            cands.append((n, int(m.value)))
    best: list[float] = []
    back: list[int] = []
    for i, (_, num) in enumerate(cands):
        score, prev = 1.0, -1
        for j in range(i):
            pnum = cands[j][1]
            if pnum < num:
                s = best[j] + 1.0 - GAP_PENALTY * (num - pnum - 1)
                if s > score:
                    score, prev = s, j
        best.append(score)
        back.append(prev)
    if not cands:
        return set()
    i = max(range(len(cands)), key=lambda k: (best[k], -k))
    chain: set[tuple[int, int]] = set()
    while i >= 0:
        chain.add(cands[i])
        i = back[i]
    return chain


def _take_line(st: _State, lineno: int, raw: str, chain: set[tuple[int, int]]) -> None:
    """Route one non-blank line to the unit it belongs to, opening a new unit on a marker."""
    url = mk.url_of(raw)
    if url:
        _add_url(st, lineno, url)
        return
    st.url = None
    heading = _accepted_heading(st, raw)
    if heading:
        _open_heading(st, lineno, *heading)
        return
    number = _accepted_paragraph(st, lineno, raw, chain)
    if number is not None:
        _open_paragraph(st, lineno, number)
        return
    if _is_footnote_start(st, lineno, raw):
        _open_footnote(st, lineno)
        return
    if _starts_list_item(st, raw):
        _open_item(st, lineno)
        return
    _continue(st, lineno, raw)


# --- URL lines ----------------------------------------------------------------------------------


def _add_url(st: _State, lineno: int, url: str) -> None:
    """URL lines close an open footnote (they follow it at the page end) and annotate the main unit."""
    st.note = None
    if st.url is None:
        st.url = _new(st, "url", lineno)
        st.url.parent = _para_of(st.main)
    else:
        st.url.lines.append(lineno)
    st.url.urls.append(url)
    if st.main is not None:
        st.main.urls.append(url)


def _para_of(unit: Unit | None) -> int | None:
    if unit is None:
        return None
    return unit.number if unit.kind == "paragraph" else unit.parent


# --- headings ------------------------------------------------------------------------------------


def _accepted_heading(st: _State, raw: str) -> tuple[str, str] | None:
    """A heading whose numeral moves the outline forward: a later section, or the next/first letter."""
    found = mk.heading_marker(raw)
    if not found or mk.paragraph_marker(raw):
        return None
    level, numeral = found
    if level == "section":
        ok = mk.section_index(numeral) > mk.section_index(st.section or "")
    else:
        want = mk.subsection_index(st.subsection or "") + 1
        ok = mk.subsection_index(numeral) in (0, want)
    return (level, numeral) if ok else None


def _open_heading(st: _State, lineno: int, level: str, numeral: str) -> None:
    if level == "section":
        st.section, st.subsection = numeral, None
    else:
        st.subsection = numeral
    st.note = None
    st.list_parent = None
    st.main = _new(st, "heading", lineno)


# --- paragraphs ----------------------------------------------------------------------------------


def _accepted_paragraph(st: _State, lineno: int, raw: str, chain: set[tuple[int, int]]) -> int | None:
    """The paragraph number of this line if its marker belongs to the document's numbering chain."""
    m = mk.paragraph_marker(raw)
    if not m or (lineno, int(m.value)) not in chain:
        return None
    return int(m.value)


def _open_paragraph(st: _State, lineno: int, number: int) -> None:
    st.note = None
    st.list_parent = None
    st.main = _new(st, "paragraph", lineno, number=number)


# --- footnotes -----------------------------------------------------------------------------------


def _is_footnote_start(st: _State, lineno: int, raw: str) -> bool:
    """`(n)` at the line's logical start with the next footnote number.

    At the raw end that is the garbled layout; at the raw start it could be a reference closing the
    line (`... مراقب.(2)` reversed), so there the number must have been referenced on an earlier line.
    """
    m = mk.footnote_marker(raw)
    if not m or int(m.value) != st.next_note:
        return False
    if m.where == "start" and st.next_note not in st.refs_seen:
        return False
    return True


def _open_footnote(st: _State, lineno: int) -> None:
    st.note = _new(st, "footnote", lineno, number=st.next_note)
    st.next_note += 1


# --- lettered lists ------------------------------------------------------------------------------


def _starts_list_item(st: _State, raw: str) -> bool:
    """Does this line open the next item of an open list, or the first item of a new one?

    At the raw end (the logical start of a garbled line) a marker is trusted whatever letter it shows;
    at the raw start, or inside a footnote, its letter has to agree with the label the order expects.
    """
    m = mk.list_marker(raw)
    if m is None:
        return False
    if st.list_parent is None:
        if st.note is not None or st.main is None or st.main.kind != "paragraph":
            return False
        if not _paragraph_ends_with_colon(st):
            return False
        expected = label_for_index(0)
    else:
        expected = label_for_index(st.list_next)
    if st.note is not None or m.where == "start":
        return marker_letter_matches(m.value, expected)
    return True


def _paragraph_ends_with_colon(st: _State) -> bool:
    return st.main is not None and mk.introduces_list(st.raws[st.main.lines[-1]])


def _open_item(st: _State, lineno: int) -> None:
    if st.list_parent is None:
        assert st.main is not None
        st.list_parent, st.list_next = st.main.number, 0
    st.note = None
    label = label_for_index(st.list_next)
    st.main = _new(st, "recommendation", lineno, label=label, label_index=st.list_next, parent=st.list_parent)
    st.list_next += 1


# --- everything else -----------------------------------------------------------------------------


def _continue(st: _State, lineno: int, raw: str) -> None:
    """A line without an accepted marker continues the open footnote, else the running unit."""
    if st.note is not None and _body_resumes(st, lineno, raw):
        st.note = None
    if st.note is not None:
        st.note.lines.append(lineno)
        return
    main = st.main
    if main is None or (main.kind == "heading" and not _heading_wraps(st, main, lineno, raw)):
        st.main = _new(st, "other", lineno)
        return
    main.lines.append(lineno)


def _body_resumes(st: _State, lineno: int, raw: str) -> bool:
    """Without URL lines or a marker to close a footnote, a switch back to kashida-stretched
    (justified body) text on this and the next line means the interrupted unit has resumed."""
    assert st.note is not None
    note_lines = st.note.lines
    if len(note_lines) < NOTE_MIN_LINES:
        return False
    mean = sum(mk.kashida_runs(st.raws[n]) for n in note_lines) / len(note_lines)
    if mean > NOTE_MAX_MEAN_KASHIDA or mk.kashida_runs(raw) < BODY_KASHIDA_RUNS:
        return False
    nxt = next((st.raws[n] for n in range(lineno + 1, lineno + 4) if st.raws.get(n, "").strip()), "")
    return mk.kashida_runs(nxt) >= BODY_KASHIDA_RUNS


def _heading_wraps(st: _State, heading: Unit, lineno: int, raw: str) -> bool:
    """A short line right after a one-line heading is the rest of the heading's title."""
    return (
        len(heading.lines) == 1
        and heading.lines[-1] == st.last_nonblank
        and (len(raw.strip()) <= HEADING_WRAP_MAX_CHARS and lineno - heading.lines[-1] <= 2)
    )


def _new(st: _State, kind: str, lineno: int, **fields: object) -> Unit:
    unit = Unit(kind=kind, lines=[lineno], section=st.section, subsection=st.subsection, **fields)  # type: ignore[arg-type]
    st.units.append(unit)
    return unit


# --- finishing -----------------------------------------------------------------------------------


def _finish(st: _State, doc: Document, raws: dict[int, str]) -> list[Unit]:
    """Title, raw text, footnote references and stable ids."""
    units = _mark_title(st.units)
    counters: dict[str, int] = {}
    for unit in units:
        unit.raw_text = "\n".join(raws[n] for n in unit.lines)
        if unit.kind not in ("footnote", "url"):
            unit.footnote_refs = _refs_of(unit, raws)
        unit.uid = f"{doc.symbol}#{_uid_tail(unit, counters)}"
    return units


def _mark_title(units: list[Unit]) -> list[Unit]:
    """Lines before the first heading are the title (one unit), if there is a heading and they are few."""
    first = next((i for i, u in enumerate(units) if u.kind in ("heading", "paragraph")), None)
    if first is None or units[first].kind != "heading" or first == 0:
        return units
    lead = units[:first]
    lines = sorted(n for u in lead for n in u.lines)
    if any(u.kind != "other" for u in lead) or len(lines) > TITLE_MAX_LINES:
        return units
    return [Unit(kind="title", lines=lines), *units[first:]]


def _refs_of(unit: Unit, raws: dict[int, str]) -> list[int]:
    refs: list[int] = []
    for n in unit.lines:
        for r in mk.footnote_refs(raws[n]):
            if r not in refs:
                refs.append(r)
    return refs


def _uid_tail(unit: Unit, counters: dict[str, int]) -> str:
    if unit.kind == "title":
        return "title"
    if unit.kind == "paragraph":
        return f"para-{unit.number}"
    if unit.kind == "footnote":
        return f"fn-{unit.number}"
    if unit.kind == "recommendation":
        return f"rec-{unit.parent}-{label_slug(unit.label or '')}"
    counters[unit.kind] = counters.get(unit.kind, 0) + 1
    return f"{unit.kind}-{counters[unit.kind]}"
