"""egm-text: turn garbled Arabic UN PDFs into clean text and research datasets.

The pipeline is extract -> repair -> segment -> analyze -> export; each stage is a module of its own.
Nothing heavy happens at import time.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
