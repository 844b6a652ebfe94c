"""The dashboard's CSV exports: products, documents and the ledger, each honouring its
list's filters, streamed by the helpers in :mod:`core.csv_export`.

Columns of costs, margins and stock value are left out for users who may not see them
(:mod:`products.costs`). Purchases' and purchase orders' own unit costs stay: those who
record purchases type them.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
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
from products.costs import sees_costs
from products.forms import ProductFilterForm
from products.models import Product, StockMovement
from purchases.forms import PurchaseFilterForm
from purchases.models import Purchase, PurchaseLine, PurchaseOrder, PurchaseOrderLine
from purchases.order_forms import PurchaseOrderFilterForm
from sales.forms import SaleFilterForm
from sales.models import Sale, SaleLine, SaleReturnLine
from stores.models import Store
from transfers.forms import TransferFilterForm
from transfers.models import Transfer, TransferLine


class CsvExportView(PermissionRequiredMixin, View):
    http_method_names = ["get"]


class ProductExportView(CsvExportView):
    """The products list as CSV, with on-hand per store, honouring its search and filters."""

    permission_required = "products.view_product"

    def get(self, request):
        filter_form = ProductFilterForm(request.GET or None)
        stores = list(Store.objects.order_by("name").values_list("pk", "name"))
        per_store = {
            f"store_{pk}": Coalesce(
                Sum("stock_levels__quantity", filter=Q(stock_levels__store=pk)), Decimal("0")
            )
            for pk, _ in stores
        }
        products = filter_form.filter_queryset(Product.objects.all()).annotate(**per_store)
        fields = [
            "sku",
            "name",
            "category__name",
            "supplier__name",
            "unit__symbol",
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
        if not sees_costs(request.user):
            header, rows = without_columns(header, rows, ["Cost price", "Average cost"])
        return csv_response("products", header, rows)


class PurchaseLineExportView(CsvExportView):
    """Purchases as CSV, one row per line, honouring the purchases list's filters."""

    permission_required = "purchases.view_purchase"

    def get(self, request):
        purchases = PurchaseFilterForm(request.GET or None).filter_queryset(Purchase.objects.all())
        # EXISTS, not purchase__in: see SaleLineExportView.
        lines = PurchaseLine.objects.filter(Exists(purchases.filter(pk=OuterRef("purchase_id"))))
        fields = [
            "purchase_id",
            "purchase__date",
            "purchase__supplier__name",
            "purchase__store__name",
            "purchase__reference",
            "purchase__voided_at",
            "product__sku",
            "product__name",
            "product__unit__symbol",
            "quantity",
            "packs",
            "pack_size",
            "unit_cost",
            "tax_percent",
            "tax_amount",
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
        ]

        def with_amounts(rows):
            # Line total (net, rounded half-up to cents as the purchase's page shows
            # it), then its tax rate, its tax (stored rounded) and their sum.
            for *row, tax_percent, tax in rows:
                net = (row[-4] * row[-1]).quantize(CENT, ROUND_HALF_UP)  # quantity × unit cost
                yield (*row, net, tax_percent, tax, net + tax)

        quantity = fields.index("quantity")
        rows = with_trimmed_quantities(
            with_amounts(rows_in_chunks(lines, fields)),
            [quantity, quantity + 1, quantity + 2, len(header) - 3],  # quantities, tax %
        )
        return csv_response("purchase-lines", header, rows)


class SaleLineExportView(CsvExportView):
    """Sales as CSV, one row per line with its prices, discounts, net, tax and gross, its
    cost and gross profit, and what came back of it, honouring the list's filters."""

    permission_required = "sales.view_sale"

    def get(self, request):
        sales = SaleFilterForm(request.GET or None).filter_queryset(Sale.objects.all())
        # EXISTS, not sale__in: with IN (SELECT ...) SQLite walks every sale
        # for each chunk and sorts, so each chunk cost as much as the whole
        # table (about 1 s per 2,000 lines at a million lines: minutes in all).
        returned = (
            SaleReturnLine.objects.filter(sale_line=OuterRef("pk")).order_by().values("sale_line")
        )
        lines = SaleLine.objects.filter(Exists(sales.filter(pk=OuterRef("sale_id")))).annotate(
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
            "product__unit__symbol",
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
        if not sees_costs(request.user):
            header, rows = without_columns(header, rows, ["Unit cost", "Gross profit"])
        return csv_response("sale-lines", header, rows)


class TransferLineExportView(CsvExportView):
    """Transfers as CSV, one row per line, honouring the transfers list's filters."""

    permission_required = "transfers.view_transfer"

    def get(self, request):
        transfers = TransferFilterForm(request.GET or None).filter_queryset(Transfer.objects.all())
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
            "product__unit__symbol",
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
        if not sees_costs(request.user):
            # Transfers move stock at its average cost.
            header, rows = without_columns(header, rows, ["Unit cost"])
        return csv_response("transfer-lines", header, rows)


class PurchaseOrderLineExportView(CsvExportView):
    """Purchase orders as CSV, one row per line, honouring the purchase orders list's filters."""

    permission_required = "purchases.view_purchaseorder"

    def get(self, request):
        orders = PurchaseOrderFilterForm(request.GET or None).filter_queryset(
            PurchaseOrder.objects.all()
        )
        lines = PurchaseOrderLine.objects.filter(
            Exists(orders.filter(pk=OuterRef("order_id")))
        ).with_outstanding()
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
            "product__unit__symbol",
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
        return csv_response("purchase-order-lines", header, rows)


class MovementExportView(CsvExportView):
    """The stock ledger as CSV, optionally for one product, store or kind, and a date range."""

    permission_required = "products.view_stockmovement"

    def get(self, request):
        movements = MovementFilterForm(request.GET or None).filter_queryset(
            StockMovement.objects.all()
        )
        fields = [
            "created_at",
            "store__name",
            "product__sku",
            "product__name",
            "kind",
            "document_id",
            "product__unit__symbol",
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
        return csv_response(
            "stock-movements",
            header,
            with_trimmed_quantities(rows_in_chunks(movements, fields), quantities),
        )
