"""What every stock document (purchase, sale, and those to come) adds to core's documents.

A line names a product and a quantity; lists filter by store; and when the
stock engine refuses a document for want of stock, each shortfall is shown on
the lines of its product.
"""

from django import forms

from core.documents import DocumentCreateView, DocumentFilterForm
from core.models import MAX_LINE_QUANTITY, MAX_LINE_VALUE
from products.forms import ProductField
from products.services import InsufficientStock
from stores.models import Store


class StockDocumentFilterForm(DocumentFilterForm):
    """A document list's filters (see DocumentFilterForm), with the store."""

    store = forms.ModelChoiceField(queryset=Store.objects.all(), required=False)

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

    product = ProductField()
    quantity = forms.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)

    price_field = ""
    default_price_field = ""  # the product's field a blank price falls back to

    def clean(self):
        cleaned = super().clean()
        product = cleaned.get("product")
        if (
            product
            and cleaned.get(self.price_field) is None
            and self.price_field not in self.errors
        ):
            cleaned[self.price_field] = getattr(product, self.default_price_field)
        quantity, price = cleaned.get("quantity"), cleaned.get(self.price_field)
        if quantity is not None and price is not None and quantity * price > MAX_LINE_VALUE:
            self.add_error(
                self.price_field,
                forms.ValidationError(
                    "A line may be worth at most %(most)s: check the quantity and the price, "
                    "or split the line.",
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
        form.add_error(None, "Not enough stock: nothing was saved. " + f"{error}.")
