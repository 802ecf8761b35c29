"""The public repair API: a scikit-learn style `GlyphRepairer`, `repair_text` and `repair_and_explain`.

Repair is a short list of named steps per line: kashida removal and line-order repair (`order`),
then decoding of the glyph channel (`decode`), each recorded in the explanation; a garbledness score
decides first whether anything needs fixing, so clean text comes out unchanged.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import math
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from egm_text.arabic import KASHIDA_RUN, strip_marks
from egm_text.errors import NotFittedError, ProfileError
from egm_text.repair.decoder import (
    MAX_SPAN,
    Decoder,
    DecoderParams,
    WordChoice,
    confidence,
    without_garbled_mark,
)
from egm_text.repair.garbledness import (
    GARBLED_DOCUMENT,
    GARBLED_LINE,
    garbledness,
    has_arabic,
    reads_clean,
    sound_words,
)
from egm_text.repair.lexicon import Lexicon, load_lexicon, normalise_key
from egm_text.repair.lm import bundled_lm
from egm_text.repair.order import (
    LineOrderRepairer,
    OrderPlan,
    fix_numbers_and_brackets,
    glue_points,
    line_end_gap,
    split_pieces,
)
from egm_text.repair.profile import FontProfile, default_training_text, load_default_profile

_AR_RUN = re.compile(r"[\u0621-\u064A]+")
UNCERTAIN_BELOW = 0.5  # a word chosen with less confidence than this makes its line 'uncertain'
# a line order chosen with less of a lead (log-probability) over the next best order makes its line
# 'uncertain': on the dev lines (cross-validated), about half of those are wrong, one in nine of the others.
# The two were chosen on those lines: against 0.6 and 2.0 they flag fewer lines (25% against 26%) that hold
# more of the Arabic word errors (73% against 70%, mean of three splits)
ORDER_UNCERTAIN_BELOW = 3.0


@dataclass
class WordChange:
    """One changed word of the audit trail."""

    line: int
    index: int  # word position in the repaired line
    raw: str
    repaired: str
    confidence: float
    score: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    kind: str = "word"


@dataclass
class OrderChange:
    """A line of the audit trail whose runs the order step moved (or whose numbers or brackets, drawn in
    visual order, it put right), or whose order it chose by a narrow margin.

    `confidence` is the chosen order's probability against the runner-up alone (the logistic of the
    margin); `alternatives` holds the runner-up order, decoded, where the choice made the line uncertain,
    with its score relative to the chosen order's (minus the margin), not a score of its own as a word
    change's alternatives have.
    """

    line: int
    raw: str
    repaired: str
    confidence: float
    margin: float | None  # None: no other order was possible
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    kind: str = "order"


@dataclass
class LineRepair:
    """A repaired line with its verdict, its steps and its word-level explanation."""

    line: int
    raw: str
    text: str
    verdict: str  # 'clean' | 'repaired' | 'uncertain'
    steps: list[str] = field(default_factory=list)
    words: list[WordChoice] = field(default_factory=list)
    # the order step: whether it moved the line's runs (or numbers), its lead over the next best order,
    # and that order read out when the lead was too narrow to trust
    reordered: bool = False
    order_margin: float = math.inf
    order_alternative: str | None = None

    @property
    def order_change(self) -> OrderChange | None:
        """The audit record of the order step, for a line it moved or was unsure about."""
        if not self.reordered and self.order_alternative is None:
            return None
        sure = math.isinf(self.order_margin)
        alternatives = [] if self.order_alternative is None else [(self.order_alternative, -round(self.order_margin, 3))]
        return OrderChange(
            self.line,
            self.raw,
            self.text,
            1.0 if sure else round(confidence(self.order_margin), 3),
            None if sure else round(self.order_margin, 3),
            alternatives,
        )

    def audit_records(self) -> list[dict]:
        """The line's audit trail as JSON-ready records: the order step's, then each changed word's."""
        order = self.order_change
        return ([] if order is None else [asdict(order)]) + [asdict(ch) for ch in self.changes]

    @property
    def changes(self) -> list[WordChange]:
        out = []
        for k, w in enumerate(self.words):
            if w.garbled != w.text:
                out.append(
                    WordChange(
                        self.line,
                        k,
                        w.garbled,
                        w.text,
                        round(w.confidence, 3),
                        round(w.score, 3),
                        [(a, round(s, 3)) for a, s in w.alternatives],
                    )
                )
        return out

    @property
    def min_confidence(self) -> float:
        return min((w.confidence for w in self.words), default=1.0)


class GlyphRepairer:
    """Learns a broken font's glyph channel and decodes garbled Arabic back to text.

    `profile` is a path to a saved profile, "un" for the profile shipped for UN documents, or None
    (then `fit` must be called). Parameters are keyword-only and only stored here.
    """

    def __init__(
        self,
        *,
        profile: str | Path | None = "un",
        lm_weight: float = 1.0,
        domain_lm: bool = True,
        order_lines: bool = True,
        passthrough_clean: bool = True,
        learn_document: bool = True,
        lookahead: bool = True,
        document_pair_weight: float = 2.0,
        document_pair_confidence: float = 0.9,
        document_word_weight: float = 0.5,
        n_words: int = 1_000_000,
        n_jobs: int = 2,
    ) -> None:
        self.profile = profile
        self.lm_weight = lm_weight
        self.domain_lm = domain_lm
        self.order_lines = order_lines
        self.passthrough_clean = passthrough_clean
        self.learn_document = learn_document
        self.lookahead = lookahead
        self.document_pair_weight = document_pair_weight
        self.document_pair_confidence = document_pair_confidence
        self.document_word_weight = document_word_weight
        self.n_words = n_words
        self.n_jobs = n_jobs

    # --- learning -------------------------------------------------------------------------------
    def fit(self, raw_lines: Sequence[str], clean_lines: Sequence[str]) -> GlyphRepairer:
        """Fit the font profile (and the domain model's vocabulary) from corrected line pairs."""
        if len(raw_lines) != len(clean_lines):
            raise ValueError(
                f"raw_lines ({len(raw_lines)}) and clean_lines ({len(clean_lines)}) differ in length"
            )
        pairs = [(r, c) for r, c in zip(raw_lines, clean_lines, strict=True) if c.strip()]
        if not pairs:
            raise ValueError("fit needs at least one non-empty corrected line")
        from egm_text.repair.learn import fit_profile  # (rapidfuzz): only fitting needs it, not repairing

        self.profile_ = fit_profile(pairs)
        self.training_text_ = [c for _, c in pairs]
        self._build()
        return self

    def _load_profile(self) -> None:
        if hasattr(self, "profile_"):
            return
        if self.profile is None:
            raise NotFittedError("GlyphRepairer has no profile: call fit() or pass profile='un' or a path")
        if str(self.profile) == "un":
            self.profile_ = load_default_profile()
            self.training_text_ = [default_training_text()]
        else:
            self.profile_ = FontProfile.load(self.profile)
            self.training_text_ = []
        self._build()

    def _build(self) -> None:
        self.lexicon_: Lexicon = load_lexicon(self.profile_, n_words=self.n_words)
        lm = None
        if self.domain_lm:
            lm = bundled_lm().fit(self.training_text_)
            self.lexicon_.add_vocabulary(lm.uni)
        self.lm_ = lm
        self.decoder_ = Decoder(self.lexicon_, params=DecoderParams(lm_weight=self.lm_weight), lm=lm)
        self.orderer_ = LineOrderRepairer(self.decoder_)

    def _read_document(self, lines: Sequence[str]) -> DocumentReading:
        """The document's own words and word pairs, from runs whose order is certain (read before
        repairing): 1-tuples and 2-tuples of words decoded with confidence; and how many of its lines
        were written out rotated.

        UN reports repeat their terms and phrases: a word read with confidence in one place is evidence
        for the same reading where its garbled form is ambiguous, and pairs inside one run of a line
        help to order the document's scrambled lines.
        """
        self.decoder_.lm = self.lm_
        orderer = LineOrderRepairer(self.decoder_)
        grams: Counter[tuple[str, ...]] = Counter()
        told = rotated_lines = spaced = 0
        sure = self.document_pair_confidence
        for raw in lines:
            if not has_arabic(raw):
                continue
            runs, rotated = orderer.runs(raw)
            if rotated is not None:
                told += 1
                rotated_lines += rotated
                spaced += raw[-1:] in (" ", "\t")
            for run in runs:
                decoded = self.decoder_.decode_tokens(run)
                # (a token read as two glued words is no pair of this run's order: neither counts)
                words = [
                    w.text.rstrip("،؛") if w.known and w.confidence >= sure and " " not in w.text else None
                    for w in decoded
                ]
                # a comma read alone ("" once its mark is stripped) is no word, but it is one side of a
                # pair: what follows `،` is what opens a clause
                grams.update((w,) for w in words if w)
                grams.update((a, b) for a, b in zip(words, words[1:], strict=False) if a is not None and b is not None)
        return DocumentReading(grams, told, rotated_lines, spaced)

    def _use_base_model(self) -> None:
        """Forget the last document's words and pairs: each call reads its own text afresh (a text judged
        not garbled is read with the base model, not with the model of whatever came before)."""
        self._load_profile()
        if self.decoder_.lm is not self.lm_:
            self.decoder_.lm = self.lm_
            self.orderer_ = LineOrderRepairer(self.decoder_)

    def _use_document_ngrams(self, grams: Counter[tuple[str, ...]]) -> None:
        """Decode and order with a language model that also knows the document's words and pairs."""
        self.decoder_.lm = self.lm_.with_document(  # type: ignore[union-attr]
            grams, pair_weight=self.document_pair_weight, word_weight=self.document_word_weight
        )
        self.orderer_ = LineOrderRepairer(self.decoder_)

    def save(self, path: str | Path) -> None:
        """Save the fitted font profile as JSON."""
        self._load_profile()
        self.profile_.save(path)

    # --- repair ---------------------------------------------------------------------------------
    def _suspicious(self, token: str) -> bool:
        return self.decoder_.is_suspicious(token)

    def is_garbled(self, lines: Iterable[str]) -> bool:
        """Whether a document (its lines) looks garbled by a broken font (judged on a sample)."""
        self._use_base_model()
        sample = [line for line in lines if line.strip()]
        step = max(1, len(sample) // 200)
        text = "\n".join(sample[::step])
        tokens = set(_AR_RUN.findall(strip_marks(text)))
        self.lexicon_.prefetch(k for t in tokens for k in _lookup_keys(normalise_key(t)))
        self.lexicon_.prefetch_words(tokens)
        return garbledness(text, self._suspicious) >= GARBLED_DOCUMENT

    def _prefetch(self, lines: Sequence[str]) -> None:
        """Batch the lexicon look-ups the decoder will need for these lines."""
        keys: list[str] = []
        words: set[str] = set()
        for line in lines:
            cores = [p.core for p in split_pieces(line) if p.core]
            cores += _AR_RUN.findall(strip_marks(line))
            words.update(cores)
            heads = [self.lexicon_.starts_multiword_key(normalise_key(c)) for c in cores]
            for i in range(len(cores)):
                # a key over several tokens starts with a head (as the decoder asks for them)
                for j in range(i + 1, min(len(cores), i + MAX_SPAN) + 1 if heads[i] else i + 2):
                    keys += _lookup_keys(normalise_key(" ".join(cores[i:j])))
            if len(cores) > 1:
                keys.append(normalise_key(cores[-1] + cores[0]))
        self.lexicon_.prefetch(keys)
        self.lexicon_.prefetch_words(words)
        splits = []  # the order step splits unknown tokens that are two glued words
        for w in words:
            if len(w) >= 5 and not self.lexicon_.candidates(normalise_key(w)):
                splits += [normalise_key(w[:k]) for k in glue_points(w)]
                splits += [normalise_key(w[k:]) for k in glue_points(w)]
        self.lexicon_.prefetch(splits)

    def repair_and_explain(
        self,
        lines: Sequence[str],
        *,
        start_line: int = 1,
        openers: Iterable[int] = (),
        in_order: Iterable[int] = (),
        doc_garbled: bool | None = None,
    ) -> list[LineRepair]:
        """Repair lines (one output per input line) and explain every step and word choice.

        `openers` are line numbers that start a paragraph, list item or footnote (markers removed);
        `in_order` are line numbers known to be in logical order once their marker is off (headings);
        `doc_garbled` overrides the document-level garbledness decision (for text read in batches).
        """
        opener_lines, ordered_lines = set(openers), set(in_order)
        with _without_gc():
            self._use_base_model()
            lines = list(lines)
            if doc_garbled is None:
                doc_garbled = not self.passthrough_clean or self.is_garbled(lines)
            # a garbled text whose spaces were collapsed (one between any two tokens) shows no lost final letter
            # as a wider gap: a single gap is then no evidence against one
            params = self.decoder_.params
            wide = not doc_garbled or shows_wide_gaps(lines)
            self.decoder_.params = replace(params, tail_space_missing=DecoderParams.tail_space_missing if wide else 0.0)
            out: list[LineRepair] = [
                LineRepair(start_line + k, raw, unrepaired_text(raw), "clean")
                for k, raw in enumerate(lines)
            ]
            job = _Job(self, lines, start_line, opener_lines, ordered_lines, doc_garbled, self.order_lines)
            for k, repair in _run_parts(job, self.n_jobs):
                out[k] = repair
            self.lexicon_.save_spellings()  # (after the second process saved its own: it has reported back)
            return out

    def _sound(self, raw: str) -> bool:
        """A line of a garbled document whose words a sound font drew (its runs may still be out of order)."""
        return sound_words(raw, self.decoder_.is_known, self._suspicious)

    def _needs_repair(self, raw: str, doc_garbled: bool) -> bool:
        if not raw.strip() or not has_arabic(raw):
            return False
        if doc_garbled:
            return not reads_clean(raw, self.decoder_.is_known, self._suspicious)
        return garbledness(raw, self._suspicious) >= GARBLED_LINE

    def _repair_range(
        self, job: _Job, lo: int, hi: int, share: Callable[[DocumentReading], DocumentReading] | None = None
    ) -> list[tuple[int, LineRepair]]:
        """Repair lines[lo:hi] of the job: look up their words, read their words and word pairs (`share` merges
        them with the other part's, when the job runs in two processes), then order and decode.

        The nearest lines to repair on each side are the context of the part's first and last line.
        """
        lines = job.lines
        if job.garbled:
            self._prefetch(lines[max(0, lo - 1) : hi + 1])
            if self.learn_document and self.lm_ is not None:
                reading = self._read_document(lines[lo:hi])
                reading = share(reading) if share else reading
                self._use_document_ngrams(reading.grams)
                self.orderer_.spaced_ends = reading.spaced_ends()
                # garbled lines that already read in logical order are repaired as a PDF's are: no order search
                job = replace(job, order=job.order and not reading.in_order())
        own = [k for k in range(lo, hi) if self._needs_repair(lines[k], job.garbled)]
        before = next((k for k in range(lo - 1, -1, -1) if self._needs_repair(lines[k], job.garbled)), None)
        after = next((k for k in range(hi, len(lines)) if self._needs_repair(lines[k], job.garbled)), None)
        first = 0 if before is None else 1
        todo = ([] if before is None else [before]) + own + ([] if after is None else [after])
        return self._repair_part(replace(job, todo=todo), first, first + len(own))

    def _repair_part(self, job: _Job, lo: int, hi: int) -> list[tuple[int, LineRepair]]:
        """Order and decode the lines todo[lo:hi]. Every line (and one line on each side) is read twice
        first: a first reading, each line after the line before, and a second, each line also leading into
        the next line's first reading; the final pass then matches each line's end to the next line's second
        reading.

        Where two parts meet at a unit's start, both come out exactly as in one pass over all lines (the
        unit's first line continues no line, and the line before it leads into none); elsewhere the later
        part's first line continues the second reading of the line before instead of its final one, and
        the earlier part's last line leads into a second reading of the next line made without that line's
        own next line.
        """
        lines, todo, start_line, opener_lines = job.lines, job.todo, job.start_line, job.opener_lines

        def closes(i: int) -> bool:
            return i + 1 < len(todo) and start_line + todo[i + 1] in opener_lines

        ctx_lo, ctx_hi = max(0, lo - 1), min(len(todo), hi + 1)

        def next_reading(i: int, readings: dict[int, list]) -> list | None:
            """The reading of the line after todo[i] that its end should lead into (none after a unit's end)."""
            return readings.get(todo[i + 1]) if i + 1 < ctx_hi and not closes(i) else None

        sound = {k: self._sound(lines[k]) for k in todo[ctx_lo:ctx_hi]}  # asked by the plan and the decoding
        following: dict[int, list] = {}
        plans: dict[int, OrderPlan] = {}  # each line's arrangements are searched once, for all its readings
        if job.order and (self.lookahead or lo > 0):
            context = range(ctx_lo, ctx_hi if self.lookahead else lo)
            for i in context:
                k = todo[i]
                plans[k] = self.orderer_.plan(
                    lines[k], opens=start_line + k in opener_lines, closes=closes(i), sound=sound[k]
                )

            def reading(ahead: dict[int, list] | None) -> dict[int, list]:
                """Each context line after the line before, leading into `ahead`'s reading of the next."""
                got: dict[int, list] = {}
                previous = None
                for i in context:
                    after = next_reading(i, ahead) if ahead is not None else None
                    previous = got[todo[i]] = self.orderer_.reading(plans[todo[i]], previous, after)
                return got

            following = reading(None)
            if self.lookahead:
                # a second reading, each line now also leading into the first reading of the next: a false end
                # in a first reading bends the next line's first reading to continue it (the next line's first
                # word moved to its end: `... السيبرانية` + `بغرض ... الاختصاص`), which the next line's own
                # next line then mends, so the final pass meets a truer next start
                following = reading(following)
        out: list[tuple[int, LineRepair]] = []
        previous = None
        if lo > 0 and start_line + todo[lo - 1] not in job.ordered_lines:
            previous = following.get(todo[lo - 1])
        for i in range(lo, hi):
            k = todo[i]
            n = start_line + k
            raw = lines[k]
            steps = []
            text = raw
            choice = None
            if n in job.ordered_lines:
                text, previous = fix_numbers_and_brackets(KASHIDA_RUN.sub("", raw)), None
            elif job.order:
                after = next_reading(i, following)
                plan = plans.get(k) or self.orderer_.plan(
                    raw, opens=n in opener_lines, closes=closes(i), sound=sound[k]
                )
                choice = self.orderer_.choose(plan, previous, after, explain_below=ORDER_UNCERTAIN_BELOW)
                text, previous = choice.text, choice.pieces
                steps.append("order")
            if choice is not None:
                end_gap = choice.end_gap
            elif n in job.ordered_lines:
                end_gap = 0
            else:
                end_gap = line_end_gap(len(raw) - len(raw.rstrip(" ")), spaced_end=self.orderer_.spaced_ends and not closes(i))
            repaired, words = self._read(text, sound[k], end_gap)
            if not sound[k]:
                steps.append("decode")
            verdict = "repaired"
            if any((not w.known) or w.confidence < UNCERTAIN_BELOW for w in words):
                verdict = "uncertain"
            repair = LineRepair(n, raw, repaired, verdict, steps, words)
            if choice is not None:
                repair.reordered = _moved(raw, choice.text)
                repair.order_margin = choice.margin
                other = None if choice.runner_up is None else self._read(choice.runner_up, sound[k])[0]
                if other is not None and other != repaired:  # (two cut sets may read the same)
                    repair.verdict = "uncertain"
                    repair.order_alternative = other
            out.append((k, repair))
        return out

    def _read(self, text: str, sound: bool, end_gap: int = 0) -> tuple[str, list[WordChoice]]:
        """Decode a line in logical order; a title line in a sound font keeps its words."""
        return (" ".join(text.split()), []) if sound else self.decoder_.decode_line(text, end_gap)

    def repair_stream(self, lines: Iterable[str], *, batch: int = 2000) -> Iterator[LineRepair]:
        """Repair a long text in batches with bounded memory; the first batch decides garbledness."""
        self._load_profile()
        it = iter(lines)
        garbled: bool | None = None
        start = 1
        while True:
            chunk = list(itertools.islice(it, batch))
            if not chunk:
                return
            if garbled is None:
                garbled = not self.passthrough_clean or self.is_garbled(chunk)
            yield from self.repair_and_explain(chunk, start_line=start, doc_garbled=garbled)
            start += len(chunk)

    def transform(self, lines: Sequence[str]) -> list[str]:
        """Repaired text of each line (line-preserving)."""
        return [r.text for r in self.repair_and_explain(lines)]


@contextlib.contextmanager
def _without_gc() -> Iterator[None]:
    """Run without the cyclic garbage collector: a repair allocates millions of small tuples and makes no
    reference cycles, and each collection would walk the growing memo tables again (about a tenth of a
    document's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


PARALLEL_MIN_LINES = 200  # below this, starting a second process costs more than it saves
# what a garbled text's layout says is read off this many lines at least (fewer: the report's layout is assumed)
LAYOUT_MIN_LINES = 40
# a garbled text reads in logical order when fewer than 8% of its lines were written out rotated: text extracted
# the way the bundled report was shows 23%, lines in order 2-3% by chance
IN_ORDER_MAX_ROTATED = 0.08
SPACED_ENDS_MIN = 0.2  # a text whose lines end with a space this often or more keeps the line-end space
WIDE_GAPS_MIN = 0.1  # a garbled text with a wide gap in this share of its lines or more keeps its spaces


def shows_wide_gaps(lines: Sequence[str]) -> bool:
    """Whether a garbled text keeps its wide gaps (a lost final letter and the word gap after it): most
    lines of the bundled report show one (613 of 790 Arabic lines of four words or more); a text whose spaces
    were collapsed shows none (too few lines to tell: kept)."""
    long = [line for line in lines if has_arabic(line) and len(line.split()) >= 4]
    return len(long) < LAYOUT_MIN_LINES or sum("  " in line.strip() for line in long) >= WIDE_GAPS_MIN * len(long)


@dataclass
class DocumentReading:
    """What a document says of itself before it is repaired (see `GlyphRepairer._read_document`); the two
    processes of a split job add theirs up."""

    grams: Counter[tuple[str, ...]]
    lines: int = 0  # lines long enough to tell whether they were written out rotated
    rotated: int = 0  # of which were
    spaced: int = 0  # of which end with a space

    def __add__(self, other: DocumentReading) -> DocumentReading:
        return DocumentReading(
            self.grams + other.grams, self.lines + other.lines, self.rotated + other.rotated, self.spaced + other.spaced
        )

    def spaced_ends(self) -> bool:
        """Whether the text keeps the space that ends a line inside a paragraph (most of the bundled report's
        lines end with one: 537 of 803); an extraction that strips it leaves under a fifth (too few lines to tell: kept)."""
        return self.lines < LAYOUT_MIN_LINES or self.spaced >= SPACED_ENDS_MIN * self.lines

    def in_order(self) -> bool:
        """Whether the lines already read in logical order: hardly any was written out rotated."""
        return self.lines >= LAYOUT_MIN_LINES and self.rotated < IN_ORDER_MAX_ROTATED * self.lines


@dataclass
class _Job:
    """The lines one repair_and_explain call orders and decodes."""

    repairer: GlyphRepairer
    lines: list[str]
    start_line: int
    opener_lines: set[int]
    ordered_lines: set[int]
    garbled: bool  # the document is garbled (else only lines that look garbled are repaired)
    order: bool  # search each line's order (else its runs are taken to be in logical order)
    todo: list[int] = field(default_factory=list)  # indices of the lines to repair, set per part

    def split(self, parts: int) -> list[tuple[int, int]]:
        """Ranges of lines, cut where a unit starts (a line's context never crosses a unit), else
        in the middle (text without structure)."""
        bounds = [0]
        n = len(self.lines)
        for p in range(1, parts):
            target = n * p // parts
            cut = next((k for k in range(target, n) if self.start_line + k in self.opener_lines), target)
            if cut > bounds[-1]:
                bounds.append(cut)
        bounds.append(n)
        return list(zip(bounds, bounds[1:], strict=False))


def _run_parts(job: _Job, n_jobs: int) -> list[tuple[int, LineRepair]]:
    """Repair the job's lines, the second half in a second (forked) process when that pays.

    The two processes look up, read and repair their own lines; they swap the words and word pairs each read
    in its half, so both decode with the same model of the whole document (the child sends first).
    """
    rep = job.repairer
    parallel = n_jobs > 1 and sum(1 for line in job.lines if line.strip()) >= PARALLEL_MIN_LINES and _can_fork()
    parts = job.split(2) if parallel else []
    if len(parts) < 2:
        return rep._repair_range(job, 0, len(job.lines))
    ctx = multiprocessing.get_context("fork")
    mine_end, theirs_end = ctx.Pipe(duplex=True)
    (lo, mid), (_, hi) = parts

    def child() -> None:
        def swap(reading: DocumentReading) -> DocumentReading:
            theirs_end.send(("pairs", reading))
            return reading + theirs_end.recv()

        mine_end.close()
        try:
            rep.lexicon_.reopen()
            mine = rep._repair_range(job, mid, hi, swap)
            rep.lexicon_.save_spellings()
            theirs_end.send(("ok", mine))
        except BaseException as exc:  # the parent repairs these lines itself then
            theirs_end.send(("error", repr(exc)))
        finally:
            theirs_end.close()

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    theirs_end.close()  # else a child that dies would leave the parent waiting forever
    failed = False
    total = DocumentReading(Counter())

    def swap(reading: DocumentReading) -> DocumentReading:
        nonlocal failed, total
        try:
            kind, theirs = mine_end.recv()
        except EOFError:
            kind, theirs = "error", None
        if kind != "pairs":  # the child failed before it read its half: read it here
            failed = True
            rep._prefetch(job.lines[mid:hi])
            theirs = rep._read_document(job.lines[mid:hi])
        else:
            mine_end.send(reading)
        total = reading + theirs
        return total

    try:
        mine = rep._repair_range(job, lo, mid, swap)
        status, theirs = "error", None
        if not failed:
            try:
                status, theirs = mine_end.recv()
            except EOFError:
                pass
    finally:
        mine_end.close()
        proc.join()
    if status != "ok":
        theirs = rep._repair_range(job, mid, hi, lambda _pairs: total)
    return mine + theirs


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def unrepaired_text(raw: str) -> str:
    """What a line the repair leaves alone comes out as: stripped when it has Arabic, else as it is."""
    return raw.strip() if has_arabic(raw) else raw


def write_audit(repairs: Iterable[LineRepair], path: str | Path) -> int:
    """Write the audit trail as JSON lines: an order record (`kind` "order") for each line the order step
    moved or was unsure of, and the word changes (`kind` "word"); returns the number of records."""
    from egm_text.textio import atomic_writer

    with atomic_writer(path) as fh:
        return sum(write_audit_records(r, fh) for r in repairs)


def write_audit_records(repair: LineRepair, fh) -> int:
    """Write one line's audit records to an open text file; returns how many."""
    records = repair.audit_records()
    for rec in records:
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return len(records)


def _moved(raw: str, ordered: str) -> bool:
    """Whether the order step changed more than kashida runs and spacing: it moved runs, or put numbers
    or brackets drawn in visual order right."""
    return KASHIDA_RUN.sub("", raw).split() != ordered.split()


_DEFAULTS: dict[bool, GlyphRepairer] = {}


def default_repairer(*, order_lines: bool = True) -> GlyphRepairer:
    """A process-wide repairer with the shipped UN profile (loaded once).

    `order_lines=False` for text already in logical order, such as lines extracted from a PDF by
    position: only the glyph channel is decoded then.
    """
    if order_lines not in _DEFAULTS:
        _DEFAULTS[order_lines] = GlyphRepairer(profile="un", order_lines=order_lines)
    return _DEFAULTS[order_lines]


def repair_text(text: str, *, repairer: GlyphRepairer | None = None) -> str:
    """Repair a whole text, line by line, with the shipped UN profile unless another is given."""
    rep = repairer or default_repairer()
    lines = text.split("\n")
    return "\n".join(rep.transform(lines))


__all__ = ["GlyphRepairer", "LineRepair", "ProfileError", "repair_text", "write_audit", "default_repairer"]


def _lookup_keys(key: str) -> list[str]:
    """The index keys the decoder asks for when it reads a garbled key."""
    bare = without_garbled_mark(key)
    return [key] if bare is None else [key, bare]
