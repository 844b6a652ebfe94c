from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.views.generic import DetailView, TemplateView, View
from django.views.generic.detail import SingleObjectMixin

from accounts.access import (
    ActsInStoreMixin,
    LimitStorePickersMixin,
    VisibleStoresMixin,
    require_store_of,
)
from core.documents import DocumentListView, DocumentVoidView
from core.exceptions import OperationRefused
from core.sections import sections_for
from core.submissions import (
    AlreadySubmitted,
    SubmissionTokenMixin,
    already_submitted,
    submit_once,
)
from products.costs import sees_costs
from products.documents import StockDocumentCreateView, StockDocumentDetailView
from products.models import Product, StockMovement
from products.services import InsufficientStock
from purchases.forms import (
    PurchaseFilterForm,
    PurchaseForm,
    PurchaseLineFormSet,
    PurchaseReturnForm,
)
from purchases.models import Purchase, PurchaseReturn
from purchases.pdf import debit_note_pdf
from purchases.returns import PurchaseReturnLineInput, purchase_return
from purchases.selectors import debit_note_lines, purchase_amounts, returnable_lines
from purchases.services import PurchaseLineInput, purchase_record, purchase_void
from stores.models import Store


class PurchaseListView(VisibleStoresMixin, DocumentListView):
    model = Purchase
    filter_form_class = PurchaseFilterForm


class PurchaseCreateView(LimitStorePickersMixin, StockDocumentCreateView):
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
        # Its cost price only for those who may see costs (a blank cost is taken as it).
        line = {"product": product}
        if sees_costs(self.request.user):
            line["unit_cost"] = product.cost_price
        return header, [line]

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


class PurchaseDetailView(VisibleStoresMixin, StockDocumentDetailView):
    model = Purchase
    movement_kind = StockMovement.Kind.PURCHASE

    def get_queryset(self):
        return super().get_queryset().select_related("supplier")

    @cached_property
    def returns(self) -> list[PurchaseReturn]:
        return list(
            self.object.returns.select_related("created_by").with_totals().order_by("date", "pk")
        )

    def is_voidable(self) -> bool:
        # Its returned units left through movements of their own at its cost: a void
        # would take them out again (purchase_void refuses it). No void, no preview.
        return super().is_voidable() and not self.returns

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        purchase, user = self.object, self.request.user
        # A receipt's lines show the order's agreed cost beside what was charged,
        # and every line what already went back to the supplier.
        lines = list(context["lines"].select_related("order_line").with_returned())
        context["lines"] = lines
        context["amounts"] = purchase_amounts(lines)
        context["returns"] = self.returns
        context["can_return"] = (
            context["acts_here"]
            and not purchase.is_voided
            and user.has_perm("purchases.add_purchasereturn")
            and any(line.returnable > 0 for line in lines)
        )
        # Say why the void form is missing to those who would otherwise see it.
        context["void_refused_for_returns"] = (
            bool(self.returns)
            and not purchase.is_voided
            and user.has_perm("purchases.void_purchase")
        )
        context["sections"] = sections_for("purchases:detail", purchase, self.request)
        return context


class PurchaseVoidView(ActsInStoreMixin, DocumentVoidView):
    model = Purchase

    def void(self, document, user, reason):
        return purchase_void(purchase=document, user=user, reason=reason)


class PurchaseReturnCreateView(PermissionRequiredMixin, SubmissionTokenMixin, TemplateView):
    """Units of a purchase going back to its supplier: per line how many and why.

    Every refusal (more than is returnable, more than the store holds now, a
    quantity finer than the unit) comes back as the form's errors, on the
    lines concerned where it can, with nothing written.
    """

    permission_required = "purchases.add_purchasereturn"
    template_name = "purchases/purchasereturn_form.html"

    def _purchase_and_form(self, data=None):
        # Looked up here, after the permission check: a visitor is sent to log
        # in whatever the id.
        purchase = get_object_or_404(
            Purchase.objects.select_related("supplier", "store"), pk=self.kwargs["pk"]
        )
        require_store_of(self.request.user, purchase)
        return purchase, PurchaseReturnForm(
            data, purchase=purchase, lines=returnable_lines(purchase)
        )

    def get(self, request, *args, **kwargs):
        purchase, form = self._purchase_and_form()
        if purchase.is_voided:
            return _voided(request, purchase)
        return self.render_to_response(self.get_context_data(purchase=purchase, form=form))

    def post(self, request, *args, **kwargs):
        purchase, form = self._purchase_and_form(request.POST)
        if submitted := already_submitted(request):
            return submitted.response(request)
        if purchase.is_voided:
            return _voided(request, purchase)
        if form.is_valid():
            try:
                debit_note = submit_once(
                    request,
                    lambda: purchase_return(
                        purchase=purchase,
                        user=request.user,
                        lines=[
                            PurchaseReturnLineInput(line, quantity, reason)
                            for line, quantity, reason in form.returned_lines
                        ],
                        date=form.cleaned_data["date"],
                        notes=form.cleaned_data["notes"],
                    ),
                )
            except AlreadySubmitted as submitted:
                return submitted.response(request)
            except InsufficientStock as error:
                for line, _, _ in form.returned_lines:
                    if shortfall := error.for_product(line.product_id):
                        form.add_error(f"quantity_{line.pk}", f"{shortfall}.")
                form.add_error(
                    None,
                    gettext("Not enough stock: nothing was sent back. %(shortfalls)s.")
                    % {"shortfalls": error},
                )
            except OperationRefused as error:
                # Another return since the page was filled in, a voided purchase…
                form.add_error(
                    None, gettext("Nothing was sent back: %(reason)s.") % {"reason": error}
                )
            else:
                messages.success(
                    request,
                    gettext("%(debit_note)s was recorded: the goods left the stock of %(store)s.")
                    % {"debit_note": debit_note, "store": purchase.store.name},
                )
                return redirect(debit_note)
        return self.render_to_response(self.get_context_data(purchase=purchase, form=form))


def _voided(request, purchase):
    messages.error(
        request,
        gettext("%(purchase)s was voided: nothing can go back from it.") % {"purchase": purchase},
    )
    return redirect(purchase)


class PurchaseReturnDetailView(PermissionRequiredMixin, VisibleStoresMixin, DetailView):
    """A debit note: what went back to the supplier, at the purchase's costs and tax."""

    permission_required = "purchases.view_purchasereturn"
    queryset = PurchaseReturn.objects.select_related(
        "purchase", "supplier", "store", "created_by"
    ).with_totals()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = lines = debit_note_lines(self.object)
        context["amounts"] = purchase_amounts(lines)
        context["sections"] = sections_for("purchases:return_detail", self.object, self.request)
        return context


class PurchaseReturnPrintView(PurchaseReturnDetailView):
    """The debit note as the supplier should read it, to print or save as PDF from the browser."""

    template_name = "purchases/purchasereturn_print.html"


class PurchaseReturnPdfView(PermissionRequiredMixin, VisibleStoresMixin, SingleObjectMixin, View):
    """The debit note as a PDF file, to send to the supplier with the goods."""

    permission_required = "purchases.view_purchasereturn"
    http_method_names = ["get"]
    queryset = PurchaseReturn.objects.select_related("purchase", "supplier", "store")

    def get(self, request, *args, **kwargs):
        debit_note = self.get_object()
        response = HttpResponse(debit_note_pdf(debit_note), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="debit-note-{debit_note.number or debit_note.pk}.pdf"'
        )
        return response
