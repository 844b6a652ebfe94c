"""Sortable, exportable reports: stock on hand now, and sales by product for a period."""

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.views.generic import ListView

from core.crud import NearestPageMixin
from core.models import COST_TOTAL
from dashboard.exports import csv_response, rows_in_order
from dashboard.forms import PeriodForm, ReportFilterForm
from dashboard.selectors import stock_value_by_store
from products.models import StockLevel
from sales.models import SaleLine

VALUE = DecimalField(max_digits=24, decimal_places=4)


class SortedReportView(PermissionRequiredMixin, NearestPageMixin, ListView):
    """A report table, sortable by column, paginated, and as CSV with ``?format=csv``."""

    paginate_by = 50
    sort_fields: dict[str, str] = {}
    default_sort = ""
    csv_name = ""
    # (field, heading, decimal places): amounts get the same places on every
    # database (SQLite would give 4 where PostgreSQL gives 2).
    csv_columns: list[tuple[str, str, int | None]] = []

    def get_sort(self) -> str:
        requested = self.request.GET.get("sort", "")
        return requested if requested.removeprefix("-") in self.sort_fields else self.default_sort

    def order(self, queryset, tiebreak: str):
        sort = self.get_sort()
        field = self.sort_fields[sort.lstrip("-")]
        return queryset.order_by(f"-{field}" if sort.startswith("-") else field, tiebreak)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            queryset = self.get_queryset()
            fields = [field for field, _, _ in self.csv_columns]
            headings = [heading for _, heading, _ in self.csv_columns]
            exponents = [
                None if places is None else Decimal(1).scaleb(-places)
                for _, _, places in self.csv_columns
            ]
            # In the page's order; report rows are bounded by the catalogue
            # (a row per product, or per product and store), not by history.
            rows = (
                [
                    value if exponent is None else Decimal(value).quantize(exponent)
                    for value, exponent in zip(row, exponents, strict=True)
                ]
                for row in rows_in_order(queryset, fields)
            )
            return csv_response(self.csv_name, headings, rows)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["current_sort"] = self.get_sort()
        params = self.request.GET.copy()
        params["format"] = "csv"
        params.pop("page", None)
        context["csv_query"] = params.urlencode()
        return context


class StockReportView(SortedReportView):
    """Stock on hand per store and product, with its value at average cost."""

    permission_required = "products.view_stocklevel"
    template_name = "dashboard/report_stock.html"
    sort_fields = {
        "product": "product__name",
        "sku": "product__sku",
        "store": "store__name",
        "quantity": "quantity",
        "value": "value",
    }
    default_sort = "product"
    csv_name = "stock-on-hand"
    csv_columns = [
        ("store__name", "Store", None),
        ("product__sku", "SKU", None),
        ("product__name", "Product", None),
        ("quantity", "On hand", None),
        ("product__average_cost", "Average cost", 4),
        ("value", "Value", 4),
    ]

    def get_queryset(self):
        self.filter_form = ReportFilterForm(self.request.GET or None)
        levels = self.filter_form.filter_queryset(
            StockLevel.objects.filter(quantity__gt=0)
            .select_related("product", "store")
            .annotate(
                value=ExpressionWrapper(
                    F("quantity") * F("product__average_cost"), output_field=VALUE
                )
            )
        )
        return self.order(levels, "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["by_store"] = stock_value_by_store()
        return context


class SalesByProductView(SortedReportView):
    """Units, value, cost and gross profit per product for a period (voided sales excluded)."""

    permission_required = "sales.view_sale"
    template_name = "dashboard/report_sales_by_product.html"
    sort_fields = {
        "product": "product__name",
        "units": "units",
        "value": "value",
        "profit": "profit",
    }
    default_sort = "-value"
    csv_name = "sales-by-product"
    csv_columns = [
        ("product__sku", "SKU", None),
        ("product__name", "Product", None),
        ("units", "Units sold", None),
        ("value", "Sales value", 2),
        ("cost", "Cost", 4),
        ("profit", "Gross profit", 4),
    ]

    def get_queryset(self):
        self.period_form = PeriodForm(self.request.GET or None)
        self.period = self.period_form.get_period()
        self.filter_form = ReportFilterForm(self.request.GET or None)
        self.lines = self.filter_form.filter_queryset(
            SaleLine.objects.of_valid_documents().in_period(self.period.start, self.period.end),
            store_field="sale__store",
        )
        rows = (
            self.lines.values("product_id", "product__sku", "product__name")
            .annotate(
                units=Sum("quantity"),
                value=Sum(F("quantity") * F("unit_price"), output_field=VALUE),
                cost=Sum(F("quantity") * F("unit_cost"), output_field=COST_TOTAL),
            )
            .annotate(profit=F("value") - F("cost"))
        )
        return self.order(rows, "product_id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["period_form"] = self.period_form
        context["period"] = self.period
        # The sales list shows the sales these rows come from (it has no product search).
        sales_query = dict(self.period.query)
        if store := self.filter_form.valid_data.get("store"):
            sales_query["store"] = store.pk
        context["sales_list_query"] = urlencode(sales_query)
        context["totals"] = self.lines.totals()
        return context
