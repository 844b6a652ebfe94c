from django import forms
from django.core.exceptions import ValidationError

from inventory_project.documents import (
    DocumentCreateView,
    DocumentDetailView,
    DocumentListView,
    DocumentVoidView,
)
from products.models import Product
from purchases.forms import PurchaseFilterForm, PurchaseForm, PurchaseLineFormSet
from purchases.models import Purchase
from purchases.services import PurchaseLineInput, purchase_record, purchase_void


class PurchaseListView(DocumentListView):
    model = Purchase
    filter_form_class = PurchaseFilterForm


class PurchaseCreateView(DocumentCreateView):
    model = Purchase
    template_name = "purchases/purchase_form.html"
    form_class = PurchaseForm
    formset_class = PurchaseLineFormSet

    def get_initial(self):
        # "Reorder" links from the dashboard open this page with ?product=<id>;
        # anything else in the query string is ignored, never a server error.
        choice = forms.ModelChoiceField(queryset=Product.objects.active(), required=False)
        try:
            product = choice.clean(self.request.GET.get("product"))
        except ValidationError:
            product = None
        if product is None:
            return {}, []
        return {"supplier": product.supplier_id}, [
            {"product": product.pk, "unit_cost": product.cost_price}
        ]

    def record(self, form, line_forms):
        return purchase_record(
            **form.cleaned_data,
            user=self.request.user,
            lines=[
                PurchaseLineInput(
                    product=line.cleaned_data["product"],
                    quantity=line.cleaned_data["quantity"],
                    unit_cost=line.cleaned_data["unit_cost"],
                )
                for line in line_forms
            ],
        )


class PurchaseDetailView(DocumentDetailView):
    model = Purchase

    def get_queryset(self):
        return super().get_queryset().select_related("supplier")


class PurchaseVoidView(DocumentVoidView):
    model = Purchase

    def void(self, document, user, reason):
        return purchase_void(purchase=document, user=user, reason=reason)
