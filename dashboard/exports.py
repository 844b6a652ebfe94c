"""The dashboard's CSV exports: products, documents and the ledger, each honouring its
list's filters, streamed by the helpers in :mod:`core.csv_export`.

Columns of costs, margins and stock value are left out for users who may not see them
(:mod:`products.costs`). Purchases' and purchase orders' own unit costs stay: those who
record purchases type them.

Each export is a builder, ``<export>_export(query, user) -> CsvExport``, shared by its view
(which streams it) and by :func:`dashboard.tasks.export_csv` (which writes it to a file
as a background job when it has more than ``settings.EXPORT_IN_BACKGROUND_ROWS`` rows:
at a million sale lines the stream kept the user waiting over a minute).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core.csv_export import (
    CENT,
    csv_response,
    rows_in_chunks,
    with_trimmed_quantities,
    without_columns,
)
from core.models import TOTAL, UNITS_TOTAL
from dashboard.forms import MovementFilterForm
from jobs.services import start_job
from products.costs import sees_costs
from products.forms import ProductFilterForm
from products.models import Product, StockMovement
from purchases.forms import PurchaseFilterForm
from purchases.models import (
    Purchase,
    PurchaseLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturnLine,
)
from purchases.order_forms import PurchaseOrderFilterForm
from sales.forms import SaleFilterForm
from sales.models import Sale, SaleLine, SaleReturnLine
from stores.models import Store
from transfers.forms import TransferFilterForm
from transfers.models import Transfer, TransferLine


@dataclass(frozen=True)
class CsvExport:
    """An export ready to write: its file name stem, header and rows (read when iterated,
    a chunk per query), and the queryset of its rows, to count them first."""

    name: str
    header: list[str]
    rows: Iterator[tuple]
    counted: QuerySet

    def has_more_rows_than(self, limit: int) -> bool:
        """Whether there are over ``limit`` rows, counting no further than ``limit + 1``."""
        return self.counted.order_by()[: limit + 1].count() > limit

    def row_count(self) -> int:
        return self.counted.order_by().count()


@dataclass(frozen=True)
class ExportKind:
    """One of the exports: who may run it, what the user calls it, how it is built."""

    name: str  # the file name's stem, "sale-lines"; the job's kind is "export:sale-lines"
    label: str  # "Sale lines CSV", on the job's page
    permission: str
    build: Callable[[QueryDict, object], CsvExport]

    @property
    def job_kind(self) -> str:
        return f"export:{self.name}"


class CsvExportView(PermissionRequiredMixin, View):
    """Stream the export, or, above EXPORT_IN_BACKGROUND_ROWS rows, start it as a job and
    send the user to the job's page (progress, then a download link)."""

    http_method_names = ["get"]
    export_name: str

    @property
    def export(self) -> ExportKind:
        return EXPORTS[self.export_name]

    def get_permission_required(self):
        return (self.export.permission,)

    def get(self, request):
        export = self.export.build(request.GET, request.user)
        if export.has_more_rows_than(settings.EXPORT_IN_BACKGROUND_ROWS):
            return self.start_in_background(request)
        return csv_response(export.name, export.header, export.rows)

    def start_in_background(self, request):
        # Imported here: the task builds its file with this module's builders.
        from dashboard.tasks import export_csv

        job = start_job(
            owner=request.user,
            kind=self.export.job_kind,
            label=str(self.export.label),
            task=export_csv,
            args=(self.export.name, request.GET.urlencode()),
        )
        messages.info(
            request,
            _(
                "This export is large, so it is being prepared in the background. "
                "This page shows its progress and a download link when it is ready."
            ),
        )
        return redirect(job)


def products_export(query: QueryDict, user) -> CsvExport:
    """The products list as CSV, with on-hand per store, honouring its search and filters."""
    filter_form = ProductFilterForm(query or None)
    stores = list(Store.objects.order_by("name").values_list("pk", "name"))
    per_store = {
        f"store_{pk}": Coalesce(
            Sum("stock_levels__quantity", filter=Q(stock_levels__store=pk)), Decimal("0")
        )
        for pk, _ in stores
    }
    filtered = filter_form.filter_queryset(Product.objects.all())
    products = filtered.annotate(**per_store)
    fields = [
        "sku",
        "name",
        "category__name",
        "supplier__name",
        "unit__name",
        "cost_price",
        "sale_price",
        "average_cost",
        "reorder_level",
        "is_active",
        *per_store,
        "on_hand",
        "on_order",
    ]
    header = [
        "SKU",
        "Name",
        "Category",
        "Supplier",
        "Unit",
        "Cost price",
        "Sale price",
        "Average cost",
        "Reorder level",
        "Active",
        *[f"On hand: {name}" for _, name in stores],
        "On hand: total",
        "On order: total",
    ]
    quantities = [
        fields.index("reorder_level"),
        *range(len(fields) - len(stores) - 2, len(fields)),
    ]
    rows = with_trimmed_quantities(rows_in_chunks(products, fields), quantities)
    if not sees_costs(user):
        header, rows = without_columns(header, rows, ["Cost price", "Average cost"])
    return CsvExport("products", header, rows, counted=filtered)


def purchase_lines_export(query: QueryDict, user) -> CsvExport:
    """Purchases as CSV, one row per line, honouring the purchases list's filters."""
    purchases = PurchaseFilterForm(query or None).filter_queryset(Purchase.objects.all())
    # EXISTS, not purchase__in: see sale_lines_export.
    counted = PurchaseLine.objects.filter(Exists(purchases.filter(pk=OuterRef("purchase_id"))))
    returned = (
        PurchaseReturnLine.objects.filter(purchase_line=OuterRef("pk"))
        .order_by()
        .values("purchase_line")
    )
    lines = counted.annotate(
        # What went back to the supplier of the line so far (debit notes): its units and
        # their net value at the line's cost, as the sale-lines CSV has customer returns.
        returned=Coalesce(
            Subquery(returned.annotate(total=Sum("quantity")).values("total")),
            Decimal("0"),
            output_field=UNITS_TOTAL,
        ),
        returned_net=Coalesce(
            Subquery(returned.annotate(total=Sum(F("quantity") * F("unit_cost"))).values("total")),
            Decimal("0"),
            output_field=TOTAL,
        ),
    )
    fields = [
        "purchase_id",
        "purchase__date",
        "purchase__supplier__name",
        "purchase__store__name",
        "purchase__reference",
        "purchase__voided_at",
        "product__sku",
        "product__name",
        "product__unit__name",
        "quantity",
        "packs",
        "pack_size",
        "unit_cost",
        "tax_percent",
        "tax_amount",
        "returned",
        "returned_net",
    ]
    header = [
        "Purchase",
        "Date",
        "Supplier",
        "Store",
        "Reference",
        "Voided at",
        "SKU",
        "Product",
        "Unit",
        "Quantity",
        "Packs",
        "Pack size",
        "Unit cost",
        "Line total",
        "Tax %",
        "Tax",
        "Gross",
        "Returned",  # to the supplier
        "Returned (net)",
    ]

    def with_amounts(rows):
        # Line total (net, rounded half-up to cents as the purchase's page shows
        # it), then its tax rate, its tax (stored rounded) and their sum.
        for *row, tax_percent, tax, returned, returned_net in rows:
            net = (row[-4] * row[-1]).quantize(CENT, ROUND_HALF_UP)  # quantity × unit cost
            yield (
                *row,
                net,
                tax_percent,
                tax,
                net + tax,
                returned,
                returned_net.quantize(CENT, ROUND_HALF_UP),
            )

    quantity = fields.index("quantity")
    trimmed = [quantity, quantity + 1, quantity + 2]  # quantity, packs, pack size
    trimmed += [header.index(name) for name in ("Tax %", "Returned")]
    rows = with_trimmed_quantities(with_amounts(rows_in_chunks(lines, fields)), trimmed)
    return CsvExport("purchase-lines", header, rows, counted=counted)


def sale_lines_export(query: QueryDict, user) -> CsvExport:
    """Sales as CSV, one row per line with its prices, discounts, net, tax and gross, its
    cost and gross profit, and what came back of it, honouring the list's filters."""
    sales = SaleFilterForm(query or None).filter_queryset(Sale.objects.all())
    # EXISTS, not sale__in: with IN (SELECT ...) SQLite walks every sale
    # for each chunk and sorts, so each chunk cost as much as the whole
    # table (about 1 s per 2,000 lines at a million lines: minutes in all).
    returned = (
        SaleReturnLine.objects.filter(sale_line=OuterRef("pk")).order_by().values("sale_line")
    )
    # Counted without the annotations: their subqueries would run for every line.
    counted = SaleLine.objects.filter(Exists(sales.filter(pk=OuterRef("sale_id"))))
    lines = counted.annotate(
        # What came back of the line so far (customer returns), beside what it sold:
        # its units and their share of the line's net amount.
        returned=Coalesce(
            Subquery(returned.annotate(total=Sum("quantity")).values("total")),
            Decimal("0"),
            output_field=UNITS_TOTAL,
        ),
        returned_net=Coalesce(
            Subquery(returned.annotate(total=Sum("net_amount")).values("total")),
            Decimal("0"),
            output_field=TOTAL,
        ),
    )
    fields = [
        "sale_id",
        "sale__date",
        "sale__customer__name",
        "sale__store__name",
        "sale__voided_at",
        "product__sku",
        "product__name",
        "product__unit__name",
        "quantity",
        "list_price",
        "unit_price",
        "discount",
        "document_discount",
        "net_amount",
        "tax_percent",
        "tax_amount",
        "unit_cost",
        "price_set_by__username",
        "returned",
        "returned_net",
    ]
    header = [
        "Sale",
        "Date",
        "Customer",
        "Store",
        "Voided at",
        "SKU",
        "Product",
        "Unit",
        "Quantity",
        "List price",
        "Unit price",
        "Discount",  # the line's own and its share of the sale's
        "Net",
        "Tax %",
        "Tax",
        "Gross",
        "Unit cost",
        "Gross profit",
        "Price set by",
        "Returned",
        "Returned (net)",
    ]

    def rows():
        for row in rows_in_chunks(lines, fields):
            (
                *sale_and_product,
                quantity,
                list_price,
                unit_price,
                discount,
                document_discount,
                net,
                tax_percent,
                tax,
                unit_cost,
                price_set_by,
                returned,
                returned_net,
            ) = row
            yield (
                *sale_and_product,
                quantity,
                list_price,
                unit_price,
                discount + document_discount,
                net,
                tax_percent,
                tax,
                net + tax,
                unit_cost,
                # Net of tax, as the sales reports count it.
                (net - quantity * unit_cost).quantize(CENT, ROUND_HALF_UP),
                price_set_by,  # blank: sold at the list price
                returned,
                returned_net.quantize(CENT, ROUND_HALF_UP),
            )

    # Quantities, and the tax rate (20, not 20.00), as people type them.
    trimmed = [header.index(name) for name in ("Quantity", "Tax %", "Returned")]
    rows = with_trimmed_quantities(rows(), trimmed)
    if not sees_costs(user):
        header, rows = without_columns(header, rows, ["Unit cost", "Gross profit"])
    return CsvExport("sale-lines", header, rows, counted=counted)


def transfer_lines_export(query: QueryDict, user) -> CsvExport:
    """Transfers as CSV, one row per line, honouring the transfers list's filters."""
    transfers = TransferFilterForm(query or None).filter_queryset(Transfer.objects.all())
    lines = TransferLine.objects.filter(Exists(transfers.filter(pk=OuterRef("transfer_id"))))
    fields = [
        "transfer_id",
        "transfer__date",
        "transfer__from_store__name",
        "transfer__to_store__name",
        "transfer__status",
        "transfer__reference",
        "transfer__dispatched_at",
        "transfer__received_at",
        "product__sku",
        "product__name",
        "product__unit__name",
        "quantity",
        "received_quantity",
        "unit_cost",
    ]
    header = [
        "Transfer",
        "Date",
        "From",
        "To",
        "Status",
        "Reference",
        "Dispatched at",
        "Received at",
        "SKU",
        "Product",
        "Unit",
        "Sent",
        "Received",
        "Unit cost",
    ]
    rows = with_trimmed_quantities(
        rows_in_chunks(lines, fields),
        [fields.index("quantity"), fields.index("received_quantity")],
    )
    if not sees_costs(user):
        # Transfers move stock at its average cost.
        header, rows = without_columns(header, rows, ["Unit cost"])
    return CsvExport("transfer-lines", header, rows, counted=lines)


def purchase_order_lines_export(query: QueryDict, user) -> CsvExport:
    """Purchase orders as CSV, one row per line, honouring the purchase orders list's filters."""
    orders = PurchaseOrderFilterForm(query or None).filter_queryset(PurchaseOrder.objects.all())
    # Counted without what is outstanding: a sum per line the count does not need.
    counted = PurchaseOrderLine.objects.filter(Exists(orders.filter(pk=OuterRef("order_id"))))
    lines = counted.with_outstanding()
    fields = [
        "order_id",
        "order__date",
        "order__supplier__name",
        "order__store__name",
        "order__status",
        "order__expected_date",
        "order__reference",
        "product__sku",
        "product__name",
        "product__unit__name",
        "quantity",
        "packs",
        "pack_size",
        "received_quantity",
        "outstanding",
        "unit_cost",
    ]
    header = [
        "Purchase order",
        "Date",
        "Supplier",
        "Store",
        "Status",
        "Expected",
        "Reference",
        "SKU",
        "Product",
        "Unit",
        "Ordered",
        "Packs",
        "Pack size",
        "Received",
        "Outstanding",
        "Agreed unit cost",
        "Line total",
    ]
    quantities = [
        fields.index(name)
        for name in ("quantity", "packs", "pack_size", "received_quantity", "outstanding")
    ]
    rows = with_trimmed_quantities(
        (
            (*row, (row[fields.index("quantity")] * row[-1]).quantize(CENT, ROUND_HALF_UP))
            for row in rows_in_chunks(lines, fields)
        ),
        quantities,
    )
    return CsvExport("purchase-order-lines", header, rows, counted=counted)


def stock_movements_export(query: QueryDict, user) -> CsvExport:
    """The stock ledger as CSV, optionally for one product, store or kind, and a date range."""
    movements = MovementFilterForm(query or None).filter_queryset(StockMovement.objects.all())
    fields = [
        "created_at",
        "store__name",
        "product__sku",
        "product__name",
        "kind",
        "document_id",
        "product__unit__name",
        "quantity",
        "balance_after",
        "created_by__username",
        "note",
    ]
    header = [
        "When",
        "Store",
        "SKU",
        "Product",
        "Kind",
        "Document",
        "Unit",
        "Change",
        "Balance after",
        "By",
        "Note",
    ]
    quantities = [fields.index("quantity"), fields.index("balance_after")]
    rows = with_trimmed_quantities(rows_in_chunks(movements, fields), quantities)
    return CsvExport("stock-movements", header, rows, counted=movements)


# The exports by name: the views', and the background task's, which gets only the name.
EXPORTS = {
    export.name: export
    for export in [
        ExportKind(
            name="products",
            label=gettext_lazy("Products CSV"),
            permission="products.view_product",
            build=products_export,
        ),
        ExportKind(
            name="purchase-lines",
            label=gettext_lazy("Purchase lines CSV"),
            permission="purchases.view_purchase",
            build=purchase_lines_export,
        ),
        ExportKind(
            name="sale-lines",
            label=gettext_lazy("Sale lines CSV"),
            permission="sales.view_sale",
            build=sale_lines_export,
        ),
        ExportKind(
            name="transfer-lines",
            label=gettext_lazy("Transfer lines CSV"),
            permission="transfers.view_transfer",
            build=transfer_lines_export,
        ),
        ExportKind(
            name="purchase-order-lines",
            label=gettext_lazy("Purchase order lines CSV"),
            permission="purchases.view_purchaseorder",
            build=purchase_order_lines_export,
        ),
        ExportKind(
            name="stock-movements",
            label=gettext_lazy("Stock movements CSV"),
            permission="products.view_stockmovement",
            build=stock_movements_export,
        ),
    ]
}


class ProductExportView(CsvExportView):
    export_name = "products"


class PurchaseLineExportView(CsvExportView):
    export_name = "purchase-lines"


class SaleLineExportView(CsvExportView):
    export_name = "sale-lines"


class TransferLineExportView(CsvExportView):
    export_name = "transfer-lines"


class PurchaseOrderLineExportView(CsvExportView):
    export_name = "purchase-order-lines"


class MovementExportView(CsvExportView):
    export_name = "stock-movements"
