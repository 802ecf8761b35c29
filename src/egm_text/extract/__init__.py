"""PDF input: UN Arabic PDFs to the pipeline's line-oriented raw text plus page and position data.

>>> from egm_text.extract import extract_pdf          # doctest: +SKIP
>>> x = extract_pdf("report.pdf")                     # doctest: +SKIP
>>> x.text, x.lines[0].page, x.furniture, x.footnotes, x.urls, x.pages   # doctest: +SKIP
"""

from egm_text.extract.pdf import VERDICTS, ExtractedPDF, extract_pdf

__all__ = ["VERDICTS", "ExtractedPDF", "extract_pdf"]
