"""A purchase order and a debit note as PDF files for the supplier, drawn with fpdf2.

The page, the shop's letterhead and the characters the built-in font prints
are :mod:`core.pdf`'s.
"""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext
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
from core.quantities import format_quantity, plain_quantity
from purchases.models import PurchaseOrder, PurchaseReturn
from purchases.selectors import debit_note_lines, purchase_amounts

# Product, quantity, agreed unit cost, line total: fractions of the page's width.
COLUMN_WIDTHS = (52, 20, 14, 14)
# Product, quantity, unit cost, tax rate, net, reason.
DEBIT_NOTE_COLUMN_WIDTHS = (38, 14, 12, 9, 12, 20)


def _ordered(line) -> str:
    """'1,000 pcs' or '1,000 pcs (2 boxes of 500)'."""
    text = format_quantity(line.quantity, line.product.unit)
    if line.packs:
        text = gettext("%(quantity)s (%(packs)s × %(pack)s of %(pack_size)s)") % {
            "quantity": text,
            "packs": plain_quantity(line.packs),
            "pack": line.product.pack_name or gettext("pack"),
            "pack_size": plain_quantity(line.pack_size),
        }
    return printable(text)


def order_pdf(order: PurchaseOrder) -> bytes:
    """The order as the supplier reads it: who orders, where to deliver, lines, total, notes."""
    lines = list(order.lines.select_related("product__unit"))
    name = order.number or order.pk  # a draft has no number yet
    pdf = new_document(
        gettext("Purchase order %(number)s") % {"number": name},
        gettext("purchase order %(number)s") % {"number": name},
    )
    pdf.set_font(FONT, "", 10)
    facts = [gettext("Order date: %(date)s") % {"date": day(order.date)}]
    if order.expected_date:
        facts.append(gettext("Expected delivery: %(date)s") % {"date": day(order.expected_date)})
    if order.reference:
        facts.append(gettext("Reference: %(reference)s") % {"reference": order.reference})
    if order.is_draft:
        facts.append(gettext("DRAFT: not yet sent"))
    pdf.cell(0, 6, printable("   ·   ".join(facts)), new_x="LMARGIN", new_y="NEXT")
    if order.status in (order.Status.CANCELLED, order.Status.CLOSED_SHORT):
        # Never mistaken for a live order if it is printed or forwarded again.
        pdf.set_font(FONT, "B", 12)
        pdf.multi_cell(
            0, 7, printable(f"{order.get_status_display().upper()}: {order.close_reason}"),
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
        pdf.set_font(FONT, "", 10)
    pdf.ln(4)

    _supplier_and_store(pdf, order.supplier, order.store, store_heading=gettext("Deliver to"))

    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=HEADINGS_STYLE,
        line_height=6,
        padding=(1, 2),
    ) as table:
        table.row(
            [
                printable(gettext("Product")),
                printable(gettext("Quantity")),
                printable(gettext("Unit cost")),
                printable(gettext("Total")),
            ]
        )
        for line in lines:
            table.row(
                [
                    printable(f"{line.product.sku}  {line.product.name}"),
                    _ordered(line),
                    money(line.unit_cost),
                    money(line.line_total),
                ]
            )
    _total_and_notes(pdf, lines, order.notes)
    return bytes(pdf.output())


def debit_note_pdf(debit_note: PurchaseReturn) -> bytes:
    """A return to the supplier as the supplier reads it: who returns what from which
    purchase, at what cost and tax, and why."""
    lines = debit_note_lines(debit_note)
    purchase = debit_note.purchase
    pdf = new_document(
        gettext("Debit note %(number)s") % {"number": debit_note.label},
        gettext("debit note %(number)s") % {"number": debit_note.label},
    )
    pdf.set_font(FONT, "", 10)
    facts = [
        gettext("Date: %(date)s") % {"date": day(debit_note.date)},
        gettext("Goods returned from purchase %(number)s") % {"number": purchase.pk},
    ]
    if purchase.reference:
        facts.append(gettext("Your reference: %(reference)s") % {"reference": purchase.reference})
    pdf.cell(0, 6, printable("   ·   ".join(facts)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _supplier_and_store(
        pdf, debit_note.supplier, debit_note.store, store_heading=gettext("Returned by")
    )

    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=DEBIT_NOTE_COLUMN_WIDTHS,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
        headings_style=HEADINGS_STYLE,
        line_height=6,
        padding=(1, 2),
    ) as table:
        table.row(
            [
                printable(gettext("Product")),
                printable(gettext("Quantity")),
                printable(gettext("Unit cost")),
                printable(gettext("Tax")),
                printable(gettext("Net")),
                printable(gettext("Reason")),
            ]
        )
        for line in lines:
            table.row(
                [
                    printable(f"{line.product.sku}  {line.product.name}"),
                    printable(format_quantity(line.quantity, line.product.unit)),
                    money(line.unit_cost),
                    f"{line.tax_percent.normalize():f}%",
                    money(line.net_amount),
                    printable(line.reason),
                ]
            )
    pdf.set_font(FONT, "", 9)
    pdf.cell(
        0,
        5,
        printable(
            gettext("%(lines)s; unit costs exclude tax.") % {"lines": line_count(len(lines))}
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    summary_rows(pdf, debit_note_amounts(lines))
    _notes(pdf, debit_note.notes)
    return bytes(pdf.output())


def debit_note_amounts(lines) -> list[tuple[str, str]]:
    """The debit note's summary: net, tax per rate, and the total the supplier owes back."""
    amounts = purchase_amounts(lines)
    return [
        (gettext("Net"), money(amounts.net)),
        *(
            (
                gettext("Tax %(percent)s%% on %(net)s")
                % {"percent": f"{band.percent.normalize():f}", "net": money(band.net)},
                money(band.tax),
            )
            for band in amounts.bands
        ),
        (gettext("Total"), money(amounts.gross)),
    ]


def _supplier_and_store(pdf: FPDF, supplier, store, *, store_heading: str) -> None:
    """The supplier's address on the left, the store's on the right, side by side."""
    supplier_lines = [
        supplier.name,
        supplier.contact_person,
        supplier.address,
        supplier.email,
        supplier.phone,
    ]
    store_lines = [f"{settings.SITE_NAME}: {store.name}", store.address, store.phone]
    side_by_side(pdf, (gettext("Supplier"), supplier_lines), (store_heading, store_lines))


def _total_and_notes(pdf: FPDF, lines, notes: str) -> None:
    label = gettext("Total")
    value = sum((line.line_total for line in lines), Decimal("0"))
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(
        0,
        7,
        printable(f"{label}: {money(value)}   ({line_count(len(lines))})"),
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _notes(pdf, notes)


def _notes(pdf: FPDF, notes: str) -> None:
    if notes:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, printable(gettext("Notes")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, 5, printable(notes), new_x="LMARGIN", new_y="NEXT")
