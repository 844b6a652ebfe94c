"""Human document numbers per store and year, without gaps: ``MAIN-2026-000123``.

A document takes its number inside the transaction that records it, as late
as it can (the counter row stays locked until the commit, and every document
of the series at that store waits for it): a document that is rolled back
gives its number back, and two at once never share one.
"""

from django.db import transaction

from core.totals import add_to_totals
from stores.models import DocumentCounter

DIGITS = 6


def next_document_number(store, series: str, date, *, prefix: str = "") -> str:
    """The next number of ``series`` at ``store`` in ``date``'s year, e.g. "CN-MAIN-2026-000004".

    Must run inside the transaction that saves the document.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A document number is taken inside the document's transaction.")
    stem = f"{prefix}{store.code}-{date.year}-"
    # Counted per printed stem, not per store id: a store whose code changes
    # starts the new code at 1, and a store given a code another store used
    # goes on from that code's last number, so no number is ever given twice.
    key = f"{series}:{stem.upper()}"
    # One upsert: creates the year's row or adds one to it, and locks it.
    add_to_totals(DocumentCounter, "key", {key: {"last_number": 1}})
    number = DocumentCounter.objects.filter(key=key).values_list("last_number", flat=True).get()
    return f"{stem}{number:0{DIGITS}d}"
