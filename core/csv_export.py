"""CSV exports that stream, so a million rows use constant memory on every database.

Rows are read in primary-key order, a chunk at a time (keyset pagination):
unlike ``QuerySet.iterator()``, this does not depend on server-side cursors,
which MariaDB's client library does not use by default. Shared by the
dashboard's exports and the document apps' own (the returns list).
"""

import csv
import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

from core.quantities import trimmed_quantity

CHUNK_SIZE = 2000


class _Echo:
    """A file-like object whose write() hands the CSV line back instead of storing it."""

    def write(self, value):
        return value


def rows_in_chunks(queryset, fields: list[str], chunk_size: int | None = None) -> Iterator[tuple]:
    """Yield ``values_list(*fields)`` rows in primary-key order, ``chunk_size`` per query."""
    # Read CHUNK_SIZE when called, not when defined, so it can be tuned (and patched in tests).
    chunk_size = chunk_size or CHUNK_SIZE
    last_pk = 0
    while True:
        chunk = list(
            queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", *fields)[:chunk_size]
        )
        for row in chunk:
            yield row[1:]
        if len(chunk) < chunk_size:
            return
        last_pk = chunk[-1][0]


def rows_in_order(queryset, fields: list[str], chunk_size: int | None = None) -> Iterator[tuple]:
    """Yield ``values_list(*fields)`` rows in the queryset's own order, ``chunk_size`` per query.

    For reports sorted by any column, where primary-key pages would lose the
    order. The queryset's ordering must end with a unique field, so slices
    neither overlap nor skip; offsets grow with the row count, so use it for
    tables bounded by the catalogue (products × stores), not for history.
    """
    chunk_size = chunk_size or CHUNK_SIZE
    rows = queryset.values_list(*fields)
    offset = 0
    while True:
        chunk = list(rows[offset : offset + chunk_size])
        yield from chunk
        if len(chunk) < chunk_size:
            return
        offset += chunk_size


# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """One value as spreadsheets should see it: local times, no formulas, blank for None,
    "yes"/"no" for booleans (a person reads them; "True" is Python's word)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


CENT = Decimal("0.01")


def with_trimmed_quantities(rows: Iterable[tuple], columns: Iterable[int]) -> Iterator[tuple]:
    """``rows`` with the quantities at ``columns`` as people type them: 2.5, not 2.500."""
    columns = set(columns)
    for row in rows:
        yield tuple(
            trimmed_quantity(value) if index in columns else value
            for index, value in enumerate(row)
        )


def without_columns(
    header: list[str], rows: Iterable[tuple], names: Iterable[str]
) -> tuple[list[str], Iterator[tuple]]:
    """``header`` and ``rows`` less the columns headed ``names``: left out, not blanked
    (what a user may not see, such as costs)."""
    dropped = {header.index(name) for name in names}
    kept = [index for index in range(len(header)) if index not in dropped]
    return [header[index] for index in kept], (tuple(row[i] for i in kept) for row in rows)


def csv_response(filename: str, header: list[str], rows: Iterable) -> StreamingHttpResponse:
    """A streamed CSV download: UTF-8 with a BOM, the header, then ``rows`` through csv_cell."""
    writer = csv.writer(_Echo())

    def lines():
        # A byte order mark first: without it Excel on Windows reads the file as its
        # local code page and shows "mmÂ²" for "mm²". Other programs skip it.
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response
