"""A sale's receipt and a customer return's credit note as PDF files, drawn with fpdf2.

The page, the shop's letterhead and the characters the built-in font prints
are :mod:`core.pdf`'s, shared with the purchase order and the debit note.
"""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from fpdf import FPDF

from core.pdf import (
    FONT,
    HEADINGS_STYLE,
    day,
    line_count,
    money,
    new_document,
    printable,
    side_by_side,
    summary_rows,
)
from core.quantities import format_quantity
from sales.models import Sale, SaleReturn
from sales.selectors import credit_note_lines, credit_notes_of, receipt_lines, sale_tax_bands

# Product, quantity, back on the shelf or written off, reason, net, tax:
# fractions of the page's width.
COLUMN_WIDTHS = (34, 13, 14, 21, 12, 12)
# SKU, product, quantity, unit price, discount, tax rate, net.
RECEIPT_COLUMN_WIDTHS = (14, 36, 14, 13, 12, 9, 13)
# On a voided sale's receipt, above everything else it says.
VOIDED_NOTICE = _("VOIDED — not valid as a receipt")


def receipt_pdf(sale: Sale) -> bytes:
    """The sale as the customer reads it: who sold what to whom, for how much, and what
    came back since."""
    lines = list(receipt_lines(sale))
    credit_notes = list(credit_notes_of(sale))
    pdf = new_document(
        gettext("Receipt %(number)s") % {"number": sale.label},
        gettext("receipt %(number)s") % {"number": sale.label},
    )
    if sale.is_voided:
        # Never mistaken for proof of purchase if it is printed or forwarded again.
        pdf.set_font(FONT, "B", 14)
        pdf.set_text_color(180, 0, 0)
        pdf.cell(0, 9, printable(VOIDED_NOTICE), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    pdf.set_font(FONT, "", 10)
    pdf.cell(
        0,
        6,
        printable(gettext("Date: %(date)s") % {"date": day(sale.date)}),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    _customer_and_store(pdf, sale, store_heading=gettext("Sold by"))

    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=RECEIPT_COLUMN_WIDTHS,
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=HEADINGS_STYLE,
        line_height=6,
        padding=(1, 2),
    ) as table:
        table.row(
            [
                printable(heading)
                for heading in (
                    gettext("SKU"),
                    gettext("Product"),
                    gettext("Quantity"),
                    gettext("Unit price"),
                    gettext("Discount"),
                    gettext("Tax"),
                    gettext("Net"),
                )
            ]
        )
        for line in lines:
            table.row(
                [
                    printable(line.product.sku),
                    printable(line.product.name),
                    printable(format_quantity(line.quantity, line.product.unit)),
                    money(line.unit_price),
                    money(line.total_discount) if line.total_discount else "-",
                    f"{line.tax_percent.normalize():f}%",
                    money(line.net_amount),
                ]
            )
    pdf.set_font(FONT, "", 9)
    if sale.prices_include_tax:
        tax_note = gettext("%(lines)s; prices include tax.")
    else:
        tax_note = gettext("%(lines)s; prices exclude tax.")
    pdf.cell(
        0,
        5,
        printable(tax_note % {"lines": line_count(len(lines))}),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    summary_rows(pdf, _amounts(sale, lines))

    if credit_notes:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, printable(gettext("Returned since")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        for credit_note in credit_notes:
            text = gettext("Credit note %(number)s of %(date)s: refund %(refund)s") % {
                "number": credit_note.label,
                "date": day(credit_note.date),
                "refund": money(credit_note.refund),
            }
            pdf.cell(0, 5, printable(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def credit_note_pdf(sale_return: SaleReturn) -> bytes:
    """The return as the customer reads it: who refunds whom, against which sale, lines, total."""
    lines = credit_note_lines(sale_return)
    pdf = new_document(
        gettext("Credit note %(number)s") % {"number": sale_return.label},
        gettext("credit note %(number)s") % {"number": sale_return.label},
    )
    pdf.set_font(FONT, "", 10)
    sale = sale_return.sale
    facts = [
        gettext("Date: %(date)s") % {"date": day(sale_return.date)},
        gettext("Against sale %(number)s of %(date)s")
        % {"number": sale.label, "date": day(sale.date)},
    ]
    pdf.cell(0, 6, printable("   ·   ".join(facts)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _customer_and_store(pdf, sale_return, store_heading=gettext("From"))

    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        text_align=("LEFT", "RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        headings_style=HEADINGS_STYLE,
        line_height=6,
        padding=(1, 2),
    ) as table:
        table.row(
            [
                printable(heading)
                for heading in (
                    gettext("Product"),
                    gettext("Quantity"),
                    gettext("Goods"),
                    gettext("Reason"),
                    gettext("Net"),
                    gettext("Tax"),
                )
            ]
        )
        for line in lines:
            table.row(
                [
                    printable(f"{line.product.sku}  {line.product.name}"),
                    printable(format_quantity(line.quantity, line.product.unit)),
                    printable(
                        gettext("Back on the shelf") if line.restock else gettext("Written off")
                    ),
                    printable(line.reason),
                    money(line.net_amount),
                    money(line.tax_amount),
                ]
            )
    summary_rows(pdf, credit_note_amounts(sale_return, lines))
    if sale_return.notes:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, printable(gettext("Notes")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, 5, printable(sale_return.notes), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _amounts(sale: Sale, lines) -> list[tuple[str, str]]:
    """The receipt's summary: the sale's discount, net, tax per rate, total."""
    rows = []
    if sale.discount:
        if sale.discount_percent:
            label = gettext("Discount on the sale (%(percent)s%%), included") % {
                "percent": f"{sale.discount_percent.normalize():f}"
            }
        else:
            label = gettext("Discount on the sale, included")
        rows.append((label, money(sale.discount)))
    net = sum((line.net_amount for line in lines), Decimal("0"))
    tax = sum((line.tax_amount for line in lines), Decimal("0"))
    rows.append((gettext("Net"), money(net)))
    rows += _tax_rows(lines)
    rows.append((gettext("Total"), money(net + tax)))
    return rows


def _tax_rows(lines) -> list[tuple[str, str]]:
    """A row per rate of the (loaded) lines ("Tax 20% on $7.50", "$1.50"); none untaxed."""
    return [
        (
            gettext("Tax %(percent)s%% on %(net)s")
            % {"percent": f"{band.percent.normalize():f}", "net": money(band.net)},
            money(band.tax),
        )
        for band in sale_tax_bands(lines)
    ]


def credit_note_amounts(sale_return: SaleReturn, lines) -> list[tuple[str, str]]:
    """The credit note's summary: net, tax per rate and total of the units (their lines'
    own shares of what was paid), what was kept, the refund."""
    net = sum((line.net_amount for line in lines), Decimal("0"))
    tax = sum((line.tax_amount for line in lines), Decimal("0"))
    rows = [(gettext("Net"), money(net)), *_tax_rows(lines), (gettext("Total"), money(net + tax))]
    if sale_return.refund != net + tax:
        rows.append((gettext("Kept by the shop"), money(net + tax - sale_return.refund)))
    rows.append((gettext("Refund"), money(sale_return.refund)))
    return rows


def _customer_and_store(pdf: FPDF, document: Sale | SaleReturn, *, store_heading: str) -> None:
    """The customer's address on the left, the store's on the right, side by side."""
    customer, store = document.customer, document.store
    side_by_side(
        pdf,
        (gettext("Customer"), [customer.name, customer.address, customer.email, customer.phone]),
        (store_heading, [f"{settings.SITE_NAME}: {store.name}", store.address, store.phone]),
    )
