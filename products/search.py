"""The products search: every word in the name, the SKU or the supplier's name.

On PostgreSQL trigram GIN indexes serve the search's ``UPPER(column) LIKE
'%WORD%'`` (migration ``0017_search_trigram_indexes``). SQLite has no index for
a pattern that starts with a wildcard: at the large demo each search read all
20,000 products and their suppliers (17 ms for the count alone). There, two
FTS5 tables with the ``trigram`` tokenizer index the same text (``product_search``:
the product's name and SKU; ``supplier_search``: the supplier's name), and a
word of three characters or more is looked up in them (0.3 ms). A trigram
index finds any substring of three characters or more, case-insensitively: the
same products as the pattern (and, beyond it, letters outside ASCII in either
case, which SQLite's LIKE compares as they are).

The tables hold no copy of the text ("external content"): triggers on the
products and suppliers tables keep their index current. Django rebuilds a
SQLite table to alter it, which drops the table's triggers, so they are not
made by a migration but after every ``migrate`` (:func:`ensure_search_index`,
on ``post_migrate``), which also rebuilds the index whenever a trigger was
missing. An SQLite without FTS5 or the trigram tokenizer (before 3.34) keeps
the pattern search, as does MariaDB.

On PostgreSQL the words are matched through the trigram indexes too, each as a
union (name or SKU; supplier's name): with the OR across the supplier join, the
planner read every product instead.
"""

from django.db import DatabaseError, connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

from core.crud import SEARCH_WORDS, matching_every_word

SEARCH_FIELDS = ("name", "sku", "supplier__name")
# A trigram index finds what has a trigram: words of three characters or more.
INDEXED_WORD_LENGTH = 3

# (index, table, columns): each index mirrors its table's columns, keyed by its id.
INDEXES = [
    ("product_search", "products_product", ("name", "sku")),
    ("supplier_search", "people_supplier", ("name",)),
]


def _index_statements(index: str, table: str, columns: tuple[str, ...]) -> tuple[str, dict]:
    """The index's virtual table, and its triggers by name: after an insert, a delete and an
    update of its columns (an external-content index is told the old values to forget)."""
    listed = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    forget = f"INSERT INTO {index}({index}, rowid, {listed}) VALUES ('delete', old.id, {old});"
    learn = f"INSERT INTO {index}(rowid, {listed}) VALUES (new.id, {new});"
    table_sql = (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {index} USING fts5({listed}, "
        f"content='{table}', content_rowid='id', tokenize='trigram')"
    )
    events = {
        "insert": ("AFTER INSERT", learn),
        "delete": ("AFTER DELETE", forget),
        "update": (f"AFTER UPDATE OF {listed}", f"{forget} {learn}"),
    }
    triggers = {
        f"{index}_{event}": (
            f"CREATE TRIGGER IF NOT EXISTS {index}_{event} {when} ON {table} BEGIN {body} END"
        )
        for event, (when, body) in events.items()
    }
    return table_sql, triggers


def ensure_search_index(using: str = "default") -> bool:
    """Create the SQLite search index and its triggers where missing, and rebuild the
    index if any trigger was; whether the database has it. Run after every ``migrate``."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    tables = set(connection.introspection.table_names())
    if not {table for _, table, _ in INDEXES} <= tables:
        return False  # migrated back before the products or the suppliers
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        existing_triggers = {name for (name,) in cursor.fetchall()}
        for index, table, columns in INDEXES:
            table_sql, triggers = _index_statements(index, table, columns)
            try:
                cursor.execute(table_sql)
            except DatabaseError:
                # No FTS5, or no trigram tokenizer: the pattern search it is.
                return False
            for trigger in triggers.values():
                cursor.execute(trigger)
            if not set(triggers) <= existing_triggers:
                # New, or its table was rebuilt (and its triggers dropped) since.
                cursor.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")
    connection.__dict__.pop("_search_index", None)
    return True


def has_search_index(connection) -> bool:
    """Whether ``connection``'s database has the SQLite search index (looked up once per
    database)."""
    if connection.vendor != "sqlite":
        return False
    known = connection.__dict__.setdefault("_search_index", {})
    name = connection.settings_dict["NAME"]
    if name not in known:
        known[name] = "product_search" in connection.introspection.table_names()
    return known[name]


def _indexed(index: str, word: str) -> RawSQL:
    # A phrase in double quotes: the word as typed, quotes doubled, no query syntax.
    phrase = '"' + word.replace('"', '""') + '"'
    return RawSQL(f"SELECT rowid FROM {index} WHERE {index} MATCH %s", [phrase])


def _word_condition(model, vendor: str, word: str) -> Q:
    """The products with ``word`` in their name, SKU or supplier's name, through the
    database's indexes."""
    if vendor == "sqlite":
        return Q(pk__in=_indexed("product_search", word)) | Q(
            supplier_id__in=_indexed("supplier_search", word)
        )
    # PostgreSQL: each side through its own trigram indexes, as a union. With the OR
    # across the supplier join it read every product (24 ms at the large demo, 2.4 so).
    # Without the indexes (no pg_trgm, see products/0017) both sides scan, as before.
    products = model._base_manager
    by_product = products.filter(Q(name__icontains=word) | Q(sku__icontains=word))
    by_supplier = products.filter(supplier__name__icontains=word)
    return Q(pk__in=by_product.values("pk").union(by_supplier.values("pk"), all=True))


def matching(queryset, text: str | None):
    """``queryset`` (products) narrowed to those with every word of ``text``, in any order,
    in their name, SKU or supplier's name: "drill cordless" finds "Cordless Drill"."""
    words = (text or "").split()[:SEARCH_WORDS]
    connection = connections[queryset.db]
    if not (has_search_index(connection) or connection.vendor == "postgresql"):
        return matching_every_word(queryset, text, SEARCH_FIELDS)
    for word in words:
        if len(word) < INDEXED_WORD_LENGTH:
            queryset = matching_every_word(queryset, word, SEARCH_FIELDS)
        else:
            queryset = queryset.filter(_word_condition(queryset.model, connection.vendor, word))
    return queryset
