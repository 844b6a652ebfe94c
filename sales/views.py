from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.views.generic import DetailView, View
from django.views.generic.detail import SingleObjectMixin

from accounts.access import ActsInStoreMixin, LimitStorePickersMixin, VisibleStoresMixin
from core.documents import DocumentListView, DocumentVoidView
from core.sections import sections_for
from products.documents import StockDocumentCreateView, StockDocumentDetailView
from products.models import StockMovement
from sales.forms import SaleFilterForm, SaleForm, SaleLineFormSet
from sales.models import Sale, SaleReturn
from sales.pdf import receipt_pdf
from sales.selectors import credit_notes_of, receipt_lines, sale_tax_bands, with_returned
from sales.services import SaleLineInput, sale_confirm, sale_void


class SaleListView(VisibleStoresMixin, DocumentListView):
    model = Sale
    filter_form_class = SaleFilterForm


class SaleCreateView(LimitStorePickersMixin, StockDocumentCreateView):
    model = Sale
    template_name = "sales/sale_form.html"
    form_class = SaleForm
    formset_class = SaleLineFormSet

    def record(self, form, line_forms):
        sale = sale_confirm(
            **form.cleaned_data,
            user=self.request.user,
            lines=[
                SaleLineInput(
                    product=line.cleaned_data["product"],
                    quantity=line.cleaned_data["quantity"],
                    unit_price=line.cleaned_data["unit_price"],
                    discount=line.cleaned_data["discount"],
                )
                for line in line_forms
            ],
        )
        if sale.below_cost:
            # Allowed for those who may set prices, but never without a word.
            messages.warning(
                self.request,
                gettext("Sold below cost: %(lines)s.") % {"lines": "; ".join(sale.below_cost)},
            )
        return sale


class SaleDetailView(VisibleStoresMixin, StockDocumentDetailView):
    model = Sale
    movement_kind = StockMovement.Kind.SALE

    def get_queryset(self):
        return super().get_queryset().select_related("customer")

    @cached_property
    def returns(self) -> list[SaleReturn]:
        return list(credit_notes_of(self.object))

    def is_voidable(self) -> bool:
        # A return corrects the sale already: voiding it too would count the units twice.
        return super().is_voidable() and not self.returns

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sale, user = self.object, self.request.user
        lines = list(with_returned(context["lines"].select_related("price_set_by")))
        context["lines"] = lines
        context["tax_bands"] = sale_tax_bands(lines)
        context["returns"] = self.returns
        context["can_return"] = (
            context["acts_here"]
            and not sale.is_voided
            and any(line.quantity > line.returned for line in lines)
            and user.has_perm("sales.add_salereturn")
        )
        # Say why the void form is missing to those who would otherwise see it.
        context["void_refused_for_returns"] = (
            bool(self.returns) and not sale.is_voided and user.has_perm("sales.void_sale")
        )
        context["sections"] = sections_for("sales:detail", sale, self.request)
        return context


class SaleVoidView(ActsInStoreMixin, DocumentVoidView):
    model = Sale

    def void(self, document, user, reason):
        return sale_void(sale=document, user=user, reason=reason)


class SaleReceiptView(PermissionRequiredMixin, VisibleStoresMixin, DetailView):
    """The sale as the customer should read it, to print or save as PDF from the browser."""

    permission_required = "sales.view_sale"
    queryset = Sale.objects.select_related("customer", "store").with_totals()
    template_name = "sales/sale_receipt.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = lines = list(receipt_lines(self.object))
        context["tax_bands"] = sale_tax_bands(lines)
        context["credit_notes"] = credit_notes_of(self.object)
        return context


class SalePdfView(PermissionRequiredMixin, VisibleStoresMixin, SingleObjectMixin, View):
    """The sale's receipt as a PDF file, to hand or email to the customer."""

    permission_required = "sales.view_sale"
    http_method_names = ["get"]
    queryset = Sale.objects.select_related("customer", "store")

    def get(self, request, *args, **kwargs):
        sale = self.get_object()
        response = HttpResponse(receipt_pdf(sale), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="receipt-{sale.number or sale.pk}.pdf"'
        )
        return response
