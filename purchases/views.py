from django import forms
from django.core.exceptions import ValidationError

from core.documents import DocumentListView, DocumentVoidView
from products.documents import StockDocumentCreateView, StockDocumentDetailView
from products.models import Product, StockMovement
from purchases.forms import PurchaseFilterForm, PurchaseForm, PurchaseLineFormSet
from purchases.models import Purchase
from purchases.services import PurchaseLineInput, purchase_record, purchase_void
from stores.models import Store


class PurchaseListView(DocumentListView):
    model = Purchase
    filter_form_class = PurchaseFilterForm


class PurchaseCreateView(StockDocumentCreateView):
    model = Purchase
    template_name = "purchases/purchase_form.html"
    form_class = PurchaseForm
    formset_class = PurchaseLineFormSet

    def get_initial(self):
        # "Reorder" links from the dashboard open this page with ?product=<id>
        # (and &store=<id> for one store); anything unusable in the query
        # string is ignored, never a server error.
        product = self._active_choice(Product, "product")
        if product is None:
            return {}, []
        header = {"supplier": product.supplier_id}
        if store := self._active_choice(Store, "store"):
            header["store"] = store.pk
        # The product itself, not its key: the line shows its SKU and name without a query.
        return header, [{"product": product, "unit_cost": product.cost_price}]

    def _active_choice(self, model, parameter):
        choice = forms.ModelChoiceField(queryset=model.objects.active(), required=False)
        try:
            return choice.clean(self.request.GET.get(parameter))
        except ValidationError:
            return None

    def record(self, form, line_forms):
        return purchase_record(
            **form.cleaned_data,
            user=self.request.user,
            lines=[
                PurchaseLineInput(
                    product=line.cleaned_data["product"],
                    quantity=line.cleaned_data["quantity"],
                    unit_cost=line.cleaned_data["unit_cost"],
                    packs=line.cleaned_data["packs"],
                    pack_size=line.cleaned_data["pack_size"],
                )
                for line in line_forms
            ],
        )


class PurchaseDetailView(StockDocumentDetailView):
    model = Purchase
    movement_kind = StockMovement.Kind.PURCHASE

    def get_queryset(self):
        return super().get_queryset().select_related("supplier")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A receipt's lines show the order's agreed cost beside what was charged.
        context["lines"] = context["lines"].select_related("order_line")
        return context


class PurchaseVoidView(DocumentVoidView):
    model = Purchase

    def void(self, document, user, reason):
        return purchase_void(purchase=document, user=user, reason=reason)
