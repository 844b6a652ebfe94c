"""A customer return as a PDF credit note, drawn with fpdf2.

As the purchase order's PDF (:mod:`purchases.pdf`, which sales may not
import): the PDF's built-in Helvetica, which needs no font file but knows only
the Windows-1252 characters; any other character is printed as "?" rather
than refusing the whole document. The small helpers below are copies of
that module's.
"""

from decimal import Decimal

from django.conf import settings
from fpdf import FPDF
from fpdf.fonts import FontFace

from core.quantities import format_quantity
from sales.models import SaleReturn

ENCODING = "cp1252"
FONT = "helvetica"
# Product, quantity, back on the shelf or written off, reason, unit price, refund:
# fractions of the page's width.
COLUMN_WIDTHS = (34, 13, 14, 21, 12, 12)


def _text(value) -> str:
    """``value`` as the built-in font can print it: unknown characters become "?"."""
    return str(value).encode(ENCODING, errors="replace").decode(ENCODING)


def _money(amount: Decimal) -> str:
    return _text(f"{settings.CURRENCY_SYMBOL}{amount.quantize(Decimal('0.01')):,.2f}")


def _address_block(pdf: FPDF, heading: str, lines: list[str], x: float, width: float) -> float:
    """Write a heading and its lines in a column at ``x``; return where the column ends."""
    pdf.set_xy(x, pdf.get_y())
    pdf.set_font(FONT, "B", 9)
    pdf.cell(width, 5, _text(heading), new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.set_x(x)
    pdf.multi_cell(width, 5, _text("\n".join(line for line in lines if line)), new_x="LEFT")
    return pdf.get_y()


def credit_note_pdf(sale_return: SaleReturn) -> bytes:
    """The return as the customer reads it: who refunds whom, against which sale, lines, total."""
    lines = list(sale_return.lines.select_related("product__unit"))
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_title(_text(f"{settings.SITE_NAME}: credit note {sale_return.label}"))
    pdf.set_creator(_text(settings.SITE_NAME))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, _text(f"Credit note {sale_return.label}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    sale = sale_return.sale
    facts = [
        f"Date: {sale_return.date:%d %B %Y}",
        f"Against sale {sale.label} of {sale.date:%d %B %Y}",
    ]
    pdf.cell(0, 6, _text("   ·   ".join(facts)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    top, half = pdf.get_y(), pdf.epw / 2
    customer, store = sale_return.customer, sale_return.store
    left_end = _address_block(
        pdf,
        "Customer",
        [customer.name, customer.address, customer.email, customer.phone],
        pdf.l_margin,
        half - 5,
    )
    pdf.set_y(top)
    right_end = _address_block(
        pdf,
        "From",
        [f"{settings.SITE_NAME}: {store.name}", store.address, store.phone],
        pdf.l_margin + half,
        half,
    )
    pdf.set_xy(pdf.l_margin, max(left_end, right_end) + 6)

    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        text_align=("LEFT", "RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        line_height=6,
        padding=(1, 2),
    ) as table:
        table.row(["Product", "Quantity", "Goods", "Reason", "Unit price", "Refund"])
        for line in lines:
            table.row(
                [
                    _text(f"{line.product.sku}  {line.product.name}"),
                    _text(format_quantity(line.quantity, line.product.unit)),
                    "Back on the shelf" if line.restock else "Written off",
                    _text(line.reason),
                    _money(line.unit_price),
                    _money(line.refund),
                ]
            )
    refund = sum((line.refund for line in lines), Decimal("0"))
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(
        0,
        7,
        _text(f"Total refund: {_money(refund)}   ({len(lines)} lines)"),
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if sale_return.notes:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, "Notes", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, 5, _text(sale_return.notes), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
