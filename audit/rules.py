"""Replenishment rules in the history: each stock row whose rule changed, as its product's entry.

``StockLevel.objects.set_rules`` writes the rule columns with an UPDATE (a sale running
meanwhile keeps its quantity), so auditlog's signals never see them; it sends
``products.models.stock_rules_changed`` instead, and this writes one "changed" entry
per stock row in the same transaction. The entries belong to the product, so they show
in its History section and in /audit/ filtered by it; each field is named with its
store ("Minimum at Main Street"), as the store was called then.
"""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import pre_save

from core.quantities import trimmed_quantity
from products.models import IN_CHUNK, Product, StockRule
from stores.models import Store

# The rule's fields as the history names them (the stock row's verbose names).
RULE_FIELDS = (("minimum", "minimum"), ("maximum", "maximum"), ("multiple", "order multiple"))
# Marks the entries written here, with the store they are about.
RULE_ENTRY = "stock_rule"


def _stored(value) -> str | None:
    """A quantity as the entry keeps it: "5" for 5.000, None for "the product's default"."""
    return None if value is None else str(trimmed_quantity(value))


def rule_changes(before: StockRule, after: StockRule, store_name: str) -> dict:
    """The entry's changes: ``{"minimum at Main Street": [old, new], …}``, changed fields only."""
    changes = {}
    for attribute, label in RULE_FIELDS:
        old, new = getattr(before, attribute), getattr(after, attribute)
        if old != new:
            changes[f"{label} at {store_name}"] = [_stored(old), _stored(new)]
    return changes


def _with_request_context(entries: list[LogEntry]) -> list[LogEntry]:
    """``entries`` with who is acting, and from where, as auditlog's middleware (or
    ``set_actor``) says.

    auditlog fills these in a ``pre_save`` receiver of LogEntry that it connects for
    the request only, and ``bulk_create`` sends no ``pre_save``: it is sent here, so
    its own rules apply (and outside a request nothing answers: the system).
    """
    for entry in entries:
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using=None, update_fields=None)
    return entries


def record_rule_changes(sender, changes: list[tuple[StockRule, StockRule]], **kwargs) -> None:
    """Write one entry per changed stock row (connected to ``stock_rules_changed``)."""
    content_type = ContentType.objects.get_for_model(Product)
    stores = {store.pk: store.name for store in Store.objects.all()}
    product_ids = sorted({after.product_id for _, after in changes})
    for start in range(0, len(product_ids), IN_CHUNK):
        chunk = set(product_ids[start : start + IN_CHUNK])
        products = Product.objects.only("name", "sku").in_bulk(chunk)
        LogEntry.objects.bulk_create(
            _with_request_context(
                [
                    LogEntry(
                        content_type=content_type,
                        object_pk=str(after.product_id),
                        object_id=after.product_id,
                        object_repr=str(products[after.product_id]),
                        action=LogEntry.Action.UPDATE,
                        changes=rule_changes(before, after, stores.get(after.store_id, "?")),
                        additional_data={RULE_ENTRY: {"store": after.store_id}},
                    )
                    for before, after in changes
                    if after.product_id in chunk
                ]
            ),
            batch_size=IN_CHUNK,
        )
