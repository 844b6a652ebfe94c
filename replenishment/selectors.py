"""What each store should order, or fetch from another store: computed by the database.

A (product, store) needs replenishing when its *projected* stock is at or
below its minimum and its maximum is above it. Projected stock is what the
store has and what is coming:

    on hand + on order (placed purchase orders, ``StockLevel.on_order``)
            + on draft purchase orders for the store
            + incoming transfers (draft or in transit) to the store

Drafts count, so pressing "Create drafts" twice orders nothing twice. The
suggestion is ``maximum − projected`` rounded up to the order multiple;
where another active store holds more than its own maximum (less what its
draft transfers out already promise), a transfer from the one with the
largest surplus is suggested too. Each row's transfer is worked out as if it
were alone: ``replenishment.services.drafts_create`` shares a source's
surplus between the lines of one batch.

A fixed number of queries per page whatever the number of rows: the rows
are listed by :func:`replenishment_rows` from the stock rows' own columns
(only the few with something planned or coming are checked with the terms),
and the terms are read for the page's rows only (:func:`rows_with_terms`).
Pairs with no stock row are not listed: a product never stocked nor ordered
at a store has no row until a document or a rule edit creates one.
"""

from collections import defaultdict
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import NamedTuple

from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round

from core.expressions import JoinedColumn
from core.models import QUANTITY_PLACES, STOCK_QUANTITY
from products.models import Product, StockLevel
from purchases.models import PurchaseOrder, PurchaseOrderLine
from transfers.models import Transfer, TransferLine

QUANTITY = models.DecimalField(**STOCK_QUANTITY)
ZERO = Value(Decimal("0"), output_field=QUANTITY)
# By product name, then store (in the order the stores were created): the order of
# the product name index and the (product, store) index. The product's id from its
# own table, not the stock row's key: only then does SQLite (with statistics, see
# ``manage.py analyze_database``) read the rows in that order and stop after a page
# instead of sorting every low row (see core.expressions.JoinedColumn).
ORDER = ("product__name", JoinedColumn("product__id"), "store_id")
# What a row with its terms shows besides its own columns (with_terms, rows_with_terms).
ROW_RELATIONS = ("product__unit", "product__supplier", "store")
# Transfers whose goods will arrive: planned (draft) and on the road.
INCOMING_TRANSFER_STATUSES = (Transfer.Status.DRAFT, Transfer.Status.DISPATCHED)


def _rounded(expression):
    # SQLite adds decimals as floating point: 0.1 + 0.2 would not be <= 0.3.
    return Round(expression, QUANTITY_PLACES, output_field=QUANTITY)


def _total_quantity(lines: models.QuerySet):
    """The sum of ``lines``' quantities (filtered on OuterRef), 0 when none."""
    total = lines.order_by().values("product").annotate(total=Sum("quantity")).values("total")
    return Coalesce(Subquery(total, output_field=QUANTITY), ZERO, output_field=QUANTITY)


def on_draft_orders():
    """Units of the row's product on draft purchase orders for the row's store."""
    return _total_quantity(
        PurchaseOrderLine.objects.filter(
            order__status=PurchaseOrder.Status.DRAFT,
            order__store=OuterRef("store"),
            product=OuterRef("product"),
        )
    )


def incoming_transfers():
    """Units of the row's product on draft or dispatched transfers to the row's store."""
    return _total_quantity(
        TransferLine.objects.filter(
            transfer__status__in=INCOMING_TRANSFER_STATUSES,
            transfer__to_store=OuterRef("store"),
            product=OuterRef("product"),
        )
    )


def outgoing_draft_transfers():
    """Units of the row's product on draft transfers out of the row's store.

    Dispatched ones have left its on-hand already; drafts are promised away.
    """
    return _total_quantity(
        TransferLine.objects.filter(
            transfer__status=Transfer.Status.DRAFT,
            transfer__from_store=OuterRef("store"),
            product=OuterRef("product"),
        )
    )


def _surpluses(levels):
    """``levels`` of active stores holding more than their maximum, largest surplus first:
    ``surplus`` = on hand − maximum − promised on draft transfers out.

    The maximum in force is never below the minimum (see ``StockLevel.with_rule``), so a
    transfer of the surplus never takes the source below its own minimum.
    """
    return (
        levels.with_rule()
        .filter(store__is_active=True)
        .annotate(surplus=_rounded(F("quantity") - F("maximum") - outgoing_draft_transfers()))
        .filter(surplus__gt=0)
        .order_by("-surplus", "store_id")
    )


def surplus_sources():
    """Other active stores holding more of the row's product than their maximum, largest
    surplus first (:func:`_surpluses`, correlated with the row)."""
    return _surpluses(
        StockLevel.objects.filter(product=OuterRef("product")).exclude(store=OuterRef("store"))
    )


def _levels(*, store=None, supplier=None, category=None, search: str = ""):
    """The stock rows that may need replenishing (on hand + on order against the rule in
    force), by the filters."""
    # needs_replenishing is stored and indexed, and false for the rows of archived
    # products, stores and suppliers (StockLevel.listed): the count and the page's
    # keys read the index, no product row per stock row.
    levels = StockLevel.objects.filter(needs_replenishing=True)
    if store is not None:
        levels = levels.filter(store=store)
    if supplier is not None:
        levels = levels.filter(product__supplier=supplier)
    if category is not None:
        levels = levels.filter(product__category=category)
    if search := search.strip():
        levels = levels.filter(
            Q(product__sku__startswith=search.upper()) | Q(product__name__icontains=search)
        )
    return levels


def replenishment_needs(**filters):
    """Active (product, store) rows whose projected stock is at or below their minimum.

    Products of archived suppliers are left out: they can no longer be ordered.
    ``filters``: ``store``, ``supplier``, ``category``, ``search``.

    Each row carries ``minimum``, ``maximum``, ``multiple`` (the rule in
    force) and the terms of :func:`with_terms`. Ordered by product name,
    then store (in the order the stores were created). :func:`explain` adds
    the suggested quantities to the rows of a page. Every row it considers
    runs the terms' subqueries: for a page, list the rows with
    :func:`replenishment_rows` first, then read theirs with :func:`rows_with_terms`.
    """
    return with_terms(_low(_levels(**filters)))


def _low(levels):
    # Cheap first: what is ordered or to come only adds, so a row above its minimum on
    # hand + on order (the index's needs_replenishing) is above it projected too.
    return with_projection(levels.with_rule()).filter(
        projected__lte=F("minimum"), maximum__gt=F("projected")
    )


def with_projection(levels):
    """Annotate ``on_drafts``, ``incoming`` and ``projected``."""
    return levels.annotate(on_drafts=on_draft_orders(), incoming=incoming_transfers()).annotate(
        projected=_rounded(F("quantity") + F("on_order") + F("on_drafts") + F("incoming"))
    )


def with_terms(levels):
    """Annotate the projection (:func:`with_projection`, unless there already) and, where
    another store has a surplus, ``transfer_from`` (its id), ``transfer_from_name`` and
    ``surplus``."""
    if "projected" not in levels.query.annotations:
        levels = with_projection(levels)
    sources = surplus_sources()
    return (
        levels.annotate(
            transfer_from=Subquery(sources.values("store_id")[:1]),
            transfer_from_name=Subquery(sources.values("store__name")[:1]),
            surplus=Subquery(sources.values("surplus")[:1], output_field=QUANTITY),
        )
        .select_related(*ROW_RELATIONS)
        .order_by(*ORDER)
    )


def rows_with_terms(ids, order=ORDER, limit: int | None = None) -> list:
    """The stock rows ``ids`` (listed by :func:`replenishment_rows`) with their terms, as
    :func:`with_terms` gives them, in ``order``; the first ``limit`` of them if given.

    By key alone: with the listing's conditions again, SQLite scanned every
    stock row to find the 50 of a page. The transfer terms are not three correlated
    subqueries per row here but one query for the surpluses of the rows' products,
    chosen per row below: building and compiling the subqueries took 23 ms of a page
    of 50 rows at ``large``.
    """
    # -1, never a key, keeps the number of queries the same when there are no rows.
    rows = list(
        with_projection(StockLevel.objects.with_rule().filter(pk__in=list(ids) or [-1]))
        .select_related(*ROW_RELATIONS)
        .order_by(*order)[:limit]
    )
    add_transfer_terms(rows)
    return rows


def add_transfer_terms(rows: list) -> None:
    """Set ``transfer_from``, ``transfer_from_name`` and ``surplus`` on each of the stock
    ``rows`` as :func:`with_terms` annotates them, from one query for the surpluses of
    the rows' products (it runs for no rows too)."""
    sources: dict[int, list[tuple]] = {}
    products = {row.product_id for row in rows} or {-1}
    surpluses = _surpluses(StockLevel.objects.filter(product__in=products))
    for source in surpluses.values_list("product_id", "store_id", "store__name", "surplus"):
        sources.setdefault(source[0], []).append(source[1:])
    for row in rows:
        # The largest surplus at another store, as surplus_sources() orders them.
        found = (s for s in sources.get(row.product_id, ()) if s[0] != row.store_id)
        row.transfer_from, row.transfer_from_name, row.surplus = next(found, (None, None, None))


class PlannedTerms(NamedTuple):
    """What projected stock adds to on hand and on order, for the few that have any."""

    # {(product id, store id): units} on draft purchase orders for the store and on
    # incoming (draft or dispatched) transfers to it: a stock row's terms.
    per_store: dict[tuple[int, int], Decimal]
    # {product id: units} on draft purchase orders and in transit: a product's terms
    # across the shop (Product.objects.with_projected). A draft transfer adds nothing
    # there: its units are still on hand at its source.
    in_shop: dict[int, Decimal]

    def planned_or_coming(self) -> list[int]:
        """Ids of the products with any: the only ones whose rows' projected stock may
        differ from on hand + on order."""
        return sorted({product_id for product_id, _ in self.per_store})


def lowest_needs(limit: int, terms: PlannedTerms) -> tuple[list, int]:
    """The ``limit`` rows of :func:`replenishment_needs` with the lowest projected stock
    (then by key), with ``projected`` and the transfer terms set, and how many rows it
    lists in all: the dashboard's "needs attention".

    Like :func:`replenishment_rows`, only the rows of products planned or coming are
    checked with the terms, here added up in Python from the units on drafts and
    incoming per (product, store) (``terms``, from :func:`planned_terms`):
    the lowest rows of the others are the first of the index on (needs_replenishing,
    stocked). Five plain queries after the terms' two, where listing keys and reading
    the terms by correlated subqueries took eleven, most of the dashboard's time spent
    building queries.
    """
    planned = terms.planned_or_coming() or [-1]
    low = _levels()
    lowest = list(
        low.exclude(product_id__in=planned)
        .select_related(*ROW_RELATIONS)
        .order_by("stocked", "pk")[:limit]
    )
    for row in lowest:
        row.projected = row.quantity + row.on_order  # nothing planned or coming
    # The low rows of products planned or coming as plain values: after "Create drafts"
    # for a whole shop they are most low rows, and only the few still low are read whole.
    of_planned = low.filter(product_id__in=planned).values_list(
        "pk", "product_id", "store_id", "quantity", "on_order", "minimum", "maximum"
    )
    checked = 0
    projected: dict[int, Decimal] = {}  # of the rows still low
    for pk, product_id, store_id, quantity, on_order, minimum, maximum in of_planned:
        checked += 1
        row_projected = quantity + on_order + terms.per_store.get((product_id, store_id), 0)
        if row_projected <= minimum and maximum > row_projected:
            projected[pk] = row_projected
    candidates = sorted(projected, key=lambda pk: (projected[pk], pk))[:limit]
    of_planned_rows = list(
        StockLevel.objects.filter(pk__in=candidates or [-1]).select_related(*ROW_RELATIONS)
    )
    for row in of_planned_rows:
        row.projected = projected[row.pk]
    shown = sorted((*lowest, *of_planned_rows), key=lambda row: (row.projected, row.pk))[:limit]
    add_transfer_terms(shown)
    # The low rows counted from the index alone, less those checked above, plus those
    # still low: a count of the planned ones beside it read each row's product (13 ms
    # against 6 at the large demo on SQLite).
    return shown, low.count() - checked + len(projected)


def planned_terms() -> PlannedTerms:
    """The units on drafts and incoming transfers per (product, store) and per product,
    from two grouped queries."""
    per_store: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    in_shop: dict[int, Decimal] = defaultdict(Decimal)
    drafts = (
        PurchaseOrderLine.objects.filter(order__status=PurchaseOrder.Status.DRAFT)
        .order_by()
        .values("product_id", "order__store_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "order__store_id", "total")
    )
    for product_id, store_id, total in drafts:
        per_store[product_id, store_id] += total
        in_shop[product_id] += total
    incoming = (
        TransferLine.objects.filter(transfer__status__in=INCOMING_TRANSFER_STATUSES)
        .order_by()
        .values("product_id", "transfer__to_store_id", "transfer__status")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "transfer__to_store_id", "transfer__status", "total")
    )
    for product_id, store_id, status, total in incoming:
        per_store[product_id, store_id] += total
        if status == Transfer.Status.DISPATCHED:
            in_shop[product_id] += total
    return PlannedTerms(dict(per_store), dict(in_shop))


def lowest_to_reorder(limit: int, in_shop: dict[int, Decimal]) -> tuple[list[Product], int]:
    """The ``limit`` products of ``Product.objects.active().needing_reorder()`` with the
    lowest projected stock (then by name and key), with ``projected`` set, and how many
    it lists in all: the dashboard's products to reorder across the shop.

    Projected stock added up in Python from ``in_shop`` (:func:`planned_terms`) for the
    candidates only (at or below the reorder level on hand: indexed, 425 of 20,000
    products at the large demo), read as values in name order, then the rows shown.
    The terms' correlated subqueries and a window count in one query took twice as long.
    """
    candidates = (
        Product.objects.active()
        .reorder_candidates()
        .order_by("name", "pk")
        .values_list("pk", "on_hand", "on_order", "reorder_level")
    )
    projected: dict[int, Decimal] = {}  # in name order
    for pk, on_hand, on_order, reorder_level in candidates:
        product_projected = on_hand + on_order + in_shop.get(pk, 0)
        if product_projected <= reorder_level:
            projected[pk] = product_projected
    # A stable sort: products with equal projected stock stay in the database's name order.
    shown_keys = sorted(projected, key=projected.__getitem__)[:limit]
    shown = Product.objects.filter(pk__in=shown_keys or [-1]).select_related("supplier", "unit")
    rows = {product.pk: product for product in shown}
    # One deleted between the two reads (a product with no history may be) is left out.
    listed = [rows[pk] for pk in shown_keys if pk in rows]
    for product in listed:
        product.projected = projected[product.pk]
    return listed, len(projected)


def replenishment_selection(**filters) -> dict:
    """The arguments of :func:`replenishment_rows` and :func:`replenishment_count` for
    ``filters``, with what both would otherwise look up each: the products planned or
    coming (:func:`planned_or_coming_products`) and which of their rows are still low
    (:func:`still_low_rows`). A page lists and counts its rows from one selection."""
    planned_or_coming = planned_or_coming_products()
    still_low = still_low_rows(planned_or_coming, **filters) if planned_or_coming else []
    return {**filters, "planned_or_coming": planned_or_coming, "still_low": still_low}


def replenishment_rows(
    *, planned_or_coming: list[int] | None = None, still_low: list[int] | None = None, **filters
):
    """The same rows as :func:`replenishment_needs`, without its per-row subqueries.

    Only a (product, store) with units on draft orders or incoming transfers
    has a projected stock other than on hand + on order: few products have
    any (what is being planned or is on the road), so only their rows are
    checked with the terms, and every other row is decided on its own
    columns. At ``large`` most stock rows are low (108,000 of 163,000): the
    terms' subqueries on each of them took seconds; this is one scan of the
    stock rows, after two small queries for the products planned or coming
    and two for which of their rows are still low (``planned_or_coming`` and
    ``still_low``, when the caller has them already: :func:`replenishment_selection`).
    Ordered as :func:`replenishment_needs`; read the terms of a page's rows with
    :func:`rows_with_terms`.
    """
    if planned_or_coming is None:
        planned_or_coming = planned_or_coming_products()
    rows = _levels(**filters)
    if planned_or_coming:
        if still_low is None:
            still_low = still_low_rows(planned_or_coming, **filters)
        rows = rows.filter(~Q(product_id__in=planned_or_coming) | Q(pk__in=still_low or [-1]))
    return rows.order_by(*ORDER)


def replenishment_count(
    *, planned_or_coming: list[int] | None = None, still_low: list[int] | None = None, **filters
) -> int:
    """How many rows :func:`replenishment_rows` lists (same arguments).

    Counted in parts: the low rows, less those of products planned or coming,
    plus those of them still low. Counting the listing's own condition, SQLite
    tested its OR on each of 108,000 low rows at ``large`` (44 ms, against 17
    for the parts).
    """
    if planned_or_coming is None:
        planned_or_coming = planned_or_coming_products()
    rows = _levels(**filters)
    if not planned_or_coming:
        return rows.count()
    if still_low is None:
        still_low = still_low_rows(planned_or_coming, **filters)
    planned_rows = rows.filter(product_id__in=planned_or_coming)
    return rows.count() - planned_rows.count() + len(still_low)


def still_low_rows(planned_or_coming: list[int], **filters) -> list[int]:
    """Keys of the rows of products ``planned_or_coming`` that are low counting the terms."""
    # A key list, fetched first: inside the listing SQLite computed the terms of every
    # low row, not only of these products' rows. The projection alone decides "low":
    # the transfer terms added 17 ms of building and compiling the query.
    their_rows = StockLevel.objects.filter(product_id__in=planned_or_coming)
    still_low = _low(_levels(**filters)).filter(
        pk__in=list(their_rows.values_list("pk", flat=True))
    )
    return list(still_low.values_list("pk", flat=True))


def planned_or_coming_products() -> list[int]:
    """Ids of the products on draft purchase orders or incoming transfers: the only ones
    whose rows' projected stock may differ from on hand + on order."""
    return planned_terms().planned_or_coming()


def round_up(quantity: Decimal, multiple: Decimal) -> Decimal:
    """``quantity`` rounded up to a whole number of ``multiple`` (2.5 → 3 with a multiple of 1)."""
    if multiple <= 0:
        return quantity
    return (quantity / multiple).to_integral_value(rounding=ROUND_CEILING) * multiple


def suggested_order(level) -> Decimal:
    """How much to order: maximum − projected, up to the multiple, then to the unit's step."""
    quantity = round_up(level.maximum - level.projected, level.multiple)
    return quantity.quantize(level.product.unit.step, rounding=ROUND_CEILING)


def suggested_transfer(level, order: Decimal, taken: Decimal = Decimal("0")) -> Decimal | None:
    """How much to fetch from the store with the largest surplus, if any: the surplus or the
    suggested order, whichever is smaller, down to the unit's step (never beyond the surplus).

    ``taken``: what other transfers not yet written (other lines of the same
    batch) take from that surplus first.
    """
    if level.transfer_from is None or not level.surplus:
        return None
    spare = level.surplus - taken
    quantity = min(spare, order).quantize(level.product.unit.step, rounding=ROUND_FLOOR)
    return quantity if quantity > 0 else None


def explain(levels) -> list:
    """The rows of ``levels`` with ``suggested`` (to order) and ``transfer_quantity`` set."""
    levels = list(levels)
    for level in levels:
        level.suggested = suggested_order(level)
        level.transfer_quantity = suggested_transfer(level, level.suggested)
    return levels
