"""The notebooks run top to bottom in a fresh kernel (so they never rot) and are kept without outputs in git."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"

# Prepended to a notebook to run it as if egm_text.analyze were not installed.
WITHOUT_ANALYZE = """
import importlib.abc, importlib.util, sys
_find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a, **k: None if name.startswith("egm_text.analyze") else _find_spec(name, *a, **k)
class _NoAnalyze(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.startswith("egm_text.analyze"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoAnalyze())
"""


def test_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == ["01_repair_walkthrough.ipynb", "02_recommendation_themes.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == KERNEL
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "strip the outputs before committing"


def test_python3_kernel_is_this_interpreter():
    """nbclient starts `python3`; its kernelspec must run this venv's Python (with egm_text installed)."""
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import KernelManager

    try:
        cmd = KernelManager(kernel_name=KERNEL).format_kernel_cmd()
    except NoSuchKernel:
        pytest.fail("no python3 kernelspec: install ipykernel into this environment")
    assert Path(cmd[0]).resolve() == Path(sys.executable).resolve(), cmd


def execute(path: Path, tmp_path: Path, *, prelude: str | None = None) -> tuple[nbformat.NotebookNode, float]:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    if prelude:
        nb.cells.insert(0, nbformat.v4.new_code_cell(prelude))
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=180, resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.perf_counter()
    client.execute()  # raises CellExecutionError with the cell and traceback on any error
    return nb, time.perf_counter() - t0


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") or "".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@pytest.mark.slow
def test_repair_walkthrough_runs(tmp_path):
    nb, seconds = execute(ROOT / "notebooks" / "01_repair_walkthrough.ipynb", tmp_path)
    assert seconds < 90
    text = _text(nb)
    assert "UNODC/CCPCJ/EG.4/2020/2" in text and "changes written to repair_audit.jsonl" in text
    assert any(o.get("data", {}).get("image/png") for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.slow
def test_recommendation_themes_runs(tmp_path):
    nb, seconds = execute(ROOT / "notebooks" / "02_recommendation_themes.ipynb", tmp_path)
    assert seconds < 90
    text = _text(nb)
    assert "117 recommendations" in text
    import importlib.util

    if importlib.util.find_spec("egm_text.analyze") is not None:
        assert "analysis stage available: True" in text and "skipped" not in text


@pytest.mark.slow
def test_recommendation_themes_degrades_without_analysis(tmp_path):
    nb, _ = execute(ROOT / "notebooks" / "02_recommendation_themes.ipynb", tmp_path, prelude=WITHOUT_ANALYZE)
    text = _text(nb)
    assert "analysis stage available: False" in text
    assert "themes need the analysis stage" in text and "117 recommendations" in text
