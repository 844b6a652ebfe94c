"""The "History" section of each tracked record's page (registered in apps.py), and of a
user's page (/users/<pk>/: their role, stores and access)."""

from functools import cached_property
from urllib.parse import urlencode

from django.urls import reverse

from audit.changes import HistoryRow, history_rows, loaded_names
from audit.forms import model_key
from audit.models import BROWSE_HISTORY
from audit.selectors import history_of, history_of_user
from products.costs import sees_costs

SHOWN = 20  # entries a page lists; "All history" has the rest


class RecordHistory:
    """A record's latest entries, read only when the page shows them: a print view that
    shares its page's context but not its template costs no query.

    ``entries``: where they come from (default: the record's own, :func:`history_of`);
    ``hide_costs``: leave cost fields out (a user without ``products.view_costs``).
    """

    def __init__(self, record, *, entries=None, hide_costs: bool = False):
        self.record = record
        self.entries = entries
        self.hide_costs = hide_costs

    @cached_property
    def rows(self) -> list[HistoryRow]:
        entries = self.entries if self.entries is not None else history_of(self.record)
        # Its current category, supplier… are usually what its entries name: the page
        # selected them already.
        return history_rows(entries[:SHOWN], loaded_names(self.record), hide_costs=self.hide_costs)

    @property
    def all_url(self) -> str:
        query = urlencode({"model": model_key(type(self.record)), "object": self.record.pk})
        return f"{reverse('audit:list')}?{query}"


def record_history(record, request) -> dict | None:
    """The latest changes of ``record`` (who, when, each field's old and new value), for
    those who may see the history."""
    if not request.user.has_perm(BROWSE_HISTORY):
        return None
    history = RecordHistory(record, hide_costs=not sees_costs(request.user))
    return {"template": "audit/includes/history_section.html", "history": history}


def user_history(member, request) -> dict | None:
    """The latest changes of a user's account and profile: role, stores, access (who
    changed them, when), for those who may see the history."""
    if not request.user.has_perm(BROWSE_HISTORY):
        return None
    history = RecordHistory(
        member, entries=history_of_user(member), hide_costs=not sees_costs(request.user)
    )
    return {"template": "audit/includes/history_section.html", "history": history}
