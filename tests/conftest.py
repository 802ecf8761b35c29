"""Shared fixtures: the real bundled document, the dev gold and one repairer for the session."""

from __future__ import annotations

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
