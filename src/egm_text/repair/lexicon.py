"""The lexicon and the index from garbled forms to candidate words.

Words come from wordfreq's large Arabic list (with their frequencies as a unigram language model),
plus any extra vocabulary a caller supplies (a corpus, the document's own clean words). For every word
the font profile predicts its likely garbled forms; the index maps each normalised garbled form (the
"key") to the words that could have produced it. Building it takes a while, so it is cached on disk
under a key made of the lexicon version, the profile's fingerprint and the word list size.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import pickle
import re
import sqlite3
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from egm_text.arabic import glyph_units
from egm_text.repair.profile import FontProfile, next_letter_context
from egm_text.repair.spelling import CharModel, respell

LEXICON_VERSION = 14
_SPACES = re.compile(r"\s+")


def normalise_key(garbled: str) -> str:
    """Key normalisation shared by the index and the decoder: no kashida letters, single spaces."""
    return " ".join(garbled.replace("ئ", "").replace("\u0640", "").split())


def cache_dir() -> Path:
    """Where derived data is cached: $EGM_TEXT_CACHE, else ~/.cache/egm-text."""
    env = os.environ.get("EGM_TEXT_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "egm-text"


def read_cached(path: Path) -> object | None:
    """A pickled cache entry, or None when it is missing or unreadable (the caller then rebuilds it)."""
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None


def write_cached(path: Path, value: object) -> bool:
    """Write a cache entry atomically; False when the cache is not writable (rebuilt next time)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        return False
    return True


CHAR_MODEL_VERSION = 1
# bump when the code of `respellings`, `spelled_out` or the spelling module changes what they answer: their
# answers are kept on disk per lexicon, vocabulary and the settings below (see `Lexicon._spellings_file`)
SPELLINGS_VERSION = 1
SPELLINGS_MAX = 200_000  # tokens whose answers one cache file keeps (a new document adds a few hundred)
CHAR_MODEL_WORDS = 200_000  # the lexicon's most frequent words the character model learns spellings from
SPELLING_MARGIN = 3.0  # log-odds a spelling must gain over the token as it is (names gain less than 0)
CHANNEL_FLOOR = 1e-4  # P of a glyph output the profile never saw for that glyph (respellings and spellings)
Candidate = tuple[str, float, bool]  # word, log P(key | word), garbled form ends in a lost-letter space
_BATCH = 500


def _parse(item: str) -> Candidate:
    w, lp, tail = item.split(" ")
    return (w, float(lp), tail == "1")


class KeyFilter:
    """A Bloom filter of the index keys (about 1% false positives, 10 bits a key).

    Most look-ups the line-order search makes (two tokens glued, spans across a join) are for keys
    that no word produces; the filter answers those without a database query.
    """

    hashes = 7

    def __init__(self, bits: bytes) -> None:
        self.bits = bits  # indexing bytes gives Python ints, much faster than numpy scalars
        self.m = len(bits) * 8

    @staticmethod
    def _seeds(key: str) -> tuple[int, int]:
        b = key.encode("utf-8")
        return zlib.crc32(b), zlib.adler32(b) | 1

    @classmethod
    def build(cls, keys: Iterable[str], n: int) -> KeyFilter:
        import numpy as np  # only a cold start builds a filter: a warm run need not import numpy

        m = max(64, n * 10 // 8 * 8)
        seeds = np.array([cls._seeds(k) for k in keys], dtype=np.uint64).reshape(-1, 2)
        bits = np.zeros(m // 8, dtype=np.uint8)
        for i in range(cls.hashes):
            pos = (seeds[:, 0] + np.uint64(i) * seeds[:, 1]) % np.uint64(m)
            np.bitwise_or.at(bits, (pos >> np.uint64(3)).astype(np.int64), (1 << (pos & np.uint64(7))).astype(np.uint8))
        return cls(bits.tobytes())

    def __contains__(self, key: str) -> bool:
        h1, h2 = self._seeds(key)
        bits, m = self.bits, self.m
        for i in range(self.hashes):
            pos = (h1 + i * h2) % m
            if not bits[pos >> 3] & (1 << (pos & 7)):
                return False
        return True


class Lexicon:
    """Word log-probabilities and the garbled-form index, backed by an on-disk SQLite cache.

    Lookups are memoised; without a writable cache the whole index lives in memory instead.
    """

    floor = -20.0  # log-probability of a word outside the lexicon

    def __init__(self, db_path: Path | None, profile: FontProfile) -> None:
        self._db_path = db_path
        self._db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) if db_path else None
        self._filter: KeyFilter | None = None
        if self._db is not None:
            row = self._db.execute("SELECT bits FROM keyfilter").fetchone()
            self._filter = KeyFilter(bytes(row[0])) if row else None
        self._profile = profile
        self._extra_logp: dict[str, float] = {}
        self._extra_index: dict[str, list[Candidate]] = defaultdict(list)
        self._cand_memo: dict[str, list[Candidate]] = {}
        self._respell_memo: dict[str, list[Candidate]] = {}
        self._spelled_memo: dict[str, str | None] = {}
        self._dist_memo: dict[tuple[str, str, str], dict[str, float]] = {}
        self._outs_memo: dict[tuple[str, str, str], list[tuple[str, float]]] = {}  # channel outputs, log-probs
        self._char_model: CharModel | None = None
        self._sources: dict[str, set[str]] | None = None  # garbled letter -> letters drawn as it
        self._lost: set[str] | None = None  # letters the font may lose without a trace
        self._logp_memo: dict[str, float] = {}
        self._heads: set[str] | None = None
        # the answers of `respellings` and `spelled_out` are kept on disk (see `save_spellings`), per lexicon
        # and vocabulary: they cost a warm run of the bundled document a tenth of its time
        self._spellings_path = self._spellings_file("none")
        self._spellings_loaded = False
        self._spellings_new = False

    def _spellings_file(self, vocabulary: str) -> Path | None:
        """Where the answers of `respellings` and `spelled_out` are kept: named after the lexicon (version,
        profile, size), the vocabulary's digest and everything else they depend on."""
        if self._db_path is None:
            return None
        settings = f"{SPELLINGS_VERSION} {CHAR_MODEL_VERSION} {CHAR_MODEL_WORDS} {SPELLING_MARGIN} {CHANNEL_FLOOR}"
        digest = hashlib.sha1(settings.encode("ascii")).hexdigest()[:8]
        return self._db_path.with_name(f"{self._db_path.stem}-spell-{digest}-{vocabulary}.pickle")

    def _read_spellings(self) -> dict[str, dict]:
        """The kept answers, {"respell": {...}, "spelled": {...}}; empty ones when the file is missing or bad."""
        saved = read_cached(self._spellings_path) if self._spellings_path is not None else None
        if isinstance(saved, dict) and all(isinstance(saved.get(kind), dict) for kind in ("respell", "spelled")):
            return saved
        return {"respell": {}, "spelled": {}}

    def _load_spellings(self) -> None:
        self._spellings_loaded = True
        saved = self._read_spellings()
        for memo, got in ((self._respell_memo, saved["respell"]), (self._spelled_memo, saved["spelled"])):
            for token, answer in got.items():
                memo.setdefault(token, answer)

    def save_spellings(self) -> None:
        """Keep this run's answers of `respellings` and `spelled_out` on disk, merged with what the file holds
        by now (a second process may have added its own; it saves before it reports back)."""
        if not self._spellings_new or self._spellings_path is None:
            return
        saved = self._read_spellings()
        for kind, memo in (("respell", self._respell_memo), ("spelled", self._spelled_memo)):
            got = saved[kind]
            for token, answer in memo.items():
                if len(got) >= SPELLINGS_MAX:
                    break
                got.setdefault(token, answer)
        if write_cached(self._spellings_path, saved):
            self._spellings_new = False

    def reopen(self) -> None:
        """A fresh database connection, for a forked process (SQLite connections must not cross a fork)."""
        if self._db_path is not None:
            self._db = sqlite3.connect(f"file:{self._db_path}?mode=ro", uri=True)

    def starts_multiword_key(self, token: str) -> bool:
        """Whether some key spans several garbled tokens starting with this one (else skip look-ups)."""
        if self._heads is None:
            heads: set[str] = set()
            if self._db is not None:
                heads.update(h for (h,) in self._db.execute("SELECT h FROM heads"))
            heads.update(k.split(" ", 1)[0] for k in self._extra_index if " " in k)
            self._heads = heads
        return token in self._heads

    def prefetch(self, keys: Iterable[str]) -> None:
        """Look many keys up at once (one query per few hundred keys instead of one per key)."""
        todo = [k for k in set(keys) if k and k not in self._cand_memo]
        found: dict[str, list[Candidate]] = {k: [] for k in todo}
        if self._db is not None:
            ask = todo if self._filter is None else [k for k in todo if k in self._filter]
            for i in range(0, len(ask), _BATCH):
                chunk = ask[i : i + _BATCH]
                q = f"SELECT k, val FROM idx WHERE k IN ({','.join('?' * len(chunk))})"
                for k, val in self._db.execute(q, chunk):
                    found[k] = [_parse(item) for item in val.split("|")]
        for k, got in found.items():
            got.extend(self._extra_index.get(k, ()))
            self._cand_memo[k] = got
        words = {w for got in found.values() for w, _, _ in got if w not in self._logp_memo}
        self.prefetch_words(words)

    def prefetch_words(self, words: Iterable[str]) -> None:
        todo = [w for w in set(words) if w not in self._logp_memo]
        found = dict.fromkeys(todo, self.floor)
        if self._db is not None:
            for i in range(0, len(todo), _BATCH):
                chunk = todo[i : i + _BATCH]
                q = f"SELECT w, lp FROM words WHERE w IN ({','.join('?' * len(chunk))})"
                found.update(self._db.execute(q, chunk))
        for w, lp in found.items():
            if w in self._extra_logp:
                lp = max(lp, self._extra_logp[w])
            self._logp_memo[w] = lp

    def add_vocabulary(self, words: Iterable[str]) -> int:
        """Index words that wordfreq's list lacks (a domain corpus's: `لتعليقاتها`, `والسياساتية`), so the
        decoder can reach them; their probability comes from the domain model. Returns how many.

        Finding them means looking every word up, so the result is cached next to the lexicon.
        """
        words = sorted(set(words))
        path = None
        if self._db_path is not None:
            digest = hashlib.sha1("\n".join(words).encode("utf-8")).hexdigest()[:12]
            path = self._db_path.with_name(f"{self._db_path.stem}-vocab-{digest}.pickle")
            # answers are kept per vocabulary too, in case a word it adds changes one
            self._spellings_path = self._spellings_file(digest)
            self._spellings_loaded = False
            self._respell_memo.clear()
            self._spelled_memo.clear()
        new = read_cached(path) if path is not None else None
        if not isinstance(new, dict):
            self.prefetch_words(words)
            garbler = _Garbler(self._profile)
            found: defaultdict[str, list[Candidate]] = defaultdict(list)
            for w in words:
                if self._logp_memo[w] <= self.floor:
                    for key, lp, tail in garbler.variants(w):
                        found[key].append((w, lp, tail))
            new = dict(found)
            if path is not None:
                write_cached(path, new)
        for key, cands in new.items():
            self._extra_index[key].extend(cands)
        self._cand_memo.clear()
        self._heads = None
        return len({w for cands in new.values() for w, _, _ in cands})

    def respellings(self, garbled: str) -> list[Candidate]:
        """Words one glyph error away from a garbled token: (word, log P(garbled | word), False), best first.

        The index holds each word's likely garbled forms only; a rarer glyph error (`الرغلة`, a medial ب
        drawn as ل where the profile mostly saw it kept; `المجتع`, a medial م lost) leaves the token
        unexplained, or explained only as a rare word. The channel still scores such a word, each glyph
        by the profile (an output it never saw counts as 1 in 10,000).
        """
        if not self._spellings_loaded:
            self._load_spellings()
        got = self._respell_memo.get(garbled)
        if got is not None:
            return got
        self._spellings_new = True
        key = normalise_key(garbled)
        sources = self._drawn_as()
        variants = {key[:k] + c + key[k + 1 :] for k in range(len(key)) for c in sources.get(key[k], ())}
        if " " not in key:  # and a letter the font lost without a trace (`المجتع`, a medial م gone)
            lost = self._lost_letters()
            variants |= {key[:k] + c + key[k:] for k in range(len(key) + 1) for c in lost}
        self.prefetch_words(variants)
        got = []
        for word in variants:
            if self.word_logp(word) > self.floor and (lp := self._channel_logp(word, key)) is not None:
                got.append((word, lp, False))
        got.sort(key=lambda c: (-c[1] - self.word_logp(c[0]), c[0]))
        self._respell_memo[garbled] = got
        return got

    def spelled_out(self, garbled: str) -> str | None:
        """A word outside the lexicon spelled back letter by letter (see `spelling`), or None when no
        spelling reads clearly better than the token as it is."""
        if not self._spellings_loaded:
            self._load_spellings()
        if garbled in self._spelled_memo:
            return self._spelled_memo[garbled]
        self._spellings_new = True
        got = None
        if "ئ" not in garbled and len(garbled) >= 3:  # a real ئ and a kashida look alike: leave those
            found = respell(garbled, self.char_model(), self._drawn_as(), self._channel_logp, margin=SPELLING_MARGIN)
            got = found[0] if found else None
        self._spelled_memo[garbled] = got
        return got

    def _drawn_as(self) -> dict[str, set[str]]:
        """Garbled letter -> the letters the font draws as it (from the profile, once)."""
        if self._sources is None:
            self._sources = self._profile.drawn_as()
        return self._sources

    def _lost_letters(self) -> set[str]:
        """The letters the font may lose without a trace (from the profile, once)."""
        if self._lost is None:
            self._lost = self._profile.lost_letters()
        return self._lost

    def char_model(self) -> CharModel:
        """The character model of the lexicon's most frequent words, built once and cached on disk."""
        if self._char_model is None:
            path = cache_dir() / f"charmodel-v{CHAR_MODEL_VERSION}-lex{LEXICON_VERSION}-{CHAR_MODEL_WORDS}.pickle"
            model = read_cached(path)
            if not isinstance(model, CharModel):
                if self._db is not None:
                    q = "SELECT w FROM words ORDER BY lp DESC, w LIMIT ?"
                    words = [w for (w,) in self._db.execute(q, (CHAR_MODEL_WORDS,))]
                else:
                    words = sorted(self._extra_logp, key=lambda w: (-self._extra_logp[w], w))[:CHAR_MODEL_WORDS]
                model = CharModel().fit(words)
                write_cached(path, model)
            self._char_model = model
        return self._char_model

    def _channel_logp(self, word: str, garbled: str) -> float | None:
        """log P(garbled | word): each glyph of the word (a lam-alef is one) gave one of the outputs the
        profile knows for it, nothing among them, or another single letter at a floor of 1 in 10,000.
        None when the glyphs cannot give `garbled` at all."""
        units = glyph_units(word)
        n = len(garbled)
        floor = math.log(CHANNEL_FLOOR)
        if len(units) == n and all(len(u) == 1 for u, _ in units):  # one letter each: no alignment to search
            return sum(
                math.log(max(self._distribution(unit, form, next_letter_context(units, k)).get(garbled[k], 0.0), CHANNEL_FLOOR))
                for k, (unit, form) in enumerate(units)
            )
        best: dict[int, float] = {0: 0.0}  # garbled letters given so far -> best log-probability
        for k, (unit, form) in enumerate(units):
            ctx = (unit, form, next_letter_context(units, k))
            outs = self._outs_memo.get(ctx)
            if outs is None:
                dist = self._distribution(*ctx)
                outs = [(o.replace("ئ", ""), math.log(max(p, CHANNEL_FLOOR))) for o, p in dist.items() if p > 0 and " " not in o]
                self._outs_memo[ctx] = outs
            step: dict[int, float] = {}
            for pos, lp in best.items():
                seen = False
                for out, lpo in outs:
                    if garbled.startswith(out, pos):
                        seen = seen or len(out) == 1
                        if lp + lpo > step.get(pos + len(out), -math.inf):
                            step[pos + len(out)] = lp + lpo
                if not seen and pos < n and lp + floor > step.get(pos + 1, -math.inf):
                    step[pos + 1] = lp + floor
            best = step
            if not best:
                return None
        return best.get(n)

    def _distribution(self, unit: str, form: str, nxt: str) -> dict[str, float]:
        got = self._dist_memo.get((unit, form, nxt))
        if got is None:
            got = self._dist_memo[(unit, form, nxt)] = self._profile.distribution(unit, form, nxt)
        return got

    def word_logp(self, word: str) -> float:
        lp = self._logp_memo.get(word)
        if lp is None:
            lp = self.floor
            if self._db is not None:
                row = self._db.execute("SELECT lp FROM words WHERE w = ?", (word,)).fetchone()
                if row:
                    lp = row[0]
            if word in self._extra_logp:
                lp = max(lp, self._extra_logp[word])
            self._logp_memo[word] = lp
        return lp

    def candidates(self, key: str) -> list[Candidate]:
        """Words whose garbled form can be `key`: (word, log P(key | word), tail space)."""
        got = self._cand_memo.get(key)
        if got is None:
            got = []
            if self._db is not None and (self._filter is None or key in self._filter):
                row = self._db.execute("SELECT val FROM idx WHERE k = ?", (key,)).fetchone()
                if row:
                    got.extend(_parse(item) for item in row[0].split("|"))
            got.extend(self._extra_index.get(key, ()))
            self._cand_memo[key] = got
        return got


def wordfreq_logp(n_words: int = 1_000_000) -> dict[str, float]:
    """Natural-log unigram probabilities of the n most frequent words of wordfreq's large Arabic list."""
    from wordfreq import get_frequency_dict

    freqs = get_frequency_dict("ar", wordlist="large")
    ranked = sorted(freqs.items(), key=lambda kv: -kv[1])[:n_words]
    word = re.compile(r"[\u0621-\u064A]+")
    return {w: math.log(f) for w, f in ranked if f > 0 and word.fullmatch(w)}


_PROCLITICS = {"و": 0.08, "ف": 0.02, "ب": 0.03, "ل": 0.03, "ك": 0.01, "وب": 0.01, "ول": 0.01, "فب": 0.002,
               "فل": 0.002, "وك": 0.002}  # fmt: skip

# proclitics before the article: a conjunction (و ف) first, then a preposition (ب ل; ل + ال is written لل).
# (ك is left out: `وكالة`, `كاليفورنيا` begin as ك + the article would)
_ARTICLE_CLITICS = re.compile(r"(?P<conjunction>[وف]?)(?:(?P<preposition>ب?)ال|(?P<lam>ل)ل)")


def with_proclitics(logp: dict[str, float], *, n_stems: int = 25_000) -> dict[str, float]:
    """Conjunction and preposition forms (و ف ب ل ك and pairs) of frequent words wordfreq lacks.

    wordfreq lists the clitic forms it has seen; rarer combinations (`وللتعجيل`) are generated from the
    most frequent stems, with the clitic's rough probability. `ل` + `ال` is written `لل` (and `ل` + `الل`
    `لل`: `للجنة`). A stem that carries clitics before its article keeps Arabic clitic order: a conjunction goes
    before a preposition (`وبالطفل`), nothing before a conjunction (never `بوالطفل`) or a second preposition
    (`ببالطفل`). Some words only look so (`والد`, `والي`, `بالغ`): they keep the forms wordfreq lists, and get
    no others (or, after what looks like a preposition, only و/ف).
    """
    stems = sorted(logp.items(), key=lambda kv: -kv[1])[:n_stems]
    out: dict[str, float] = {}
    for stem, lp in stems:
        carried = _ARTICLE_CLITICS.match(stem)
        if carried and carried["conjunction"]:  # nothing goes before a conjunction
            continue
        preposition = bool(carried and (carried["preposition"] or carried["lam"]))
        for clitic, p in _PROCLITICS.items():
            if preposition and clitic not in ("و", "ف"):
                continue
            if stem.startswith("ال") and clitic.endswith("ل"):
                # ل + الجريمة -> للجريمة; ل + اللجنة -> للجنة (the article's lam merges with the next)
                word = clitic + stem[2 if stem.startswith("الل") else 1 :]
            else:
                word = clitic + stem
            if word not in logp and word not in out:
                out[word] = lp + math.log(p)
    return out


class _Garbler:
    """Fast enumeration of a word's likely garbled forms, with the profile's distributions memoised.

    A glyph output rarer than `min_prob` is not indexed (a word that shows one is left to `respellings`), and a
    word keeps its `max_variants` likeliest forms. 0.03 and 10: on other documents garbled by the profile the
    bag WER falls from 3.3% (0.04 and 4) to 2.5%, the dev cross-validation holds (bag 1.85 -> 1.81%, three
    shuffles), the index grows from 88 to 110 MB; 0.02 reads other documents better still (2.3%) but the
    order search chose more false joins among the extra readings, and a cold start peaked at 1.3 GB.
    """

    def __init__(self, profile: FontProfile, *, min_prob: float = 0.03, max_variants: int = 10) -> None:
        self.profile = profile
        self.min_prob = min_prob
        self.max_variants = max_variants
        self._dist = lru_cache(maxsize=None)(self._options)

    def _options(self, unit: str, form: str, nxt: str) -> tuple[tuple[str, float], ...]:
        dist = self.profile.distribution(unit, form, nxt)
        opts = [(o.replace("ئ", ""), math.log(p)) for o, p in dist.items() if p >= self.min_prob]
        return tuple(sorted(opts, key=lambda x: (-x[1], x[0])))  # ties in a fixed order: builds are reproducible

    def variants(self, word: str) -> list[tuple[str, float, bool]]:
        """(key, log-probability, ends-with-lost-letter-space) for the word's likely garbled forms."""
        units = glyph_units(word)
        last = len(units) - 1
        dist = self._dist
        beams: list[tuple[str, float, bool]] = [("", 0.0, False)]  # garbled text, log-prob, final letter lost
        for k, (u, f) in enumerate(units):
            opts = dist(u, f, next_letter_context(units, k))
            if len(opts) == 1:
                o, lp = opts[0]
                lost = k == last and not o.strip()
                beams = [(s + o, p + lp, lost) for s, p, _ in beams]
                continue
            beams = sorted(
                ((s + o, p + lp, k == last and not o.strip()) for s, p, _ in beams for o, lp in opts),
                key=lambda x: -x[1],
            )
            beams = beams[: self.max_variants]
        merged: dict[tuple[str, bool], float] = {}
        for s, lp, lost in beams:
            key = normalise_key(s)
            if key:
                # a lost final letter mostly leaves a space (`المتحد  ` for المتحدة), even where the
                # alignment of the training lines credited that space to the word gap
                kt = (key, lost or s.replace("ئ", "").endswith(" "))
                merged[kt] = max(merged.get(kt, -1e9), lp)
        return [(k, lp, tail) for (k, tail), lp in merged.items()]


def build_index(
    profile: FontProfile, words: dict[str, float], *, min_prob: float = 0.03, n_jobs: int = 2
) -> dict[str, list[Candidate]]:
    """Map every likely garbled key to its candidates (word, log P(key | word), tail space).

    Enumerating the garbled forms of a million words is the slow part of a cold start; with
    `n_jobs` > 1 (and fork available) forked workers enumerate chunks of the words while this
    process merges what they send back.
    """
    index: dict[str, list[Candidate]] = defaultdict(list)
    ordered = list(words)
    if n_jobs > 1 and len(ordered) >= 2 * _BUILD_CHUNK and _can_fork():
        chunks = [ordered[i : i + _BUILD_CHUNK] for i in range(0, len(ordered), _BUILD_CHUNK)]
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(n_jobs, initializer=_init_worker, initargs=(profile, min_prob)) as pool:
            for part in pool.imap(_variants_of_chunk, chunks):
                for key, w, lp, tail in part:
                    index[key].append((w, lp, tail))
    else:
        garbler = _Garbler(profile, min_prob=min_prob)
        for w in ordered:
            for key, lp, tail in garbler.variants(w):
                index[key].append((w, lp, tail))
    return {key: _likeliest(cands, words) for key, cands in index.items()}


MAX_CANDIDATES = 30  # words a key keeps (see `_likeliest`)


def _likeliest(cands: list[Candidate], words: dict[str, float]) -> list[Candidate]:
    """The key's MAX_CANDIDATES likeliest words, by channel and unigram, in the order they were found.

    Short keys collect hundreds of words (`ال`, `في`); the decoder reads the best 10 of them once the language
    model has weighed them, and the 31st and later never changed a word or a runner-up of the bundled document
    (nor the dev cross-validation's output), while parsing them cost 4% of a warm repair.
    """
    if len(cands) <= MAX_CANDIDATES:
        return cands
    ranked = sorted(range(len(cands)), key=lambda i: -(cands[i][1] + words.get(cands[i][0], Lexicon.floor)))
    keep = set(ranked[:MAX_CANDIDATES])
    return [c for i, c in enumerate(cands) if i in keep]


_BUILD_CHUNK = 50_000  # words a worker garbles per task
_WORKER: dict[str, _Garbler] = {}


def _init_worker(profile: FontProfile, min_prob: float) -> None:
    _WORKER["garbler"] = _Garbler(profile, min_prob=min_prob)


def _variants_of_chunk(chunk: list[str]) -> list[tuple[str, str, float, bool]]:
    garbler = _WORKER["garbler"]
    return [(key, w, lp, tail) for w in chunk for key, lp, tail in garbler.variants(w)]


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def _write_db(path: Path, logp: dict[str, float], index: dict[str, list[Candidate]]) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.{time.time_ns()}.tmp")
    db = sqlite3.connect(tmp)
    # a scratch file renamed into place once complete: no journal to keep, nothing to sync before then; rows
    # go in in key order, so each insert appends to its table's B-tree (the whole write: 21.7 s -> 16.2 s)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("CREATE TABLE words (w TEXT PRIMARY KEY, lp REAL) WITHOUT ROWID")
    db.execute("CREATE TABLE idx (k TEXT PRIMARY KEY, val TEXT) WITHOUT ROWID")
    db.execute("CREATE TABLE heads (h TEXT PRIMARY KEY) WITHOUT ROWID")
    db.executemany("INSERT INTO heads VALUES (?)", ((h,) for h in sorted({k.split(" ", 1)[0] for k in index if " " in k})))
    db.executemany("INSERT INTO words VALUES (?, ?)", sorted(logp.items()))
    db.executemany(
        "INSERT INTO idx VALUES (?, ?)",
        ((k, "|".join([f"{w} {lp:.4f} {t:d}" for w, lp, t in index[k]])) for k in sorted(index)),
    )
    db.execute("CREATE TABLE keyfilter (bits BLOB)")
    db.execute("INSERT INTO keyfilter VALUES (?)", (KeyFilter.build(index, len(index)).bits,))
    db.commit()
    db.close()
    os.replace(tmp, path)


def load_lexicon(profile: FontProfile, *, n_words: int = 1_000_000, use_cache: bool = True) -> Lexicon:
    """The wordfreq lexicon indexed for `profile`, built once and cached on disk."""
    path = cache_dir() / f"lexicon-v{LEXICON_VERSION}-{profile.fingerprint}-{n_words}.sqlite"
    if not (use_cache and path.exists()):
        logp = wordfreq_logp(n_words)
        logp.update(with_proclitics(logp))
        index = build_index(profile, logp)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_db(path, logp, index)
            _remove_stale(path.parent)
        except OSError:  # no writable cache: keep everything in memory for this run
            lex = Lexicon(None, profile)
            lex._extra_logp = logp
            lex._extra_index = defaultdict(list, index)
            return lex
    return Lexicon(path, profile)


def _remove_stale(folder: Path) -> None:
    """Delete lexicon caches (and their vocabulary indexes and kept spellings) of older versions: nothing reads
    them any more."""
    olds = [*folder.glob("lexicon-v*.sqlite"), *folder.glob("lexicon-v*-vocab-*.pickle")]
    for old in [*olds, *folder.glob("lexicon-v*-spell-*.pickle")]:
        version = old.name.split("-", 2)[1][1:]
        if version.isdigit() and int(version) < LEXICON_VERSION:
            try:
                old.unlink()
            except OSError:
                pass
