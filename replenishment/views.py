"""Replenishment pages: thin views over :mod:`replenishment.selectors` and ``.services``."""

import csv
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.views.generic import FormView, ListView, TemplateView, View

from accounts.access import require_store
from core.crud import CountedPaginator, NearestPageMixin
from core.exceptions import OperationRefused
from core.quantities import trimmed_quantity
from core.submissions import AlreadySubmitted, SubmissionTokenMixin, submit_once
from products.models import StockLevel
from replenishment.forms import ReplenishmentFilterForm, RulesImportForm
from replenishment.models import DigestSubscription, LowStockDigest
from replenishment.selectors import (
    explain,
    replenishment_count,
    replenishment_rows,
    replenishment_selection,
    rows_with_terms,
)
from replenishment.services import (
    DIGEST_PERMISSION,
    RULE_COLUMNS,
    DraftChoice,
    RulesImportRefused,
    drafts_create,
    rules_export_rows,
    rules_import,
)

# Errors shown for a refused import; the count says how many more there were.
SHOWN_IMPORT_ERRORS = 200


class ReplenishmentListView(
    PermissionRequiredMixin, SubmissionTokenMixin, NearestPageMixin, ListView
):
    """Every (product, store) at or below its minimum, projected, with what to order or move."""

    permission_required = "purchases.view_purchaseorder"
    template_name = "replenishment/replenishment_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = ReplenishmentFilterForm(self.request.GET or None)
        # One selection for the listing and its count: the products planned or coming,
        # and which of their rows are still low, looked up once for both.
        self.selection = replenishment_selection(**self.filter_form.selection())
        return replenishment_rows(**self.selection)

    def get_paginator(self, queryset, per_page, **kwargs):
        return CountedPaginator(
            queryset, per_page, count=lambda: replenishment_count(**self.selection), **kwargs
        )

    def paginate_queryset(self, queryset, page_size):
        # The page's ids first, then its rows with their terms: worked out for
        # every row listed, the terms took seconds at large (see replenishment_rows).
        paginator, page, ids, is_paginated = super().paginate_queryset(
            queryset.values_list("pk", flat=True), page_size
        )
        rows = page.object_list = explain(rows_with_terms(ids))
        return paginator, page, rows, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["filter_form"] = self.filter_form
        context["can_order"] = user.has_perm("purchases.add_purchaseorder")
        context["can_transfer"] = user.has_perm("transfers.add_transfer")
        context["can_edit_rules"] = user.has_perm("products.change_stocklevel")
        context["can_subscribe"] = user.has_perm(DIGEST_PERMISSION)
        return context


def _parse_quantity(text: str | None) -> Decimal | None:
    try:
        quantity = Decimal(text or "")
    except InvalidOperation:
        return None
    return quantity if quantity.is_finite() else None


def _is_id(value: str) -> bool:
    """Whether ``value`` is a primary key as the page posts them (digits a bigint holds)."""
    return value.isascii() and value.isdecimal() and len(value) < 19


def _linked(records) -> str:
    return format_html_join(
        ", ", '<a href="{}">{}</a>', ((r.get_absolute_url(), r) for r in records)
    )


class DraftsCreateView(PermissionRequiredMixin, View):
    """POST-only: draft purchase orders and transfers for the selected suggestions.

    Each selected line posts ``line=<stock row id>``, ``action-<id>`` ("order"
    or "transfer") and the quantity the page showed for that action
    (``quantity-<id>`` or ``transfer-quantity-<id>``), and for a transfer the
    store it comes from (``transfer-from-<id>``); the service checks they are
    still the suggestion.
    """

    permission_required = "purchases.add_purchaseorder"
    http_method_names = ["post"]

    def post(self, request):
        back = reverse("replenishment:list")
        if query := QueryDict(request.POST.get("query", "")).urlencode():
            back += f"?{query}"
        choices, problems = self.choices(request.POST)
        if any(choice.action == "transfer" for choice in choices) and not request.user.has_perm(
            "transfers.add_transfer"
        ):
            raise PermissionDenied
        # Drafts restock the stores the user works in (a transfer's sender dispatches it).
        replenished = StockLevel.objects.filter(pk__in=[choice.level_id for choice in choices])
        require_store(request.user, *replenished.values_list("store_id", flat=True))
        if problems:
            messages.error(
                request,
                gettext("Nothing was created: %(reason)s.") % {"reason": "; ".join(problems)},
            )
            return redirect(back)
        try:
            # Sent twice (a double click), the page drafts once: the second is told so.
            drafts = submit_once(
                request,
                lambda: drafts_create(choices=choices, user=request.user),
                describe=lambda drafts: (back, gettext("the drafts")),
            )
        except AlreadySubmitted as submitted:
            return submitted.response(request, fallback_url=back)
        except (OperationRefused, ValueError) as error:
            messages.error(request, gettext("Nothing was created: %(reason)s.") % {"reason": error})
            return redirect(back)
        # Each part links to the drafts it names.
        if drafts.orders and drafts.transfers:
            created = format_html(
                gettext(
                    "Drafts created: purchase orders {orders} and transfers {transfers}. Check "
                    "and send them from their pages."
                ),
                orders=_linked(drafts.orders),
                transfers=_linked(drafts.transfers),
            )
        elif drafts.transfers:
            created = format_html(
                gettext(
                    "Drafts created: transfers {transfers}. Check and send them from their pages."
                ),
                transfers=_linked(drafts.transfers),
            )
        else:
            created = format_html(
                gettext(
                    "Drafts created: purchase orders {orders}. Check and send them from their "
                    "pages."
                ),
                orders=_linked(drafts.orders),
            )
        messages.success(request, created)
        return redirect(back)

    @staticmethod
    def choices(data) -> tuple[list[DraftChoice], list[str]]:
        choices, problems = [], []
        for value in data.getlist("line"):
            if not _is_id(value):
                problems.append(gettext("%(value)r is not a line of the list") % {"value": value})
                continue
            action = data.get(f"action-{value}", "order")
            if action not in ("order", "transfer"):
                problems.append(
                    gettext("%(action)r is neither order nor transfer") % {"action": action}
                )
                continue
            prefix = "transfer-quantity" if action == "transfer" else "quantity"
            quantity = _parse_quantity(data.get(f"{prefix}-{value}"))
            if quantity is None:
                problems.append(gettext("line %(line)s has no valid quantity") % {"line": value})
                continue
            from_store_id = None
            if action == "transfer":
                source = data.get(f"transfer-from-{value}", "")
                if not _is_id(source):
                    problems.append(
                        gettext("line %(line)s does not say which store to transfer from")
                        % {"line": value}
                    )
                    continue
                from_store_id = int(source)
            choices.append(
                DraftChoice(
                    level_id=int(value),
                    action=action,
                    quantity=quantity,
                    from_store_id=from_store_id,
                )
            )
        return choices, problems


class _Echo:
    """A file-like object whose write() hands the CSV line back instead of storing it."""

    def write(self, value):
        return value


class RulesExportView(PermissionRequiredMixin, View):
    """The replenishment rules as CSV: edit it in a spreadsheet and import it again."""

    permission_required = "products.view_stocklevel"
    http_method_names = ["get"]

    def get(self, request):
        writer = csv.writer(_Echo())

        def lines():
            # A byte order mark, as every export has (core.csv_export): Excel on Windows
            # reads the file as UTF-8. Cells are not formula-escaped: a SKU must come back
            # exactly as it left, and the import reads the file with or without the mark.
            yield "\ufeff" + writer.writerow(RULE_COLUMNS)
            for sku, store, *rule in rules_export_rows().iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        sku,
                        store,
                        *("" if value is None else trimmed_quantity(value) for value in rule),
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="replenishment-rules-{stamp}.csv"'
        return response


class RulesImportView(PermissionRequiredMixin, FormView):
    """Upload the rules CSV: every row is checked, and all of it is saved or none."""

    permission_required = "products.change_stocklevel"
    template_name = "replenishment/rules_import.html"
    form_class = RulesImportForm

    def form_valid(self, form):
        try:
            changed = rules_import(content=form.cleaned_data["file"].read(), user=self.request.user)
        except RulesImportRefused as refused:
            messages.error(
                self.request,
                gettext("Nothing was saved: the file has %(errors)s.") % {"errors": refused},
            )
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    errors=refused.errors[:SHOWN_IMPORT_ERRORS],
                    more_errors=max(0, len(refused.errors) - SHOWN_IMPORT_ERRORS),
                )
            )
        messages.success(
            self.request,
            ngettext(
                "Rules imported: %(count)s stock row changed.",
                "Rules imported: %(count)s stock rows changed.",
                changed,
            )
            % {"count": changed},
        )
        return redirect("replenishment:list")


class DigestView(PermissionRequiredMixin, TemplateView):
    """Opt in to (or out of) the daily low-stock digest by email."""

    permission_required = DIGEST_PERMISSION
    template_name = "replenishment/digest.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["subscribed"] = DigestSubscription.objects.filter(user=user).exists()
        context["last_digest"] = LowStockDigest.objects.latest_sent()
        return context

    def post(self, request):
        if request.POST.get("subscribe") == "on":
            DigestSubscription.objects.get_or_create(user=request.user)
            messages.success(request, gettext("You will receive the low-stock digest."))
            if not request.user.email:
                messages.warning(
                    request,
                    gettext("Your account has no email address: ask an administrator to add one."),
                )
        else:
            DigestSubscription.objects.filter(user=request.user).delete()
            messages.success(request, gettext("You will no longer receive the low-stock digest."))
        return redirect("replenishment:digest")
