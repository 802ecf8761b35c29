"""The font profile: what the broken font emits for each letter in each joining context.

A profile is a learned channel P(garbled output | letter, form, next letter). It is saved as JSON with
a format version, the package version and a hash of its training data (never pickle), and the one
learned from the dev gold ships as the default profile for UN documents.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from egm_text import __version__
from egm_text.arabic import AR_WORD, glyph_units
from egm_text.errors import ProfileError

FORMAT_VERSION = 1
END = "#"  # "next letter" context of a word-final unit
PUNCT_UNITS = ("،", "؛")
DEFAULT_PROFILE = "font_profile_un.json"
DEFAULT_TRAINING_TEXT = "un_dev_gold_clean.txt"  # the corrected lines the default profile was fitted on

Counts = dict[str, Counter]


def _key(unit: str, form: str, nxt: str | None = None) -> str:
    return f"{unit}|{form}" if nxt is None else f"{unit}|{form}|{nxt}"


def next_letter_context(units: list[tuple[str, str]], k: int) -> str:
    """The context a unit's glyph is chosen by: the first letter of the next unit, or END."""
    return units[k + 1][0][0] if k + 1 < len(units) else END


@dataclass
class FontProfile:
    """Learned glyph channel with back-off: (unit, form, next) -> (unit, form) -> identity."""

    counts: Counts = field(default_factory=dict)  # key -> Counter(output -> count)
    name: str = "custom"
    training_hash: str = ""
    alpha: float = 2.0  # back-off strength from (unit, form, next) to (unit, form)
    beta: float = 1.0  # back-off strength from (unit, form) to identity

    # --- probabilities -------------------------------------------------------------------------
    def distribution(self, unit: str, form: str, nxt: str | None = None) -> dict[str, float]:
        """P(output | unit, form, next) with back-off; always sums to 1."""
        base: dict[str, float] = {unit: 1.0}
        c2 = self.counts.get(_key(unit, form))
        if c2:
            n2 = sum(c2.values())
            keys = set(c2) | set(base)
            base = {o: (c2.get(o, 0) + self.beta * base.get(o, 0.0)) / (n2 + self.beta) for o in keys}
        if nxt is not None:
            c3 = self.counts.get(_key(unit, form, nxt))
            if c3:
                n3 = sum(c3.values())
                keys = set(c3) | set(base)
                base = {o: (c3.get(o, 0) + self.alpha * base.get(o, 0.0)) / (n3 + self.alpha) for o in keys}
        return base

    def drawn_as(self) -> dict[str, set[str]]:
        """For each letter, the other letters the training lines showed the font drawing as it."""
        out: dict[str, set[str]] = {}
        for key, outputs in self.counts.items():
            unit = key.split("|", 1)[0]
            for o in outputs:
                if len(unit) == 1 and unit.isalpha() and len(o) == 1 and o.isalpha() and o != unit:
                    out.setdefault(o, set()).add(unit)
        return out

    def lost_letters(self) -> set[str]:
        """Letters the training lines showed the font losing without a trace in some joining form."""
        units = (key.split("|", 1)[0] for key, outputs in self.counts.items() if outputs.get("", 0))
        return {unit for unit in units if len(unit) == 1 and unit.isalpha()}

    def output_for(self, letter: str, form: str, next_letter: str | None = None) -> str:
        """The most likely garbled output for a letter (or lam-alef) in a joining form."""
        dist = self.distribution(letter, form, next_letter)
        return max(dist.items(), key=lambda kv: (kv[1], kv[0] == letter))[0]

    # --- forward model -------------------------------------------------------------------------
    def garble_word(self, word: str) -> str:
        """The most likely garbled form of one Arabic word (kashida not included)."""
        units = glyph_units(word)
        return "".join(
            self.output_for(u, f, next_letter_context(units, k)) for k, (u, f) in enumerate(units)
        )

    def garble_text(self, text: str) -> str:
        """Garble clean text as the broken font would (per word; punctuation mapped too)."""
        out: list[str] = []
        pos = 0
        for m in AR_WORD.finditer(text):
            out.append(self._garble_other(text[pos : m.start()]))
            out.append(self.garble_word(m.group()))
            pos = m.end()
        out.append(self._garble_other(text[pos:]))
        return "".join(out)

    def _garble_other(self, s: str) -> str:
        return "".join(self.output_for(ch, "x") if ch in PUNCT_UNITS else ch for ch in s)

    # --- persistence ---------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {
            "format": "egm-text-font-profile",
            "format_version": FORMAT_VERSION,
            "package_version": __version__,
            "name": self.name,
            "training_hash": self.training_hash,
            "params": {"alpha": self.alpha, "beta": self.beta},
            "counts": {k: dict(sorted(v.items())) for k, v in sorted(self.counts.items())},
        }

    @classmethod
    def from_json(cls, data: dict, *, path: str = "<profile>") -> FontProfile:
        if not isinstance(data, dict) or data.get("format") != "egm-text-font-profile":
            raise ProfileError("not an egm-text font profile", path=path)
        if data.get("format_version") != FORMAT_VERSION:
            raise ProfileError(
                f"profile format {data.get('format_version')} is not supported (need {FORMAT_VERSION})",
                path=path,
            )
        try:
            counts = {k: Counter({o: int(c) for o, c in v.items()}) for k, v in data["counts"].items()}
            params = data.get("params", {})
            return cls(
                counts=counts,
                name=str(data.get("name", "custom")),
                training_hash=str(data.get("training_hash", "")),
                alpha=float(params.get("alpha", 2.0)),
                beta=float(params.get("beta", 1.0)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProfileError(f"malformed profile ({exc})", path=path) from None

    def save(self, path: str | Path) -> None:
        from egm_text.textio import write_text

        write_text(path, json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> FontProfile:
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProfileError("no such profile file", path=str(p)) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProfileError(f"cannot read profile ({exc})", path=str(p)) from None
        return cls.from_json(data, path=str(p))

    @property
    def fingerprint(self) -> str:
        """A short hash of the learned counts and the back-off strengths (both shape the distributions a
        cached index was built from), used as part of cache keys."""
        data = self.to_json()
        blob = json.dumps([data["counts"], data["params"]], ensure_ascii=False, sort_keys=True)
        return hashlib.sha1(blob.encode("utf-8")).hexdigest()[:12]


@lru_cache(maxsize=1)
def load_default_profile() -> FontProfile:
    """The profile learned from the bundled dev gold, shipped for UN documents."""
    ref = resources.files("egm_text.resources").joinpath(DEFAULT_PROFILE)
    try:
        data = json.loads(ref.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError("the default font profile is missing from the package") from None
    return FontProfile.from_json(data, path=DEFAULT_PROFILE)


@lru_cache(maxsize=1)
def default_training_text() -> str:
    """The corrected (clean) lines the shipped profile was learned from; they feed its domain model."""
    ref = resources.files("egm_text.resources").joinpath(DEFAULT_TRAINING_TEXT)
    try:
        return ref.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
