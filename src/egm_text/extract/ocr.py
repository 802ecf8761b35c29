"""Optional OCR fallback with Tesseract (pytesseract + tesseract-ocr + tesseract-ocr-ara).

Pages are rendered at 300 dpi with poppler's `pdftoppm` when it is installed, else with pypdfium2.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from egm_text.errors import PdfError

INSTALL_HINT = "pip install pytesseract; apt-get install tesseract-ocr tesseract-ocr-ara"


def tesseract_status(lang: str = "ara") -> str | None:
    """None when OCR can run, else the reason it cannot (one line)."""
    try:
        import pytesseract
    except ImportError:
        return f"OCR needs the optional dependency pytesseract ({INSTALL_HINT})"
    try:
        langs = pytesseract.get_languages(config="")
    except Exception:  # noqa: BLE001 - any failure means the binary is unusable
        return f"OCR needs the tesseract program ({INSTALL_HINT})"
    if lang not in langs:
        return f"tesseract has no '{lang}' language data (apt-get install tesseract-ocr-{lang})"
    return None


def render_page(pdf_path: str | Path, page: int, dpi: int = 300):
    """A 1-based page as a grayscale PIL image."""
    from PIL import Image

    if shutil.which("pdftoppm"):
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "p"
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    str(dpi),
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-gray",
                    "-png",
                    str(pdf_path),
                    str(prefix),
                ],
                check=True,
                capture_output=True,
            )
            out = sorted(Path(tmp).glob("p*.png"))
            if out:
                with Image.open(out[0]) as im:
                    return im.copy()
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        return doc[page - 1].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        doc.close()


def ocr_page(pdf_path: str | Path, page: int, *, dpi: int = 300, lang: str = "ara") -> list[str]:
    """Text lines of one page read by Tesseract."""
    reason = tesseract_status(lang)
    if reason:
        raise PdfError(reason, path=str(pdf_path))
    import pytesseract

    image = render_page(pdf_path, page, dpi)
    text = pytesseract.image_to_string(image, lang=lang)
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]
