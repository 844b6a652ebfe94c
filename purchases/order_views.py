"""Purchase order pages: thin views over :mod:`purchases.orders`; every step is a POST form."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Least
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView, View
from django.views.generic.detail import SingleObjectMixin

from accounts.access import (
    ActsInStoreMixin,
    LimitStorePickersMixin,
    VisibleStoresMixin,
    may_act_in,
    require_store_of,
)
from core.crud import NearestPageMixin
from core.documents import DocumentCreateView, not_a_draft
from core.exceptions import OperationRefused
from core.models import UNITS_TOTAL
from core.sections import sections_for
from core.submissions import (
    AlreadySubmitted,
    SubmissionTokenMixin,
    already_submitted,
    submit_once,
)
from core.text import mid_sentence
from products.costs import sees_costs
from products.models import Product
from purchases.models import PurchaseOrder, PurchaseOrderLine
from purchases.order_forms import (
    OrderReceiptForm,
    PurchaseOrderFilterForm,
    PurchaseOrderForm,
    PurchaseOrderLineFormSet,
    ReasonForm,
)
from purchases.orders import (
    OrderLineInput,
    OrderRefused,
    OverReceipt,
    ReceiptLineInput,
    order_cancel,
    order_close_short,
    order_create,
    order_delete,
    order_place,
    order_receive,
    order_update,
)
from purchases.pdf import order_pdf
from stores.models import Store

Status = PurchaseOrder.Status


def with_received_units(queryset):
    """Annotate ``received_units``: what arrived of each order, counting a line at most in full.

    Capped per line so an over-received line does not hide another's shortfall
    in the list's progress.
    """
    received = (
        PurchaseOrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum(Least(F("received_quantity"), F("quantity"))))
        .values("total")
    )
    return queryset.annotate(
        received_units=Coalesce(
            Subquery(received, output_field=UNITS_TOTAL),
            Value(Decimal("0"), output_field=UNITS_TOTAL),
        )
    )


class PurchaseOrderListView(
    PermissionRequiredMixin, VisibleStoresMixin, NearestPageMixin, ListView
):
    permission_required = "purchases.view_purchaseorder"
    paginate_by = 25
    template_name = "purchases/purchaseorder_list.html"

    def get_queryset(self):
        self.filter_form = PurchaseOrderFilterForm(self.request.GET or None)
        queryset = with_received_units(
            PurchaseOrder.objects.select_related("supplier", "store").with_totals()
        ).order_by("-date", "-pk")
        return self.filter_form.filter_queryset(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["can_add"] = self.request.user.has_perm("purchases.add_purchaseorder")
        return context


def _lines(line_forms) -> list[OrderLineInput]:
    return [
        OrderLineInput(
            product=line.cleaned_data["product"],
            quantity=line.cleaned_data["quantity"],
            unit_cost=line.cleaned_data["unit_cost"],
            packs=line.cleaned_data["packs"],
            pack_size=line.cleaned_data["pack_size"],
        )
        for line in line_forms
    ]


def _active_choice(model, value):
    try:
        return forms.ModelChoiceField(queryset=model.objects.active(), required=False).clean(value)
    except ValidationError:
        return None


class PurchaseOrderCreateView(LimitStorePickersMixin, DocumentCreateView):
    """A new draft; ``?product=&store=`` pre-fill it (the supplier is the product's)."""

    model = PurchaseOrder
    template_name = "purchases/purchaseorder_form.html"
    form_class = PurchaseOrderForm
    formset_class = PurchaseOrderLineFormSet

    def get_initial(self):
        # Anything unusable in the query string is ignored, never a server error.
        product = _active_choice(Product, self.request.GET.get("product"))
        if product is None:
            return {}, []
        header = {"supplier": product.supplier_id}
        if store := _active_choice(Store, self.request.GET.get("store")):
            header["store"] = store.pk
        # Its cost price only for those who may see costs (products.costs).
        line = {"product": product}
        if sees_costs(self.request.user):
            line["unit_cost"] = product.cost_price
        return header, [line]

    def record(self, form, line_forms):
        return order_create(**form.cleaned_data, user=self.request.user, lines=_lines(line_forms))


class PurchaseOrderEditView(SingleObjectMixin, PurchaseOrderCreateView):
    """A draft's header and lines, changed as a whole; an order already sent is not edited."""

    def get_permission_required(self):
        return ("purchases.change_purchaseorder",)

    def get_queryset(self):
        return PurchaseOrder.objects.all()

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_draft:
            return not_a_draft(request, self.object)
        form = self.get_form(instance=self.object)
        formset = self.formset_class(
            prefix="lines",
            initial=[
                {
                    "product": line.product,
                    # In packs only while the pack is the size it was: saving again
                    # must not turn 2 boxes of 500 into 2 boxes of today's 250.
                    **(
                        {"quantity": line.packs, "entered_in": self.formset_class.form.PACKS}
                        if line.packs and line.pack_size == line.product.pack_size
                        else {"quantity": line.quantity, "entered_in": ""}
                    ),
                    "unit_cost": line.unit_cost,
                }
                for line in self.object.lines.select_related("product")
            ],
        )
        formset.extra = 0
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if submitted := already_submitted(request):  # saved, then sent to the supplier
            return submitted.response(request)
        if not self.object.is_draft:
            return not_a_draft(request, self.object)
        return super().post(request, *args, **kwargs)

    def get_form(self, data=None, **kwargs):
        require_store_of(self.request.user, self.object)
        return super().get_form(data, **kwargs)

    def record(self, form, line_forms):
        return order_update(order=self.object, **form.cleaned_data, lines=_lines(line_forms))


class PurchaseOrderDetailView(PermissionRequiredMixin, VisibleStoresMixin, DetailView):
    permission_required = "purchases.view_purchaseorder"
    queryset = PurchaseOrder.objects.select_related(
        "supplier", "store", "created_by", "ordered_by", "closed_by"
    ).with_totals()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order, user = self.object, self.request.user
        lines = list(order.lines.select_related("product__unit"))
        context["lines"] = lines
        context["received_units"] = sum(
            (min(line.received_quantity, line.quantity) for line in lines), Decimal("0")
        )
        context["receipts"] = (
            order.receipts.select_related("created_by").with_totals().order_by("date", "pk")
        )
        # What of the lines will not come, and why: shown instead of "outstanding".
        context["remainder_label"] = {
            Status.CANCELLED: gettext("cancelled"),
            Status.CLOSED_SHORT: gettext("closed short"),
        }.get(order.status, "")
        is_draft, status = order.is_draft, order.status
        here = may_act_in(user, order.store_id)  # another store's order is read-only
        context["can"] = {
            "edit": here and is_draft and user.has_perm("purchases.change_purchaseorder"),
            "delete": here and is_draft and user.has_perm("purchases.delete_purchaseorder"),
            "place": here and is_draft and user.has_perm("purchases.place_purchaseorder"),
            "receive": here and order.is_open and user.has_perm("purchases.receive_purchaseorder"),
            "cancel": here
            and status in (Status.DRAFT, Status.ORDERED)
            and user.has_perm("purchases.close_purchaseorder"),
            "close_short": here
            and status == Status.PARTIAL
            and user.has_perm("purchases.close_purchaseorder"),
        }
        context["sections"] = sections_for("purchase_orders:detail", order, self.request)
        return context


class PurchaseOrderPrintView(PurchaseOrderDetailView):
    """The order as the supplier should read it, to print or save as PDF from the browser."""

    template_name = "purchases/purchaseorder_print.html"


class PurchaseOrderPdfView(PermissionRequiredMixin, VisibleStoresMixin, SingleObjectMixin, View):
    """The order as a PDF file, to attach to an email to the supplier."""

    permission_required = "purchases.view_purchaseorder"
    http_method_names = ["get"]
    queryset = PurchaseOrder.objects.select_related("supplier", "store")

    def get(self, request, *args, **kwargs):
        order = self.get_object()
        response = HttpResponse(order_pdf(order), content_type="application/pdf")
        name = order.number or order.pk
        response["Content-Disposition"] = f'attachment; filename="purchase-order-{name}.pdf"'
        return response


class PurchaseOrderReceiveView(PermissionRequiredMixin, SubmissionTokenMixin, TemplateView):
    """A receipt against an open order, pre-filled with what is outstanding at the agreed costs."""

    permission_required = "purchases.receive_purchaseorder"
    template_name = "purchases/purchaseorder_receive.html"

    def _order_and_form(self, data=None):
        # Looked up here, after the permission check: a visitor is sent to log
        # in whatever the id.
        order = get_object_or_404(
            PurchaseOrder.objects.select_related("supplier", "store"), pk=self.kwargs["pk"]
        )
        require_store_of(self.request.user, order)
        lines = list(order.lines.select_related("product__unit"))
        return order, OrderReceiptForm(data, order=order, lines=lines)

    def get(self, request, *args, **kwargs):
        order, form = self._order_and_form()
        if not order.is_open:
            return _not_open(request, order)
        return self.render_to_response(self.get_context_data(order=order, form=form))

    def post(self, request, *args, **kwargs):
        order, form = self._order_and_form(request.POST)
        if submitted := already_submitted(request):  # this receipt closed the order
            return submitted.response(request)
        if not order.is_open:
            return _not_open(request, order)
        if form.is_valid():
            try:
                purchase = submit_once(
                    request,
                    lambda: order_receive(
                        order=order,
                        user=request.user,
                        lines=[
                            ReceiptLineInput(order_line=line, quantity=quantity, unit_cost=cost)
                            for line, quantity, cost in form.received
                        ],
                        date=form.cleaned_data["date"],
                        reference=form.cleaned_data["reference"],
                        notes=form.cleaned_data["notes"],
                        allow_over=form.cleaned_data["allow_over"],
                    ),
                    # A receipt is a purchase, shown on its order's page.
                    describe=lambda purchase: (order.get_absolute_url(), str(purchase)),
                )
            except AlreadySubmitted as submitted:
                return submitted.response(request)
            except OverReceipt as error:
                # Another receipt came in since the page was filled in.
                form.over_lines = [str(error)]
                form.add_error(
                    None,
                    gettext("Nothing was received: %(reason)s. Tick the box to go ahead.")
                    % {"reason": error},
                )
            except OrderRefused as error:
                messages.error(
                    request, gettext("Nothing was received: %(reason)s.") % {"reason": error}
                )
                return redirect(order)
            except OperationRefused as error:
                form.add_error(
                    None, gettext("Nothing was received: %(reason)s.") % {"reason": error}
                )
            else:
                order.refresh_from_db(fields=["status"])
                messages.success(
                    request,
                    gettext(
                        "%(purchase)s was recorded: the goods are in stock at %(store)s; "
                        "%(order)s is %(status)s."
                    )
                    % {
                        "purchase": purchase,
                        "store": order.store.name,
                        "order": order,
                        "status": mid_sentence(order.get_status_display()),
                    },
                )
                return redirect(order)
        return self.render_to_response(self.get_context_data(order=order, form=form))


def _not_open(request, order):
    messages.error(
        request,
        gettext(
            "%(order)s is %(status)s: only an ordered or partially received order can be "
            "received against."
        )
        % {"order": order, "status": mid_sentence(order.get_status_display())},
    )
    return redirect(order)


class OrderStepView(PermissionRequiredMixin, ActsInStoreMixin, SingleObjectMixin, View):
    """POST-only: one step of an order through its service; a refusal is a message."""

    model = PurchaseOrder
    http_method_names = ["post"]
    # The message after the step, naming the %(order)s: "%(order)s was sent to the supplier…"
    done = ""

    def post(self, request, *args, **kwargs):
        order = self.get_object()
        try:
            response = self.step(order, request)
        except OperationRefused as error:
            messages.error(request, gettext("Nothing was changed: %(reason)s.") % {"reason": error})
        else:
            if response is not None:
                return response
            messages.success(request, self.done % {"order": order})
        return redirect(order)

    def step(self, order, request):
        raise NotImplementedError


class PurchaseOrderPlaceView(OrderStepView):
    permission_required = "purchases.place_purchaseorder"
    done = _("%(order)s was sent to the supplier: its quantities count as on order.")

    def step(self, order, request):
        order_place(order=order, user=request.user)


class _ReasonStepView(OrderStepView):
    permission_required = "purchases.close_purchaseorder"

    def step(self, order, request):
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("Give a reason (up to 255 characters)."))
            return redirect(order)
        self.service(order=order, user=request.user, reason=form.cleaned_data["reason"])


class PurchaseOrderCancelView(_ReasonStepView):
    done = _("%(order)s was cancelled: it no longer counts as on order.")
    service = staticmethod(order_cancel)


class PurchaseOrderCloseShortView(_ReasonStepView):
    done = _("%(order)s was closed short: what was not received no longer counts as on order.")
    service = staticmethod(order_close_short)


class PurchaseOrderDeleteView(OrderStepView):
    permission_required = "purchases.delete_purchaseorder"

    def step(self, order, request):
        order_delete(order=order)
        messages.success(request, gettext("%(order)s (a draft) was deleted.") % {"order": order})
        return redirect("purchase_orders:list")
