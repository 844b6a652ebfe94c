"""The history of changes (``/audit/``), for managers: read-only, no route writes to it."""

from collections.abc import Iterable, Iterator

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.utils import translation
from django.views.generic import ListView, View

from audit.changes import HistoryRow, history_rows
from audit.forms import HistoryFilterForm
from audit.models import BROWSE_HISTORY
from audit.selectors import history
from core import csv_export
from core.crud import NearestPageMixin
from products.costs import sees_costs

CSV_HEADER = ["When", "Who", "Action", "Model", "Record", "Record id", "Field", "Old", "New"]


class HistoryListView(PermissionRequiredMixin, NearestPageMixin, ListView):
    """Every recorded change, newest first, filtered by who, what, when and action."""

    permission_required = BROWSE_HISTORY
    http_method_names = ["get", "head", "options"]
    paginate_by = 50
    template_name = "audit/history_list.html"

    def get_queryset(self):
        self.filter_form = HistoryFilterForm(self.request.GET or None)
        return history(**self.filter_form.filters())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        # The page's related records are named in one query per related model.
        # Cost fields only for those who may see costs (products.costs).
        context["rows"] = history_rows(
            context["object_list"], hide_costs=not sees_costs(self.request.user)
        )
        return context


def csv_rows(rows: Iterable[HistoryRow]) -> Iterator[list]:
    """One line per changed field of each row; a row that changed no field shown, one line."""
    for row in rows:
        record = [row.when, row.who, row.action, row.model, row.record, row.entry.object_pk]
        if not row.changes:
            yield [*record, "", "", ""]
        for change in row.changes:
            yield [*record, change.name, change.old, change.new]


def in_english(rows: Iterable[list]) -> Iterator[list]:
    """``rows`` built in English whatever the page's language: a CSV's cells (actions, models,
    fields, yes/no) are an export contract, as its header is. The language is restored
    between rows, so nothing else of the response runs in English."""
    rows = iter(rows)
    while True:
        with translation.override("en"):
            row = next(rows, None)
        if row is None:
            return
        yield row


def entries_in_chunks(
    entries, chunk_size: int | None = None, *, hide_costs: bool = False
) -> Iterator[HistoryRow]:
    """``entries`` newest first as rows, a chunk per query (keyset on the id, as
    ``core.csv_export.rows_in_chunks``), so an export of the whole history streams in
    constant memory; ``hide_costs``: see :func:`audit.changes.history_rows`."""
    chunk_size = chunk_size or csv_export.CHUNK_SIZE
    last_pk = None
    while True:
        chunk = entries.order_by("-pk")
        if last_pk is not None:
            chunk = chunk.filter(pk__lt=last_pk)
        chunk = list(chunk[:chunk_size])
        yield from history_rows(chunk, hide_costs=hide_costs)
        if len(chunk) < chunk_size:
            return
        last_pk = chunk[-1].pk


class HistoryExportView(PermissionRequiredMixin, View):
    """The filtered history as CSV: when, who, action, model, record, field, old, new."""

    permission_required = BROWSE_HISTORY
    http_method_names = ["get", "head", "options"]

    def get(self, request):
        filters = HistoryFilterForm(request.GET or None).filters()
        rows = in_english(
            csv_rows(entries_in_chunks(history(**filters), hide_costs=not sees_costs(request.user)))
        )
        return csv_export.csv_response("history", CSV_HEADER, rows)
