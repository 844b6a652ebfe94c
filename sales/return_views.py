"""Customer return pages: thin views over :mod:`sales.returns`.

A return is taken on its sale's page (``/sales/<id>/return/``); the returns
have their own list, CSV, credit note page, printable page and PDF.
"""

import datetime
from decimal import ROUND_HALF_UP

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.generic import DetailView, TemplateView, View
from django.views.generic.detail import SingleObjectMixin

from accounts.access import VisibleStoresMixin, require_store_of
from core.csv_export import CENT, csv_response, rows_in_chunks, without_columns
from core.documents import DocumentListView
from core.exceptions import OperationRefused
from core.money import format_money
from core.quantities import format_quantity, trimmed_quantity
from core.sections import sections_for
from core.submissions import (
    AlreadySubmitted,
    SubmissionTokenMixin,
    already_submitted,
    submit_once,
)
from products.costs import sees_costs
from sales.models import Sale, SaleReturn, SaleReturnLine
from sales.pdf import credit_note_pdf
from sales.return_forms import SaleReturnFilterForm, SaleReturnForm
from sales.returns import ReturnLineInput, sale_return
from sales.selectors import credit_note_lines, sale_tax_bands, with_returned


def _closed(sale: Sale, lines) -> str:
    """Why nothing can come back from ``sale`` any more, or "" while something can."""
    if sale.is_voided:
        return gettext("Sale %(number)s was voided: nothing can come back from it.") % {
            "number": sale.label
        }
    if all(line.quantity <= line.returned for line in lines):
        return gettext("Everything sold on sale %(number)s has already come back.") % {
            "number": sale.label
        }
    return ""


class SaleReturnCreateView(PermissionRequiredMixin, SubmissionTokenMixin, TemplateView):
    """A return against a sale: per line what comes back, to the shelf or written off, and why."""

    permission_required = "sales.add_salereturn"
    template_name = "sales/salereturn_form.html"

    def _sale_and_form(self, data=None):
        # Looked up here, after the permission check: a visitor is sent to log
        # in whatever the id.
        sale = get_object_or_404(
            Sale.objects.select_related("customer", "store"), pk=self.kwargs["pk"]
        )
        require_store_of(self.request.user, sale)
        lines = list(with_returned(sale.lines.select_related("product__unit")))
        return sale, SaleReturnForm(data, sale=sale, lines=lines)

    def get(self, request, *args, **kwargs):
        sale, form = self._sale_and_form()
        context = self.get_context_data(sale=sale, form=form, closed=_closed(sale, form.lines))
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        sale, form = self._sale_and_form(request.POST)
        if submitted := already_submitted(request):
            return submitted.response(request)
        if closed := _closed(sale, form.lines):
            messages.error(
                request, gettext("Nothing was returned: %(reason)s") % {"reason": closed}
            )
            return redirect(sale)
        if form.is_valid():
            try:
                credit_note = submit_once(
                    request,
                    lambda: sale_return(
                        sale=sale,
                        lines=[
                            ReturnLineInput(line, quantity, restock, reason)
                            for line, quantity, restock, reason in form.returned
                        ],
                        user=request.user,
                        date=form.cleaned_data["date"],
                        notes=form.cleaned_data["notes"],
                        refund=form.cleaned_data["refund"],
                    ),
                )
            except AlreadySubmitted as submitted:
                return submitted.response(request)
            except OperationRefused as error:
                # What changed since the page was read: another return, a void.
                form.add_error(
                    None,
                    gettext("Nothing was returned: %(reason)s.")
                    % {"reason": str(error).rstrip(".")},
                )
            else:
                messages.success(request, _recorded(credit_note, form.returned))
                return redirect(credit_note)
        return self.render_to_response(self.get_context_data(sale=sale, form=form, closed=""))


def _recorded(credit_note: SaleReturn, returned) -> str:
    """'Credit note CN-MAIN-2026-000012 was recorded: 2 pcs back on the shelf at Main Street,
    1 pcs written off; refund $30.00.'"""
    shelved = [
        format_quantity(quantity, line.product.unit)
        for line, quantity, restock, _ in returned
        if restock
    ]
    written_off = [
        format_quantity(quantity, line.product.unit)
        for line, quantity, restock, _ in returned
        if not restock
    ]
    parts = []
    if shelved:
        parts.append(
            gettext("%(quantities)s back on the shelf at %(store)s")
            % {"quantities": ", ".join(shelved), "store": credit_note.store.name}
        )
    if written_off:
        parts.append(gettext("%(quantities)s written off") % {"quantities": ", ".join(written_off)})
    return gettext("Credit note %(number)s was recorded: %(what)s; refund %(refund)s.") % {
        "number": credit_note.label,
        "what": ", ".join(parts),
        "refund": format_money(credit_note.refund),
    }


class SaleReturnListView(VisibleStoresMixin, DocumentListView):
    model = SaleReturn
    filter_form_class = SaleReturnFilterForm

    def get_queryset(self):
        return super().get_queryset().select_related("sale")  # for the sale's number

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Returns are taken from their sale's page: the list has no "new" button.
        context["can_add"] = False
        return context


class SaleReturnDetailView(PermissionRequiredMixin, VisibleStoresMixin, DetailView):
    """The credit note: what came back from which sale, and what was refunded."""

    permission_required = "sales.view_salereturn"
    queryset = SaleReturn.objects.select_related(
        "sale", "customer", "store", "created_by"
    ).with_totals()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = lines = credit_note_lines(self.object)
        context["tax_bands"] = sale_tax_bands(lines)
        credit_note = self.object
        context["paid"] = credit_note.total_value + credit_note.total_tax
        context["kept"] = context["paid"] - credit_note.refund
        context["sections"] = sections_for("returns:detail", credit_note, self.request)
        return context


class SaleReturnPrintView(SaleReturnDetailView):
    """The credit note as the customer should read it, to print or save as PDF from the browser."""

    template_name = "sales/salereturn_print.html"


class SaleReturnPdfView(PermissionRequiredMixin, VisibleStoresMixin, SingleObjectMixin, View):
    """The credit note as a PDF file, to hand or email to the customer."""

    permission_required = "sales.view_salereturn"
    http_method_names = ["get"]
    queryset = SaleReturn.objects.select_related("sale", "customer", "store")

    def get(self, request, *args, **kwargs):
        credit_note = self.get_object()
        response = HttpResponse(credit_note_pdf(credit_note), content_type="application/pdf")
        name = credit_note.number or credit_note.pk
        response["Content-Disposition"] = f'attachment; filename="credit-note-{name}.pdf"'
        return response


class SaleReturnLineExportView(PermissionRequiredMixin, View):
    """Returns as CSV, one row per line, honouring the returns list's search and filters."""

    permission_required = "sales.view_salereturn"
    http_method_names = ["get"]

    HEADER = [
        "Credit note",
        "Date",
        "Sale",
        "Customer",
        "Store",
        "SKU",
        "Product",
        "Unit",
        "Quantity",
        "Restocked",
        "Reason",
        "Unit price",
        "Net",
        "Tax",
        "Gross",
        "Unit cost",
        "Cost",
    ]
    FIELDS = [
        "sale_return_id",
        "sale_return__number",
        "sale_return__date",
        "sale_return__sale_id",
        "sale_return__sale__number",
        "sale_return__customer__name",
        "sale_return__store__name",
        "product__sku",
        "product__name",
        "product__unit__symbol",
        "quantity",
        "restock",
        "reason",
        "unit_price",
        "net_amount",
        "tax_amount",
        "unit_cost",
    ]

    def get(self, request):
        returns = SaleReturnFilterForm(request.GET or None).filter_queryset(
            SaleReturn.objects.all()
        )
        # EXISTS, not sale_return__in: see dashboard.exports.SaleLineExportView.
        lines = SaleReturnLine.objects.filter(Exists(returns.filter(pk=OuterRef("sale_return_id"))))
        rows = (self.csv_row(*row) for row in rows_in_chunks(lines, self.FIELDS))
        header = self.HEADER
        if not sees_costs(request.user):
            # Costs are need-to-know (products.costs): left out, not blanked.
            header, rows = without_columns(header, rows, ["Unit cost", "Cost"])
        return csv_response("return-lines", header, rows)

    @staticmethod
    def csv_row(
        return_id, number, date: datetime.date, sale_id, sale_number, customer, store, sku,
        product, unit, quantity, restock, reason, unit_price, net, tax, unit_cost,
    ) -> tuple:  # fmt: skip
        return (
            number or f"#{return_id}",  # as SaleReturn.label and Sale.label
            date,
            sale_number or f"#{sale_id}",
            customer,
            store,
            sku,
            product,
            unit,
            trimmed_quantity(quantity),
            "yes" if restock else "no",
            reason,
            unit_price,
            net,
            tax,
            net + tax,
            unit_cost,
            (quantity * unit_cost).quantize(CENT, ROUND_HALF_UP),
        )
