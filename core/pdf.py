"""What every printed document's PDF shares: the page, the shop's letterhead, text and money
as the built-in font prints them, and the two address columns. Drawn with fpdf2.

fpdf2 is pure Python (no system libraries to install), so the PDFs work
wherever the app runs. They use the PDF's built-in Helvetica, which needs no
font file but knows only the Windows-1252 characters (Western European
letters, "€", "×", dashes and quotes); any other character is printed as "?"
rather than refusing the whole document.

The document apps (purchase orders and debit notes in :mod:`purchases.pdf`,
receipts and credit notes in :mod:`sales.pdf`) may not import each other, so
what they share lives here.
"""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext, ngettext
from fpdf import FPDF
from fpdf.fonts import FontFace

from core.money import format_money
from core.templatetags.listing import day as day_text

ENCODING = "cp1252"
FONT = "helvetica"
HEADINGS_STYLE = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))


def printable(value) -> str:
    """``value`` as the built-in font can print it: unknown characters become "?"."""
    return str(value).encode(ENCODING, errors="replace").decode(ENCODING)


def money(amount: Decimal) -> str:
    """ "$1,234.50", "-$18.00": rounded half a cent up, as the pages show it."""
    return printable(format_money(amount))


def day(value) -> str:
    """ "Dec. 2, 2026": the locale's date format, as the pages show dates."""
    return printable(day_text(value))


def line_count(count: int) -> str:
    """ "1 line", "2 lines"."""
    return ngettext("%(count)s line", "%(count)s lines", count) % {"count": count}


def new_document(heading: str, title: str) -> FPDF:
    """An A4 document of one page so far, with the shop's letterhead and ``heading`` written."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_title(printable(f"{settings.SITE_NAME}: {title}"))
    pdf.set_creator(printable(settings.SITE_NAME))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    letterhead(pdf)
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, printable(heading), new_x="LMARGIN", new_y="NEXT")
    return pdf


def letterhead(pdf: FPDF) -> None:
    """The shop's name, address and tax number (those set), then a rule across the page."""
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 6, printable(settings.SITE_NAME), new_x="LMARGIN", new_y="NEXT")
    details = [settings.SHOP_ADDRESS]
    if settings.SHOP_TAX_NUMBER:
        details.append(gettext("Tax number: %(number)s") % {"number": settings.SHOP_TAX_NUMBER})
    if text := "\n".join(detail for detail in details if detail):
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 4.5, printable(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    pdf.ln(4)


def address_block(pdf: FPDF, heading: str, lines: list[str], x: float, width: float) -> float:
    """Write a heading and its lines (blank ones left out) in a column at ``x``; return where
    the column ends."""
    pdf.set_xy(x, pdf.get_y())
    pdf.set_font(FONT, "B", 9)
    pdf.cell(width, 5, printable(heading), new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.set_x(x)
    pdf.multi_cell(width, 5, printable("\n".join(line for line in lines if line)), new_x="LEFT")
    return pdf.get_y()


def side_by_side(pdf: FPDF, left: tuple[str, list[str]], right: tuple[str, list[str]]) -> None:
    """Two address blocks, (heading, lines) each, across the page; then below the longer."""
    top, half = pdf.get_y(), pdf.epw / 2
    left_end = address_block(pdf, *left, pdf.l_margin, half - 5)
    pdf.set_y(top)
    right_end = address_block(pdf, *right, pdf.l_margin + half, half)
    pdf.set_xy(pdf.l_margin, max(left_end, right_end) + 6)


def summary_rows(pdf: FPDF, rows: list[tuple[str, str]], *, last_bold: bool = True) -> None:
    """Label and amount pairs right-aligned under a document's lines (net, tax per rate,
    total), the last in bold."""
    pdf.ln(2)
    for number, (label, amount) in enumerate(rows, start=1):
        bold = last_bold and number == len(rows)
        pdf.set_font(FONT, "B" if bold else "", 11 if bold else 10)
        pdf.cell(pdf.epw - 35, 6, printable(label), align="R")
        pdf.cell(35, 6, printable(amount), align="R", new_x="LMARGIN", new_y="NEXT")
