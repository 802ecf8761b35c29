"""The lossless document model: source lines plus typed units that are views over line ranges.

Pure data classes, no I/O. Every unit keeps the 1-based source line numbers it came from (the gold's
LINENO), so any text in a dataset can be traced back to the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UNIT_KINDS = ("title", "heading", "paragraph", "recommendation", "footnote", "url", "other")


@dataclass(frozen=True)
class SourceLine:
    """One line of the input, as extracted; `page`/`x0`/`top`/`size` are set when it came from a PDF."""

    lineno: int
    raw: str
    page: int | None = None
    x0: float | None = None
    top: float | None = None
    size: float | None = None

    @property
    def is_blank(self) -> bool:
        return not self.raw.strip()


@dataclass
class Unit:
    """A structural unit (title, heading, paragraph, recommendation, footnote, url) over source lines."""

    kind: str
    lines: list[int]
    number: int | None = None  # paragraph or footnote number
    label: str | None = None  # recommendation label in the UN's abjad notation, e.g. "ب ب"
    label_index: int | None = None  # 0-based position of a recommendation in its list
    parent: int | None = None  # paragraph number a recommendation list hangs under
    section: str | None = None  # roman-numbered section the unit sits in, e.g. "ثانيا"
    subsection: str | None = None  # lettered sub-section, e.g. "ألف"
    urls: list[str] = field(default_factory=list)
    footnote_refs: list[int] = field(default_factory=list)
    raw_text: str = ""
    text: str = ""  # repaired text (or conservative clean-up before repair)
    uid: str = ""

    def __post_init__(self) -> None:
        if self.kind not in UNIT_KINDS:
            raise ValueError(f"unknown unit kind {self.kind!r}")

    @property
    def line_range(self) -> tuple[int, int]:
        return (min(self.lines), max(self.lines)) if self.lines else (0, 0)

    def gold_notation(self, heading_text: str | None = None) -> str:
        """The unit in the dev gold's UNIT notation (`para:N`, `rec:N:LABEL`, `fn:N`, ...)."""
        if self.kind == "paragraph":
            return f"para:{self.number}"
        if self.kind == "recommendation":
            return f"rec:{self.parent}:{self.label}"
        if self.kind == "footnote":
            return f"fn:{self.number}"
        if self.kind == "heading":
            return f"heading:{heading_text if heading_text is not None else self.text}"
        return self.kind


@dataclass
class Document:
    """Source lines plus units; `repaired` maps a line number to its repaired text."""

    symbol: str
    lines: list[SourceLine]
    units: list[Unit] = field(default_factory=list)
    repaired: dict[int, str] = field(default_factory=dict)
    line_verdicts: dict[int, str] = field(default_factory=dict)
    source_path: str | None = None
    pdf: object | None = None  # the extraction result (pages, furniture, footnotes) when read from a PDF
    analysis: object | None = None  # the analysis result, once the analysis stage has run

    @classmethod
    def from_text(cls, text: str, *, symbol: str = "", source_path: str | None = None) -> Document:
        raw_lines = text.split("\n")
        if raw_lines and raw_lines[-1] == "" and text.endswith("\n"):
            raw_lines.pop()
        lines = [SourceLine(i + 1, s) for i, s in enumerate(raw_lines)]
        return cls(symbol=symbol, lines=lines, source_path=source_path)

    def raw_text(self) -> str:
        """Rebuild the input exactly (line-preserving)."""
        return "\n".join(line.raw for line in self.lines)

    def line(self, lineno: int) -> SourceLine:
        return self.lines[lineno - 1]

    def text_of_line(self, lineno: int) -> str:
        return self.repaired.get(lineno, self.lines[lineno - 1].raw)

    def unit_of_line(self) -> dict[int, Unit]:
        """Map every line that belongs to a unit to that unit."""
        out: dict[int, Unit] = {}
        for unit in self.units:
            for n in unit.lines:
                out[n] = unit
        return out

    def units_of_kind(self, kind: str) -> list[Unit]:
        return [u for u in self.units if u.kind == kind]
