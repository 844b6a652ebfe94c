"""What every stock document (purchase, sale, and those to come) adds to core's documents.

A line names a product and a quantity; lists filter by store; and when the
stock engine refuses a document for want of stock, each shortfall is shown on
the lines of its product.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.access import may_act_in
from core.documents import DocumentCreateView, DocumentDetailView, DocumentFilterForm
from core.models import MAX_LINE_QUANTITY, MAX_LINE_VALUE
from core.money import format_money
from core.quantities import QuantityField
from core.text import mid_sentence
from products.forms import ProductField
from products.models import StockMovement
from products.services import InsufficientStock
from products.valuation import ValuationRefused, preview_void
from stores.models import Store


class StockDocumentFilterForm(DocumentFilterForm):
    """A document list's filters (see DocumentFilterForm), with the store."""

    store = forms.ModelChoiceField(
        queryset=Store.objects.all(), required=False, empty_label=_("All stores")
    )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if store := self.valid_data.get("store"):
            queryset = queryset.filter(store=store)
        return queryset


class DocumentLineForm(forms.Form):
    """One order line. ``price_field`` is "unit_cost" (purchases) or "unit_price" (sales).

    The product is typed or searched for (see ProductField), not chosen from a
    list: a shop has far too many products for a <select> on every line.
    """

    product = ProductField(label=_("Product"))
    quantity = QuantityField(
        label=_("Quantity"), min_value=Decimal("0.001"), max_value=MAX_LINE_QUANTITY
    )

    price_field = ""
    default_price_field = ""  # the product's field a blank price falls back to

    def clean(self):
        cleaned = super().clean()
        product = cleaned.get("product")
        if (
            product
            and self.price_field
            and cleaned.get(self.price_field) is None
            and self.price_field not in self.errors
        ):
            cleaned[self.price_field] = getattr(product, self.default_price_field)
        quantity = cleaned.get("quantity")
        price = cleaned.get(self.price_field) if self.price_field else None
        if product and quantity is not None and (refusal := product.unit.refusal(quantity)):
            self.add_error(
                "quantity",
                gettext("%(product)s is %(refusal)s.")
                % {"product": product.name, "refusal": refusal},
            )
        if quantity is not None and price is not None and quantity * price > MAX_LINE_VALUE:
            self.add_error(
                self.price_field,
                forms.ValidationError(
                    gettext(
                        "A line may be worth at most %(most)s: check the quantity and the price, "
                        "or split the line."
                    ),
                    code="line_value_too_high",
                    params={"most": f"{MAX_LINE_VALUE:,.2f}"},
                ),
            )
        return cleaned


class StockDocumentCreateView(DocumentCreateView):
    """The new-document page of a document that moves stock."""

    def show_refusal(self, form, formset, error) -> None:
        if not isinstance(error, InsufficientStock):
            super().show_refusal(form, formset, error)
            return
        # Each shortfall on the lines of its product, keeping what was typed.
        for line_form in formset.filled_forms:
            shortfall = error.for_product(line_form.cleaned_data["product"].pk)
            if shortfall:
                line_form.add_error("quantity", f"{shortfall}.")
        form.add_error(
            None,
            gettext("Not enough stock: nothing was saved. %(shortfalls)s.") % {"shortfalls": error},
        )


class StockDocumentDetailView(DocumentDetailView):
    """A document's page; beside the void button, what voiding it would change in valuation.

    ``movement_kind`` is the ledger kind the document's movements have
    ("purchase", "sale"). The preview replays the document's products without
    it, as the void would (see :mod:`products.valuation`), writing nothing.
    """

    movement_kind: str

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Another store's document is shown read-only to staff of other stores.
        context["acts_here"] = may_act_in(self.request.user, self.object.store_id)
        context["can_void"] = context["can_void"] and context["acts_here"]
        if context["can_void"]:
            try:
                revaluations = preview_void(self.movement_kind, self.object.pk)
            except ValuationRefused as refusal:
                context["void_refusal"] = str(refusal)
            else:
                context["void_effects"] = void_effects(revaluations)
        return context


# "the cost of 3 later sales changes by -$180.00", for the kinds that move at the
# average cost (the ones a revaluation re-costs); any other kind says its label.
LATER_COST_CHANGES = {
    StockMovement.Kind.SALE: ngettext_lazy(
        "the cost of %(count)s later sale changes by %(amount)s",
        "the cost of %(count)s later sales changes by %(amount)s",
        "count",
    ),
    StockMovement.Kind.ADJUSTMENT: ngettext_lazy(
        "the cost of %(count)s later adjustment changes by %(amount)s",
        "the cost of %(count)s later adjustments changes by %(amount)s",
        "count",
    ),
    StockMovement.Kind.TRANSFER_OUT: ngettext_lazy(
        "the cost of %(count)s later transfer out changes by %(amount)s",
        "the cost of %(count)s later transfer outs changes by %(amount)s",
        "count",
    ),
}


def _later_cost_change(kind: str, count: int, total: Decimal) -> str:
    amount = _money(total, sign=True)
    if kind in LATER_COST_CHANGES:
        return LATER_COST_CHANGES[kind] % {"count": count, "amount": amount}
    return ngettext(
        "the cost of %(count)s later %(kind)s changes by %(amount)s",
        "the cost of %(count)s later %(kind)ss changes by %(amount)s",
        count,
    ) % {"count": count, "kind": mid_sentence(StockMovement.Kind(kind).label), "amount": amount}


def void_effects(revaluations) -> list[str]:
    """What a void would change, one sentence per product it revalues (nothing: empty).

    "Average cost of Widget $70.00 → $10.00; the cost of 3 later sales changes by -$180.00."
    """
    effects = []
    for revaluation in revaluations:
        name = revaluation.product.name
        parts = []
        if revaluation.new_average != revaluation.old_average:
            parts.append(
                gettext("average cost of %(product)s %(old)s → %(new)s")
                % {
                    "product": name,
                    "old": _money(revaluation.old_average),
                    "new": _money(revaluation.new_average),
                }
            )
        for kind in sorted({change.kind for change in revaluation.cost_changes}):
            changes = revaluation.cost_changes_of(kind)
            count = len(changes)  # one movement per document and product
            total = sum((c.value_change for c in changes), Decimal("0"))
            parts.append(_later_cost_change(kind, count, total))
        if parts:
            text = "; ".join(parts)
            effects.append(text[0].upper() + text[1:] + ".")
    return effects


def _money(amount: Decimal, *, sign: bool = False) -> str:
    text = format_money(amount)
    return f"+{text}" if sign and amount >= 0 else text
