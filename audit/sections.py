"""The "History" section of each tracked record's page (registered in apps.py)."""

from functools import cached_property
from urllib.parse import urlencode

from django.urls import reverse

from audit.changes import HistoryRow, history_rows, loaded_names
from audit.forms import model_key
from audit.models import BROWSE_HISTORY
from audit.selectors import history_of

SHOWN = 20  # entries a page lists; "All history" has the rest


class RecordHistory:
    """A record's latest entries, read only when the page shows them: a print view that
    shares its page's context but not its template costs no query."""

    def __init__(self, record):
        self.record = record

    @cached_property
    def rows(self) -> list[HistoryRow]:
        # Its current category, supplier… are usually what its entries name: the page
        # selected them already.
        return history_rows(history_of(self.record)[:SHOWN], loaded_names(self.record))

    @property
    def all_url(self) -> str:
        query = urlencode({"model": model_key(type(self.record)), "object": self.record.pk})
        return f"{reverse('audit:list')}?{query}"


def record_history(record, request) -> dict | None:
    """The latest changes of ``record`` (who, when, each field's old and new value), for
    those who may see the history."""
    if not request.user.has_perm(BROWSE_HISTORY):
        return None
    return {"template": "audit/includes/history_section.html", "history": RecordHistory(record)}
