from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import View

from core.crud import RecordDetailView, RecordListCreateView
from core.exceptions import OperationRefused
from core.pickers import RecordSearchView
from core.quantities import format_quantity
from core.sections import sections_for
from products.forms import (
    CategoryForm,
    ProductFilterForm,
    ProductForm,
    StockAdjustmentForm,
    UnitForm,
)
from products.models import Category, Product, StockMovement, Unit
from products.services import stock_adjust


class CategoryListView(RecordListCreateView):
    model = Category
    form_class = CategoryForm
    sort_fields = {"name": "name", "created": "created_at"}


class CategoryDetailView(RecordDetailView):
    model = Category
    form_class = CategoryForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["products"] = (
            self.object.products.select_related("supplier", "unit").with_on_hand().order_by("name")
        )
        return context


class UnitListView(RecordListCreateView):
    model = Unit
    form_class = UnitForm
    sort_fields = {"name": "name", "symbol": "symbol", "places": "decimal_places"}


class UnitDetailView(RecordDetailView):
    model = Unit
    form_class = UnitForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["products"] = self.object.products.order_by("name")[:50]
        context["product_count"] = self.object.products.count()
        return context


class ProductListView(RecordListCreateView):
    model = Product
    form_class = ProductForm
    filter_form_class = ProductFilterForm
    sort_fields = {
        "sku": "sku",
        "name": "name",
        "category": "category__name",
        "supplier": "supplier__name",
        "price": "sale_price",
        "on_hand": "on_hand",
    }

    def get_base_queryset(self):
        queryset = Product.objects.select_related("category", "supplier", "unit")
        if self.get_sort().removeprefix("-") == "on_hand":
            # Sorting by it needs every row's; otherwise see paginate_queryset.
            queryset = queryset.with_on_hand()
        return queryset

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, is_paginated = super().paginate_queryset(queryset, page_size)
        if "on_hand" not in queryset.query.annotations:
            # The page's on-hand in a second query: inside the paginated one,
            # PostgreSQL sums the stock of every row the OFFSET skips too
            # (1.1 s for page 500 of 20,000 products).
            rows = page.object_list = Product.objects.attach_on_hand(list(rows))
        return paginator, page, rows, is_paginated


class ProductDetailView(RecordDetailView):
    model = Product
    queryset = Product.objects.select_related("category", "supplier", "unit")
    form_class = ProductForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self.object
        levels = list(product.stock_levels.select_related("store").order_by("store__name"))
        context["stock_levels"] = levels
        context["on_hand"] = sum((level.quantity for level in levels), Decimal("0"))
        movements = (
            StockMovement.objects.filter(product=product)
            .select_related("store", "created_by")
            .order_by("-created_at", "-pk")
        )
        context["movements_page"] = Paginator(movements, 25).get_page(self.request.GET.get("page"))
        context["sections"] = sections_for("products:detail", product, self.request)
        if self.request.user.has_perm("products.adjust_stock"):
            context["adjust_form"] = kwargs.get("adjust_form") or StockAdjustmentForm(
                prefix="adjust", product=product
            )
        return context


class ProductSearchView(RecordSearchView):
    """JSON for the order lines' product picker: active products whose SKU starts with ``q``
    or whose name contains it, by name, at most ``LIMIT``.

    ``{"results": [{"id", "sku", "name", "sale_price", "cost_price", "unit"}, ...]}``
    """

    permission_required = "products.view_product"

    def results(self, term, options):
        # SKUs are stored upper-case, so a plain prefix match (which the SKU's
        # unique index serves) is case-insensitive; the name index gives the order.
        products = (
            Product.objects.active()
            .filter(Q(sku__startswith=term.upper()) | Q(name__icontains=term))
            .order_by("name", "pk")
            .values("id", "sku", "name", "sale_price", "cost_price", "unit__symbol")[: self.LIMIT]
        )
        products = list(products)
        for row in products:
            row["unit"] = row.pop("unit__symbol")
        return products


class StockAdjustView(PermissionRequiredMixin, View):
    """POST-only: correct a product's stock at a store through the stock engine."""

    permission_required = "products.adjust_stock"
    http_method_names = ["post"]

    def post(self, request, pk):
        product = get_object_or_404(Product.objects.select_related("unit"), pk=pk)
        form = StockAdjustmentForm(request.POST, prefix="adjust", product=product)
        if not form.is_valid():
            errors = "; ".join(
                f"{form.fields[name].label or name}: {' '.join(messages_)}"
                if name != "__all__"
                else " ".join(messages_)
                for name, messages_ in form.errors.items()
            )
            messages.error(request, f"The adjustment was not saved. {errors}")
            return redirect(product)
        data = form.cleaned_data
        amount = {data["mode"]: data["quantity"]}
        try:
            movement = stock_adjust(
                product=product,
                store=data["store"],
                user=request.user,
                reason=data["reason"],
                **amount,
            )
        except OperationRefused as error:  # not enough stock; a quantity the unit refuses
            messages.error(request, f"The adjustment was not saved. {error}.")
            return redirect(product)
        if movement is None:
            messages.info(request, "The count matches the books; nothing was changed.")
        else:
            messages.success(
                request,
                f"Stock of {product.name} at {data['store']} is now "
                f"{format_quantity(movement.balance_after, product.unit)} "
                f"({format_quantity(movement.quantity, product.unit, signed=True)}).",
            )
        return redirect(product)
