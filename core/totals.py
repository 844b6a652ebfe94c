"""Running totals kept next to the documents they count (see ``DailyTotals``).

Each document app that keeps totals registers them here from its
``AppConfig.ready()``, so the checks and commands that cover every document
type (``verify_stock``, ``rebuild_totals``) find them without importing the
document apps: lower layers never import higher ones.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, connections
from django.db.models import Case, F, Value, When
from django.db.models.functions import Round

# The most decimal places a total has (costs, see core.models.COST_TOTAL);
# finer digits are float noise.
COMPARED_PLACES = Decimal("0.0000001")
# How far two sums of the same numbers in doubles may drift apart, relatively.
SQLITE_RELATIVE_ERROR = Decimal("1e-12")


def add_to_totals(
    model, key: str | tuple[str, ...], rows: dict, using: str = "default", *, signed: bool = False
) -> None:
    """Add to the counters of ``model``'s rows, creating missing rows, in one statement.

    ``rows`` maps each row's ``key`` value (a tuple of values when ``key`` names
    several columns, the unique constraint's) to ``{counter: amount}``; amounts
    are all added (a document counted) or all taken away (a document voided).
    ``signed``: amounts of either sign, all in the one upsert (for a table with
    no CHECK that the proposed row could trip: a stock value moves both ways).

    Adding is one ``INSERT … ON CONFLICT DO UPDATE`` (``ON DUPLICATE KEY
    UPDATE`` on MariaDB/MySQL): two transactions adding to the same new row
    cannot both insert it, and neither reads a value to write it back. A
    read-then-write would lose one of two concurrent additions; INSERT IGNORE
    followed by UPDATE can deadlock on MariaDB (both take a shared lock on the
    existing row, then both wait to upgrade it).
    """
    if not rows:
        return
    if not signed and any(amount < 0 for amounts in rows.values() for amount in amounts.values()):
        _take_from_totals(model, key, rows, using)
        return
    connection = connections[using]
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    keys = key if isinstance(key, tuple) else (key,)
    counters = list(next(iter(rows.values())))
    fields = [meta.get_field(name) for name in [*keys, *counters]]
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    # Sorted by key: the rows are locked in one order whoever adds to them.
    params = [
        field.get_db_prep_save(value, connection)
        for key_value, amounts in sorted(rows.items())
        for field, value in zip(
            fields,
            [*(key_value if isinstance(key, tuple) else (key_value,)), *amounts.values()],
            strict=True,
        )
    ]
    if connection.vendor == "mysql":
        new_value = "{column} + VALUES({column})"
        conflict = "ON DUPLICATE KEY UPDATE "
    else:  # PostgreSQL and SQLite share the syntax
        new_value = f"{table}.{{column}} + EXCLUDED.{{column}}"
        target = ", ".join(quote(field.column) for field in fields[: len(keys)])
        conflict = f"ON CONFLICT ({target}) DO UPDATE SET "
    updates = []
    for field in fields[len(keys) :]:
        column = quote(field.column)
        total = new_value.format(column=column)
        if field.get_internal_type() == "DecimalField":  # see _rounded
            total = f"ROUND({total}, {field.decimal_places})"
        updates.append(f"{column} = {total}")
    conflict += ", ".join(updates)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values} {conflict}", params)


def _take_from_totals(model, key: str, rows: dict, using: str) -> None:
    # A voided document comes out of rows that exist, since it was counted.
    # The upsert cannot do it: the CHECK constraints (no negative totals)
    # apply to the row it proposes to insert, before the conflict is seen.
    changes = {}
    for name in next(iter(rows.values())):
        field = model._meta.get_field(name)
        amount = Case(
            *[When(**{key: value}, then=Value(amounts[name])) for value, amounts in rows.items()],
            output_field=field,
        )
        changes[name] = _rounded(F(name) + amount, field)
    updated = model.objects.using(using).filter(**{f"{key}__in": list(rows)}).update(**changes)
    if updated != len(rows):
        raise IntegrityError(
            f"{model._meta.verbose_name}: {len(rows) - updated} of the rows a voided document "
            "was counted in are missing; run `manage.py rebuild_totals`."
        )


def _rounded(total, field):
    # SQLite adds decimals as floating point: without rounding, 0.1 + 0.2 - 0.3
    # leaves a total of -0.00000000000000006 that the CHECK (>= 0) refuses,
    # and the error grows with every addition.
    if field.get_internal_type() == "DecimalField":
        return Round(total, field.decimal_places, output_field=field)
    return total


def totals_differences(what: str, expected: dict, stored: dict, fields: list[str]) -> list[str]:
    """Describe each key whose ``stored`` totals differ from the ``expected`` ones.

    Both map a key (a day, a product) to a dict of ``fields``; a missing key
    counts as all zeros, so rows brought back to zero by voids are no difference.
    """
    zero = dict.fromkeys(fields, 0)

    def same(stored_row: dict, expected_row: dict) -> bool:
        return all(
            _same_total(stored_row.get(name, 0), expected_row.get(name, 0)) for name in fields
        )

    def shown(row: dict) -> str:
        # {'units': 4, 'value': 7.5}: no Decimal('4.000') in a report people read.
        return "{" + ", ".join(f"{name!r}: {_plain(value)}" for name, value in row.items()) + "}"

    return [
        f"{what} {key}: stored {shown(stored.get(key, zero))}, "
        f"recomputed {shown(expected.get(key, zero))}"
        for key in sorted(expected.keys() | stored.keys())
        if not same(stored.get(key, zero), expected.get(key, zero))
    ]


def _same_total(stored, expected) -> bool:
    """Equal to the places totals keep; on SQLite, within floating point's reach.

    SQLite adds decimals as doubles (about 16 significant digits): a cost
    total of 40,171,992.5875000 is summed as 40171992.5874999, so its seventh
    place is noise there. PostgreSQL and MariaDB add exactly.
    """
    stored, expected = Decimal(stored), Decimal(expected)
    if stored.quantize(COMPARED_PLACES) == expected.quantize(COMPARED_PLACES):
        return True
    if connection.vendor != "sqlite":
        return False
    return abs(stored - expected) <= max(abs(expected), abs(stored)) * SQLITE_RELATIVE_ERROR


def _plain(value) -> str:
    if isinstance(value, Decimal):
        value = value.quantize(COMPARED_PLACES).normalize()
        return f"{value:f}"
    return str(value)


@dataclass(frozen=True)
class RunningTotals:
    """One document type's running totals, as the integrity commands see them."""

    name: str  # "purchases", "sales"
    # Each stored total that differs from the document lines, described (empty: all agree).
    differences: Callable[[], list[str]]
    # Recompute every total from the lines (no one may record documents meanwhile).
    rebuild: Callable[[], None]
    # What is stored now, for a report: "12 purchase days".
    describe: Callable[[], str]


_registry: dict[str, RunningTotals] = {}


def register_running_totals(totals: RunningTotals) -> None:
    """Make ``totals`` known to ``verify_stock`` and ``rebuild_totals`` (idempotent by name)."""
    _registry[totals.name] = totals


def registered_running_totals() -> list[RunningTotals]:
    """Every registered document type's totals, in the order the apps were loaded."""
    return list(_registry.values())
