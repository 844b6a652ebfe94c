"""Sortable, exportable reports: stock on hand now, sales by product for a period, and, for
managers, stock valuation at the end of any day and stock ageing.

Costs are need-to-know (:mod:`products.costs`): for users who may not see them, the
reports leave out their cost, value and profit columns (and their CSVs too) and ignore
a sort by them.
"""

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Exists, F, OuterRef, Q, Sum, Window
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import ListView

from core.crud import CountedPaginator, NearestPageMixin, PageCountedPaginator
from core.csv_export import csv_response, rows_in_order
from core.expressions import JoinedColumn, RowCount
from core.models import COST_TOTAL, TOTAL, UNITS_TOTAL
from core.quantities import trimmed_quantity
from dashboard.forms import (
    AgeingFilterForm,
    AsOfForm,
    CategoryReportFilterForm,
    DeadStockForm,
    PeriodForm,
    ReportFilterForm,
)
from dashboard.selectors import named_products, returned_per_product, stock_value_by_store
from dashboard.valuation_reports import (
    MANAGER_REPORT_PERMISSIONS,
    age_band,
    age_in_days,
    aged_levels,
    ageing_summary,
    attach_ages,
    dead_since,
    end_of_day,
    levels_valued_at,
    valuation_by_product,
    valuation_totals,
)
from products.costs import sees_costs
from products.models import StockLevel, StoreStock
from sales.models import SaleDay, SaleLine, SaleReturnLine, with_profit

# What sales by product reads per product: sold in the period, and what came back of it.
SOLD_AND_RETURNED = (
    "sold_units",
    "sold_value",
    "sold_tax",
    "sold_cost",
    "returned_units",
    "returned_value",
    "returned_tax",
    "restocked_cost",
)
# The net figures sales by product sorts by, in SQL; net_figures works out all of them.
NET_SORTS = {
    "units": F("sold_units") - F("returned_units"),
    "value": F("sold_value") - F("returned_value"),
    "profit": (F("sold_value") - F("returned_value")) - (F("sold_cost") - F("restocked_cost")),
}


def net_figures(row: dict) -> dict:
    """A sales-by-product row's net figures (set on it): what was sold less what came back;
    damaged units' cost stays a cost (only the restocked units' cost comes off)."""
    row["units"] = row["sold_units"] - row["returned_units"]
    row["value"] = row["sold_value"] - row["returned_value"]
    row["tax"] = row["sold_tax"] - row["returned_tax"]
    row["cost"] = row["sold_cost"] - row["restocked_cost"]
    row["profit"] = row["value"] - row["cost"]
    row["gross"] = row["value"] + row["tax"]
    return row


class SortedReportView(PermissionRequiredMixin, NearestPageMixin, ListView):
    """A report table, sortable by column, paginated, and as CSV with ``?format=csv``."""

    paginate_by = 50
    sort_fields: dict[str, str] = {}
    default_sort = ""
    csv_name = ""
    # (field, heading, decimal places): amounts get the same places on every
    # database (SQLite would give 4 where PostgreSQL gives 2).
    csv_columns: list[tuple[str, str, int | None]] = []
    # The sorts and CSV fields that show costs: for users who may see them only.
    cost_sorts: frozenset[str] = frozenset()
    cost_columns: frozenset[str] = frozenset()

    @cached_property
    def shows_costs(self) -> bool:
        return sees_costs(self.request.user)

    def get_sort(self) -> str:
        requested = self.request.GET.get("sort", "")
        key = requested.removeprefix("-")
        if key in self.sort_fields and (self.shows_costs or key not in self.cost_sorts):
            return requested
        return self.default_sort

    def get_csv_columns(self) -> list[tuple[str, str, int | None]]:
        """The CSV's columns: those showing costs left out (not blanked) for who may not see
        them."""
        if self.shows_costs:
            return self.csv_columns
        return [column for column in self.csv_columns if column[0] not in self.cost_columns]

    def order(self, queryset, *tiebreak):
        """``queryset`` in the asked sort; ``tiebreak`` fields make the order total."""
        sort = self.get_sort()
        field = self.sort_fields[sort.lstrip("-")]
        return queryset.order_by(f"-{field}" if sort.startswith("-") else field, *tiebreak)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            queryset = self.get_queryset()
            columns = self.get_csv_columns()
            fields = [field for field, _, _ in columns]
            headings = [heading for _, heading, _ in columns]
            exponents = [
                None if places is None else Decimal(1).scaleb(-places) for _, _, places in columns
            ]
            rows = (
                [
                    # Columns without places are text, or quantities: 2.5, not 2.500.
                    trimmed_quantity(value)
                    if exponent is None and isinstance(value, Decimal)
                    else value
                    if exponent is None
                    else Decimal(value).quantize(exponent, ROUND_HALF_UP)
                    for value, exponent in zip(row, exponents, strict=True)
                ]
                for row in self.csv_rows(queryset, fields)
            )
            return csv_response(self.csv_name, headings, rows)
        return super().get(request, *args, **kwargs)

    def csv_rows(self, queryset, fields: list[str]) -> Iterator[tuple]:
        """The values of ``fields`` for each row of ``queryset``, in the page's order."""
        # Report rows are bounded by the catalogue (a row per product, or per
        # product and store), not by history.
        return rows_in_order(queryset, fields)

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
    cost_sorts = frozenset({"value"})
    cost_columns = frozenset({"product__average_cost", "value"})

    def get_queryset(self):
        self.filter_form = ReportFilterForm(self.request.GET or None)
        levels = self.filter_form.filter_queryset(
            StockLevel.objects.filter(quantity__gt=0)
            .select_related("product__unit", "store")
            # On hand × average cost, kept by the stock engine (products.state).
            .annotate(value=F("stock_value"))
        )
        return self.order(levels)

    def order(self, queryset, *tiebreak):
        # Product, then store (unique together) break ties, not the row id, so the
        # usual sorts read an index and stop after the page instead of sorting every
        # stock row with stock (0.4 s at the large demo on SQLite; with planner
        # statistics, see ``manage.py analyze_database``):
        # - by product name or SKU, the products' index, then each one's stock rows;
        #   SQLite only sees that order if the product's id comes from its own table;
        # - by value, the ``stock_level_value`` index, read forwards for the largest
        #   first and backwards for the smallest, so the ties follow it both ways.
        sort = self.get_sort()
        descending = sort.startswith("-")
        if sort.removeprefix("-") in ("product", "sku"):
            product = JoinedColumn("product__id")
            return super().order(queryset, product.desc() if descending else product, "store_id")
        if descending:
            return super().order(queryset, "product_id", "store_id")
        return super().order(queryset, "-product_id", "-store_id")

    def get_paginator(self, queryset, per_page, **kwargs):
        if self.filter_form.narrows():
            return super().get_paginator(queryset, per_page, **kwargs)
        # Every stock row holding units: counted by the stock engine as stock moves
        # (StoreStock), not over the 116,000 rows at the large demo.
        return CountedPaginator(
            queryset, per_page, count=StoreStock.objects.rows_in_stock, **kwargs
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["by_store"] = stock_value_by_store()
        return context


class SalesByProductView(SortedReportView):
    """Units, value (net of tax), cost and gross profit per product for a period (voided
    sales excluded)."""

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
        ("value", "Sales (net)", 2),
        ("tax", "Tax", 2),
        ("gross", "Sales (gross)", 2),
        ("cost", "Cost", 4),
        ("profit", "Gross profit", 4),
    ]
    cost_sorts = frozenset({"profit"})
    cost_columns = frozenset({"cost", "profit"})

    def get_queryset(self):
        self.period_form = PeriodForm(self.request.GET or None)
        self.period = self.period_form.get_period()
        self.filter_form = ReportFilterForm(self.request.GET or None)
        self.lines = self.filter_form.filter_queryset(
            SaleLine.objects.of_valid_documents().in_period(self.period.start, self.period.end),
            store_field="sale__store",
        )
        returns = self.filter_form.filter_queryset(
            SaleReturnLine.objects.in_period(self.period.start, self.period.end),
            store_field="sale_return__store",
        )
        self.returns = returns
        # Grouped by the product alone: the page's rows are named after (see
        # paginate_queryset). Grouping by its name and SKU too, joined to every line,
        # took three times as long at the large demo. Sorting by name joins it still.
        # Each row counts them all (PageCountedPaginator), instead of a query apart
        # counting the products sold: the page at the large demo 54–55 → 49–50 ms on
        # PostgreSQL, 43 → 42 ms on SQLite (where the window costs nearly as much).
        return self.order(self.per_product(), "product_id").annotate(row_count=Window(RowCount()))

    def per_product(self, *named):
        """The period's figures per product, with the ``named`` values of each: what was
        sold and what came back (``SOLD_AND_RETURNED``), and the sort's net figure.

        The other net figures are worked out for the rows read (:func:`net_figures`):
        each net figure in SQL repeats the subqueries of what came back (profit and
        gross two of them), 12 to build and run where the sort needs one or two.
        """
        rows = self.lines.values("product_id", *named).annotate(
            sold_units=Sum("quantity"),
            sold_value=Sum("net_amount", output_field=TOTAL),
            sold_tax=Sum("tax_amount", output_field=TOTAL),
            sold_cost=Sum(F("quantity") * F("unit_cost"), output_field=COST_TOTAL),
            **returned_per_product(self.returns, with_tax=True),
        )
        sort_key = self.get_sort().removeprefix("-")
        if sort_key in NET_SORTS:
            rows = rows.annotate(**{sort_key: NET_SORTS[sort_key]})
        return rows

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, is_paginated = super().paginate_queryset(queryset, page_size)
        rows = [net_figures(row) for row in rows]
        products = named_products(row["product_id"] for row in rows)
        for row in rows:
            row.update(products[row["product_id"]])
        page.object_list = rows
        return paginator, page, rows, is_paginated

    def csv_rows(self, queryset, fields: list[str]) -> Iterator[tuple]:
        # Every row, named in the query itself.
        named = self.order(self.per_product("product__sku", "product__name"), "product_id")
        read = ["product__sku", "product__name", *SOLD_AND_RETURNED]
        for values in rows_in_order(named, read):
            row = net_figures(dict(zip(read, values, strict=True)))
            yield tuple(row[field] for field in fields)

    def get_paginator(self, queryset, per_page, **kwargs):
        # Past the last page: a row per product sold in the period, so counting the
        # products of its lines spares the database computing every row's figures.
        return PageCountedPaginator(
            queryset, per_page, count=self.lines.values("product_id").distinct().count, **kwargs
        )

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
        # Less what came back of the products the rows show (as each row is).
        returned = self.returns.filter(
            Exists(self.lines.filter(product_id=OuterRef("product_id")))
        ).aggregate(
            units=Coalesce(Sum("quantity"), Decimal("0"), output_field=UNITS_TOTAL),
            value=Coalesce(Sum("net_amount"), Decimal("0"), output_field=TOTAL),
            restocked_cost=Coalesce(
                Sum(F("quantity") * F("unit_cost"), filter=Q(restock=True)),
                Decimal("0"),
                output_field=COST_TOTAL,
            ),
        )
        if self.filter_form.narrows():
            sold = self.lines.totals()
        else:
            # Every line of the period: its days' running totals (verify_stock checks them
            # against the lines), not a third pass over 27,000 lines at the large demo.
            sold = SaleDay.objects.in_period(self.period.start, self.period.end).totals()
        context["totals"] = with_profit(
            {
                "documents": sold["documents"],
                "units": sold["units"] - returned["units"],
                "value": sold["value"] - returned["value"],
                "cost": sold["cost"] - returned["restocked_cost"],
            }
        )
        return context


class StockValuationView(SortedReportView):
    """Stock value at the end of a day (today by default), per product, store and category.

    Read from the ledger alone, so a past day shows what was on hand and at
    what average cost then, whatever was bought or sold since.
    """

    permission_required = MANAGER_REPORT_PERMISSIONS
    template_name = "dashboard/report_valuation.html"
    sort_fields = {
        "sku": "product__sku",
        "product": "product__name",
        "category": "product__category__name",
        "units": "units",
        "average_cost": "average_cost",
        "value": "value",
    }
    default_sort = "product"
    csv_columns = [
        ("product__sku", "SKU", None),
        ("product__name", "Product", None),
        ("product__category__name", "Category", None),
        ("store_label", "Store", None),
        ("units", "Quantity", None),
        ("average_cost", "Average cost", 4),
        ("value", "Value", 4),
    ]

    @property
    def csv_name(self) -> str:
        return f"stock-valuation-as-of-{self.as_of.isoformat()}"

    def get_queryset(self):
        self.as_of_form = AsOfForm(self.request.GET or None)
        self.as_of = self.as_of_form.get_date()
        self.filter_form = CategoryReportFilterForm(self.request.GET or None)
        self.levels = self.filter_form.filter_queryset(levels_valued_at(end_of_day(self.as_of)))
        store = self.filter_form.valid_data.get("store")
        rows = valuation_by_product(self.levels, store.name if store else "All stores")
        return self.order(rows, "product_id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            as_of_form=self.as_of_form,
            as_of=self.as_of,
            is_today=self.as_of == timezone.localdate(),
            filter_form=self.filter_form,
            **valuation_totals(self.levels),
        )
        return context


# The CSV column worked out from "last_received" rather than read (see aged_levels).
AGE_BAND = "age_band"


class StockAgeingView(SortedReportView):
    """Stock on hand per store and product by the age of its last receipt, and dead stock."""

    permission_required = MANAGER_REPORT_PERMISSIONS
    template_name = "dashboard/report_ageing.html"
    sort_fields = {
        "store": "store__name",
        "sku": "product__sku",
        "product": "product__name",
        "category": "product__category__name",
        "quantity": "quantity",
        "value": "value",
        "received": "last_received",
        "sold": "last_sold",
    }
    # The oldest stock first: what ageing is looked at for.
    default_sort = "received"
    csv_name = "stock-ageing"
    csv_columns = [
        ("store__name", "Store", None),
        ("product__sku", "SKU", None),
        ("product__name", "Product", None),
        ("product__category__name", "Category", None),
        ("quantity", "On hand", None),
        ("product__average_cost", "Average cost", 4),
        ("value", "Value", 4),
        ("last_received", "Last received", None),
        (AGE_BAND, "Age band", None),
        ("last_sold", "Last sold", None),
        ("is_dead", "Dead stock", None),
    ]

    def order(self, queryset, tiebreak: str):
        sort = self.get_sort()
        field = F(self.sort_fields[sort.lstrip("-")])
        # Never sold sorts as sold longest ago, on every database (they put NULL
        # first or last as they please).
        if sort.startswith("-"):
            return queryset.order_by(field.desc(nulls_last=True), tiebreak)
        return queryset.order_by(field.asc(nulls_first=True), tiebreak)

    def get_queryset(self):
        self.today = timezone.localdate()
        self.dead_form = DeadStockForm(self.request.GET or None)
        self.dead_days = self.dead_form.get_days()
        self.filter_form = AgeingFilterForm(self.request.GET or None)
        levels = self.filter_form.filter_queryset(
            aged_levels(dead_since=dead_since(self.today, self.dead_days))
        )
        if self.filter_form.valid_data.get("dead"):
            levels = levels.filter(is_dead=True)
        self.levels = levels
        return self.order(
            levels.select_related("product__category", "product__unit", "store"), "pk"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attach_ages(context["object_list"], self.today)
        context.update(
            dead_form=self.dead_form,
            dead_days=self.dead_days,
            filter_form=self.filter_form,
            summary=ageing_summary(self.levels, self.today),
        )
        return context

    def csv_rows(self, queryset, fields: list[str]) -> Iterator[tuple]:
        band_at = fields.index(AGE_BAND)
        read = [field for field in fields if field != AGE_BAND]
        received_at = read.index("last_received")
        for row in super().csv_rows(queryset, read):
            band = age_band(age_in_days(row[received_at], self.today))
            # The band's English name: CSV values do not follow the page's language.
            yield (*row[:band_at], band.name, *row[band_at:])
