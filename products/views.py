from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext, ngettext
from django.views.generic import TemplateView, View
from django.views.generic.detail import SingleObjectMixin

from accounts.access import NOT_YOUR_STORE, limit_store_fields, may_act_in
from core.crud import RecordDetailView, RecordListCreateView
from core.exceptions import OperationRefused
from core.pickers import RecordSearchView
from core.quantities import format_quantity
from core.sections import sections_for
from core.submissions import SUBMISSION_TOKEN_FIELD, AlreadySubmitted, form_token, submit_once
from products.costs import sees_costs
from products.forms import (
    CategoryForm,
    ProductFilterForm,
    ProductForm,
    StockAdjustmentForm,
    StockRuleForm,
    TaxRateForm,
    UnitForm,
)
from products.models import (
    Category,
    Product,
    StockLevel,
    StockMovement,
    TaxRate,
    Unit,
    stores_receiving,
)
from products.services import stock_adjust
from stores.models import Store


class CategoryListView(RecordListCreateView):
    model = Category
    form_class = CategoryForm
    sort_fields = {"name": "name", "created": "created_at"}


class CategoryDetailView(RecordDetailView):
    model = Category
    queryset = Category.objects.select_related("tax_rate")
    form_class = CategoryForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["products"] = self.object.products.select_related("supplier", "unit").order_by(
            "name"
        )
        context["sections"] = sections_for("categories:detail", self.object, self.request)
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
        context["sections"] = sections_for("units:detail", self.object, self.request)
        return context


class TaxRateListView(RecordListCreateView):
    model = TaxRate
    form_class = TaxRateForm
    sort_fields = {"name": "name", "rate": ["percent", "name"], "products": "product_count"}
    default_sort = "rate"

    def get_base_queryset(self):
        # Every product counts, archived ones too: each keeps the rate from being deleted.
        return TaxRate.objects.annotate(product_count=Count("products"))


class TaxRateDetailView(RecordDetailView):
    model = TaxRate
    form_class = TaxRateForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["products"] = self.object.products.order_by("name")[:50]
        context["product_count"] = self.object.products.count()
        context["categories"] = self.object.categories.order_by("name")
        context["sections"] = sections_for("tax_rates:detail", self.object, self.request)
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
        "on_order": "on_order",
    }

    def get_base_queryset(self):
        # On hand and on order are columns the stock engine keeps (see products.state):
        # sorting or filtering by them reads an index, not every product's stock rows.
        return Product.objects.select_related("category", "supplier", "unit")


class ProductDetailView(RecordDetailView):
    model = Product
    queryset = Product.objects.select_related("category", "supplier", "unit", "tax_rate")
    form_class = ProductForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not sees_costs(self.request.user):
            # Costs are need-to-know (products.costs): the cost price is left out of the
            # fields shown (and of those saved, so the stored one stays).
            del form.fields["cost_price"]
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self.object
        levels = list(
            product.stock_levels.with_rule().select_related("store").order_by("store__name")
        )
        receiving = {store.pk: store for store in stores_receiving(product)}
        for level in levels:
            store = receiving.pop(level.store_id, None)
            level.in_transit = store.in_transit if store else Decimal("0")
        if receiving:
            # Goods on their way to a store that has no stock row for the product yet.
            for store in receiving.values():
                level = StockLevel.empty(product, store.pk)
                level.store = store
                level.in_transit = store.in_transit
                levels.append(level)
            levels.sort(key=lambda level: level.store.name)
        if settings.HIDE_OTHER_STORES:
            # Staff limited to some stores see only those stores' stock (and its totals).
            levels = [level for level in levels if may_act_in(self.request.user, level.store_id)]
        context["stock_levels"] = levels
        context["on_hand"] = sum((level.quantity for level in levels), Decimal("0"))
        context["on_order"] = sum((level.on_order for level in levels), Decimal("0"))
        context["in_transit"] = sum((level.in_transit for level in levels), Decimal("0"))
        context["can_edit_rules"] = self.request.user.has_perm("products.change_stocklevel")
        movements = (
            StockMovement.objects.filter(product=product)
            .select_related("store", "created_by")
            .order_by("-created_at", "-pk")
        )
        context["movements_page"] = Paginator(movements, 25).get_page(self.request.GET.get("page"))
        context["sections"] = sections_for("products:detail", product, self.request)
        if self.request.user.has_perm("products.adjust_stock"):
            context["adjust_form"] = StockAdjustmentForm(prefix="adjust", product=product)
            limit_store_fields(context["adjust_form"], self.request.user)
            context[SUBMISSION_TOKEN_FIELD] = form_token(self.request)
        return context


class ProductSearchView(RecordSearchView):
    """JSON for the order lines' product picker: active products whose SKU starts with ``q``
    or whose name contains it, by name, at most ``LIMIT``.

    ``{"results": [{"id", "sku", "name", "sale_price", "cost_price", "unit"}, ...]}``, without
    ``cost_price`` for users who may not see costs (products.costs).
    """

    permission_required = "products.view_product"

    def results(self, term, options):
        fields = ["id", "sku", "name", "sale_price", "cost_price", "unit__symbol"]
        if not sees_costs(self.request.user):
            fields.remove("cost_price")  # left out, not blanked
        # SKUs are stored upper-case, so a plain prefix match (which the SKU's
        # unique index serves) is case-insensitive; the name index gives the order.
        products = (
            Product.objects.active()
            .filter(Q(sku__startswith=term.upper()) | Q(name__icontains=term))
            .order_by("name", "pk")
            .values(*fields)[: self.LIMIT]
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
        limit_store_fields(form, request.user)
        if not form.is_valid():
            errors = "; ".join(
                f"{form[name].label}: {' '.join(messages_)}"
                if name != "__all__"
                else " ".join(messages_)
                for name, messages_ in form.errors.items()
            )
            messages.error(
                request, gettext("The adjustment was not saved. %(errors)s") % {"errors": errors}
            )
            return redirect(product)
        data = form.cleaned_data
        amount = {data["mode"]: data["quantity"]}
        try:
            movement = submit_once(
                request,
                lambda: stock_adjust(
                    product=product,
                    store=data["store"],
                    user=request.user,
                    reason=data["reason"],
                    **amount,
                ),
                describe=lambda _: (
                    product.get_absolute_url(),
                    gettext("the stock adjustment of %(product)s at %(store)s")
                    % {"product": product.name, "store": data["store"]},
                ),
            )
        except AlreadySubmitted as submitted:
            return submitted.response(request, fallback_url=product.get_absolute_url())
        except OperationRefused as error:  # not enough stock; a quantity the unit refuses
            messages.error(
                request, gettext("The adjustment was not saved. %(reason)s.") % {"reason": error}
            )
            return redirect(product)
        if movement is None:
            messages.info(request, gettext("The count matches the books; nothing was changed."))
        else:
            messages.success(
                request,
                gettext("Stock of %(product)s at %(store)s is now %(quantity)s (%(change)s).")
                % {
                    "product": product.name,
                    "store": data["store"],
                    "quantity": format_quantity(movement.balance_after, product.unit),
                    "change": format_quantity(movement.quantity, product.unit, signed=True),
                },
            )
        return redirect(product)


class ProductStockRulesView(PermissionRequiredMixin, SingleObjectMixin, TemplateView):
    """The product's replenishment rule at each active store: minimum, maximum, multiple.

    Writes the rule fields only (``StockLevel.objects.set_rules``), never a quantity.
    """

    permission_required = "products.change_stocklevel"
    model = Product
    queryset = Product.objects.select_related("unit")
    template_name = "products/product_replenishment.html"

    def rows(self, data=None) -> list[dict]:
        """One row per active store: the store, its stock row (or None), its rule form, and
        whether the user may change it (a store they work in, accounts.access); the
        others' forms are shown read-only and never bound to what was posted."""
        product = self.object
        levels = {level.store_id: level for level in product.stock_levels.with_rule()}
        rows = []
        for store in Store.objects.active().order_by("name"):
            level = levels.get(store.pk)
            initial = {}
            if level is not None:
                initial = {
                    "minimum": level.reorder_point,
                    "maximum": level.order_up_to,
                    "multiple": level.order_multiple,
                }
            editable = may_act_in(self.request.user, store)
            form = StockRuleForm(
                data if editable else None,
                product=product,
                prefix=f"store-{store.pk}",
                initial=initial,
            )
            if not editable:
                for field in form.fields.values():
                    field.disabled = True
            rows.append({"store": store, "level": level, "form": form, "editable": editable})
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("rows", self.rows())
        context["product"] = self.object
        return context

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        rows = self.rows(request.POST)
        # The page posts no field of a store the user does not work in (its inputs are
        # disabled): a post that does was crafted, and changes nothing.
        for row in rows:
            if not row["editable"] and any(
                key.startswith(f"{row['form'].prefix}-") for key in request.POST
            ):
                raise PermissionDenied(gettext(NOT_YOUR_STORE))
        editable = [row for row in rows if row["editable"]]
        valid = [row["form"].is_valid() for row in editable]  # every row, for every error
        if not all(valid):
            messages.error(request, gettext("Nothing was saved: correct the values marked below."))
            return self.render_to_response(self.get_context_data(rows=rows))
        changed = StockLevel.objects.set_rules(
            [row["form"].rule(row["store"].pk) for row in editable]
        )
        product = self.object
        if changed:
            messages.success(
                request,
                ngettext(
                    "Replenishment rules of %(product)s saved (%(count)s store).",
                    "Replenishment rules of %(product)s saved (%(count)s stores).",
                    changed,
                )
                % {"product": product.name, "count": changed},
            )
        else:
            messages.info(
                request,
                gettext("The replenishment rules of %(product)s were unchanged.")
                % {"product": product.name},
            )
        return redirect(product)
