"""Shared fixtures: the real bundled document, the dev gold and one repairer for the session."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "un_egm_cybercrime_2020_ar.garbled.txt"
DEV = ROOT / "tests" / "data" / "dev.tsv"
CLEAN_DIR = ROOT / "src" / "egm_text" / "resources" / "corpus"


@pytest.fixture(scope="session")
def raw_lines() -> list[str]:
    return RAW.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="session")
def gold():
    from egm_text.evaluate import load_gold

    return load_gold(DEV)


@pytest.fixture(scope="session")
def repairer():
    from egm_text.repair import GlyphRepairer

    return GlyphRepairer(profile="un")


@pytest.fixture(scope="session")
def repaired_document(repairer, raw_lines):
    return repairer.repair_and_explain(raw_lines)


@pytest.fixture(scope="session")
def processed_document(repairer, raw_lines):
    """The bundled document segmented, repaired and structured, as the pipeline does it."""
    from egm_text.document import Document
    from egm_text.pipeline import process

    doc = Document.from_text("\n".join(raw_lines))
    process(doc, repairer)
    return doc


ARABICISH = "ابتثجحخدذرزسشصضطظعغفقكلمنهويئءةى )(-ل 0123456789"
MUTATIONS = ("drop", "dup", "swap", "cut", "join", "split", "noise", "move-block")


def mutate_lines(lines: list[str], rng: random.Random, steps: int, ops=MUTATIONS) -> list[str]:
    """Damage a document the ways extractions do: lost, doubled, swapped, cut, joined, split, noisy lines."""
    lines = list(lines)
    for _ in range(steps):
        i = rng.randrange(len(lines))
        op = rng.choice(ops)
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "cut":
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif op == "join" and i + 1 < len(lines):
            lines[i : i + 2] = [lines[i] + " " + lines[i + 1]]
        elif op == "split" and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i : i + 1] = [lines[i][:k], lines[i][k:]]
        elif op == "noise":
            k = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:k] + "".join(rng.choice(ARABICISH) for _ in range(rng.randrange(1, 6))) + lines[i][k:]
        elif op == "move-block":
            j = rng.randrange(len(lines))
            block = lines[i : i + 20]
            del lines[i : i + 20]
            lines[j:j] = block
        if not lines:
            lines = [""]
    return lines
