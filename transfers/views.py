"""Transfer pages: thin views over :mod:`transfers.services`; every step is a POST form."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, View
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
from core.sections import sections_for
from core.submissions import (
    AlreadySubmitted,
    SubmissionTokenMixin,
    already_submitted,
    submit_once,
)
from products.models import Product
from products.services import InsufficientStock
from stores.models import Store
from transfers.forms import (
    ReasonForm,
    ReceiveForm,
    TransferFilterForm,
    TransferForm,
    TransferLineFormSet,
)
from transfers.models import Transfer
from transfers.services import (
    TransferLineInput,
    transfer_cancel,
    transfer_create,
    transfer_delete,
    transfer_dispatch,
    transfer_receive,
    transfer_update,
    transfer_void,
)


class TransferListView(PermissionRequiredMixin, VisibleStoresMixin, NearestPageMixin, ListView):
    store_fields = ("from_store", "to_store")
    permission_required = "transfers.view_transfer"
    paginate_by = 25

    def get_queryset(self):
        self.filter_form = TransferFilterForm(self.request.GET or None)
        queryset = (
            Transfer.objects.select_related("from_store", "to_store")
            .with_totals()
            .order_by("-date", "-pk")
        )
        return self.filter_form.filter_queryset(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["can_add"] = self.request.user.has_perm("transfers.add_transfer")
        return context


def _lines(line_forms) -> list[TransferLineInput]:
    return [
        TransferLineInput(line.cleaned_data["product"], line.cleaned_data["quantity"])
        for line in line_forms
    ]


class TransferCreateView(LimitStorePickersMixin, DocumentCreateView):
    """A new draft; ``?product=&from_store=&to_store=`` pre-fill it (the Transfer buttons)."""

    model = Transfer
    template_name = "transfers/transfer_form.html"
    form_class = TransferForm
    formset_class = TransferLineFormSet
    default_store_field = "from_store"  # the user's default store is where goods leave
    # Goods leave one of the user's stores, for any store.
    store_fields = ("from_store",)

    def get_initial(self):
        header = {}
        for name in ("from_store", "to_store"):
            if store := _active_choice(Store, self.request.GET.get(name)):
                header[name] = store.pk
        product = _active_choice(Product, self.request.GET.get("product"))
        return header, [{"product": product}] if product else []

    def record(self, form, line_forms):
        return transfer_create(
            **form.cleaned_data, user=self.request.user, lines=_lines(line_forms)
        )


class TransferEditView(SingleObjectMixin, TransferCreateView):
    """A draft's header and lines, changed as a whole."""

    def get_permission_required(self):
        return ("transfers.add_transfer",)

    def get_queryset(self):
        return Transfer.objects.all()

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if submitted := already_submitted(request):  # saved, then dispatched: say it was saved
            return submitted.response(request)
        if not self.object.is_draft:
            return not_a_draft(request, self.object)
        return super().post(request, *args, **kwargs)

    def get_object(self, queryset=None):
        # Called from get and post, after the permission check: a visitor is sent to log
        # in, not refused; staff of other stores are refused before learning its status.
        transfer = super().get_object(queryset)
        require_store_of(self.request.user, transfer, self.store_fields)
        return transfer

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_draft:
            return not_a_draft(request, self.object)
        form = self.get_form(instance=self.object)
        formset = self.formset_class(
            prefix="lines",
            initial=[
                {"product": line.product, "quantity": line.quantity}
                for line in self.object.lines.select_related("product")
            ],
        )
        formset.extra = 0
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def record(self, form, line_forms):
        return transfer_update(transfer=self.object, **form.cleaned_data, lines=_lines(line_forms))


def _active_choice(model, value):
    try:
        return forms.ModelChoiceField(queryset=model.objects.active(), required=False).clean(value)
    except ValidationError:
        return None


class TransferDetailView(
    PermissionRequiredMixin, VisibleStoresMixin, SubmissionTokenMixin, DetailView
):
    store_fields = ("from_store", "to_store")
    permission_required = "transfers.view_transfer"
    queryset = Transfer.objects.select_related(
        "from_store", "to_store", "created_by", "dispatched_by", "received_by", "closed_by"
    ).with_totals()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        transfer, user = self.object, self.request.user
        lines = list(transfer.lines.select_related("product__unit"))
        context["lines"] = lines
        # The sending store's staff prepare, send, cancel and void; the receiving
        # store's receive (see the step views' store_fields).
        sends = may_act_in(user, transfer.from_store_id)
        receives = may_act_in(user, transfer.to_store_id)
        context["can"] = {
            "edit": sends and transfer.is_draft and user.has_perm("transfers.add_transfer"),
            "delete": sends and transfer.is_draft and user.has_perm("transfers.add_transfer"),
            "dispatch": sends
            and transfer.is_draft
            and user.has_perm("transfers.dispatch_transfer"),
            "receive": receives
            and transfer.in_transit
            and user.has_perm("transfers.receive_transfer"),
            "cancel": sends and transfer.in_transit and user.has_perm("transfers.void_transfer"),
            "void": sends and transfer.is_received and user.has_perm("transfers.void_transfer"),
        }
        if context["can"]["receive"]:
            context["receive_form"] = kwargs.get("receive_form") or ReceiveForm(
                lines=lines, prefix="receive"
            )
        context["sections"] = sections_for("transfers:detail", transfer, self.request)
        return context


class PackingSlipView(TransferDetailView):
    template_name = "transfers/packing_slip.html"


class TransferStepView(PermissionRequiredMixin, ActsInStoreMixin, SingleObjectMixin, View):
    """POST-only: one step of a transfer through its service; a refusal is a message."""

    model = Transfer
    store_fields = ("from_store",)
    http_method_names = ["post"]
    # The message after the step, "%(transfer)s was dispatched…".
    done = ""

    def post(self, request, *args, **kwargs):
        transfer = self.get_object()
        try:
            response = self.step(transfer, request)
        except InsufficientStock as error:
            messages.error(
                request,
                gettext("%(transfer)s was not dispatched: not enough stock. %(shortfalls)s.")
                % {"transfer": transfer, "shortfalls": error},
            )
        except OperationRefused as error:
            messages.error(request, gettext("Nothing was changed: %(reason)s.") % {"reason": error})
        else:
            if response is not None:
                return response
            messages.success(request, self.done % {"transfer": transfer})
        return redirect(transfer)

    def step(self, transfer, request):
        raise NotImplementedError


class TransferDispatchView(TransferStepView):
    permission_required = "transfers.dispatch_transfer"
    done = _("%(transfer)s was dispatched: its goods are in transit.")

    def step(self, transfer, request):
        transfer_dispatch(transfer=transfer, user=request.user)


class TransferReceiveView(TransferStepView):
    permission_required = "transfers.receive_transfer"
    done = _("%(transfer)s was received.")
    store_fields = ("to_store",)

    def step(self, transfer, request):
        if submitted := already_submitted(request):
            return submitted.response(request, fallback_url=transfer.get_absolute_url())
        lines = list(transfer.lines.select_related("product__unit"))
        form = ReceiveForm(request.POST, lines=lines, prefix="receive")
        if not form.is_valid():
            view = TransferDetailView(request=request, kwargs={"pk": transfer.pk}, args=())
            view.object = view.get_object()
            return view.render_to_response(view.get_context_data(receive_form=form))
        try:
            submit_once(
                request,
                lambda: transfer_receive(
                    transfer=transfer,
                    user=request.user,
                    received=form.received,
                    reason=form.cleaned_data["reason"],
                ),
                describe=lambda _: (transfer.get_absolute_url(), str(transfer)),
            )
        except AlreadySubmitted as submitted:
            return submitted.response(request, fallback_url=transfer.get_absolute_url())


class _ReasonStepView(TransferStepView):
    def step(self, transfer, request):
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("Give a reason (up to 255 characters)."))
            return redirect(transfer)
        self.service(transfer=transfer, user=request.user, reason=form.cleaned_data["reason"])


class TransferCancelView(_ReasonStepView):
    permission_required = "transfers.void_transfer"
    done = _("%(transfer)s was cancelled: its goods went back to the store they left.")
    service = staticmethod(transfer_cancel)


class TransferVoidView(_ReasonStepView):
    permission_required = "transfers.void_transfer"
    done = _("%(transfer)s was voided: its stock movements were reversed.")
    service = staticmethod(transfer_void)


class TransferDeleteView(TransferStepView):
    permission_required = "transfers.add_transfer"

    def step(self, transfer, request):
        transfer_delete(transfer=transfer)
        messages.success(
            request, gettext("%(transfer)s (a draft) was deleted.") % {"transfer": transfer}
        )
        return redirect("transfers:list")
