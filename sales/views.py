from core.documents import DocumentListView, DocumentVoidView
from products.documents import StockDocumentCreateView, StockDocumentDetailView
from products.models import StockMovement
from sales.forms import SaleFilterForm, SaleForm, SaleLineFormSet
from sales.models import Sale
from sales.services import SaleLineInput, sale_confirm, sale_void


class SaleListView(DocumentListView):
    model = Sale
    filter_form_class = SaleFilterForm


class SaleCreateView(StockDocumentCreateView):
    model = Sale
    template_name = "sales/sale_form.html"
    form_class = SaleForm
    formset_class = SaleLineFormSet

    def record(self, form, line_forms):
        return sale_confirm(
            **form.cleaned_data,
            user=self.request.user,
            lines=[
                SaleLineInput(
                    product=line.cleaned_data["product"],
                    quantity=line.cleaned_data["quantity"],
                    unit_price=line.cleaned_data["unit_price"],
                )
                for line in line_forms
            ],
        )


class SaleDetailView(StockDocumentDetailView):
    model = Sale
    movement_kind = StockMovement.Kind.SALE

    def get_queryset(self):
        return super().get_queryset().select_related("customer")


class SaleVoidView(DocumentVoidView):
    model = Sale

    def void(self, document, user, reason):
        return sale_void(sale=document, user=user, reason=reason)
