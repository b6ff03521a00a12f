"""A plain A4 text document as PDF (fpdf2), with a Unicode font when the system has one."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

# A Unicode font gives the PDF umlauts, dashes and other scripts; without one the text falls back to Latin-1.
PDF_FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),)


class PdfDocument:
    def __init__(self, title: str) -> None:
        self._pdf = FPDF(format="A4")
        self._pdf.set_margins(18, 18, 18)
        self._pdf.set_auto_page_break(auto=True, margin=18)
        font = next((f for f in PDF_FONTS if f.exists()), None)
        self._unicode = font is not None
        if font:
            self._pdf.add_font("body", fname=str(font))
        self._family = "body" if font else "helvetica"
        self._pdf.add_page()
        self._pdf.set_title(self._text(title))

    def _text(self, value: str) -> str:
        return value if self._unicode else value.encode("latin-1", "replace").decode("latin-1")

    def write(self, value: str, size: float, gap: float = 2) -> None:
        self._pdf.set_font(self._family, size=size)
        self._pdf.multi_cell(0, size * 0.5, self._text(value), new_x="LMARGIN", new_y="NEXT")
        self._pdf.ln(gap)

    def output(self) -> bytes:
        return bytes(self._pdf.output())
