"""What the audit history records (django-auditlog's registry), and where each record shows it.

Master data is recorded field by field, except what the stock engine keeps
(``products.models.ENGINE_FIELDS``: on hand, on order, average cost): those change
with every sale and purchase, the ledger already explains each change, and the
engine writes them with ``UPDATE`` statements that send no signal anyway. Documents
are recorded by their state only (created, placed, dispatched, received, closed,
voided): their lines and amounts never change once recorded, and the document
pages show them.

auditlog reads a registered record's old row before each ``save()`` (one query):
nothing the stock engine does per line calls ``save()`` on a registered model, so a
sale costs one INSERT for its own "created" entry and nothing per line.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from auditlog.registry import auditlog
from django.apps import apps
from django.db import models
from django.db.models.signals import pre_save

from audit.m2m import record_m2m_changes
from products.models import ENGINE_FIELDS

# The id names the entry's object; the entry's own timestamp says when.
NOT_RECORDED = ("id", "created_at", "updated_at")


@dataclass(frozen=True)
class Tracked:
    """One model whose changes the history records."""

    model: str  # "products.Product"
    # Its page ("products:detail", taking the pk), which shows its history; None: no page.
    page: str | None = None
    include: tuple[str, ...] = ()  # only these fields (empty: every field but ``exclude``)
    exclude: tuple[str, ...] = NOT_RECORDED
    m2m: tuple[str, ...] = ()  # many-to-many fields recorded as added / removed


TRACKED = (
    # Master data: every field a person edits.
    Tracked("products.Product", "products:detail", exclude=(*NOT_RECORDED, *sorted(ENGINE_FIELDS))),
    Tracked("products.Category", "categories:detail"),
    Tracked("products.Unit", "units:detail"),
    Tracked("products.TaxRate", "tax_rates:detail"),
    Tracked("people.Supplier", "suppliers:detail"),
    Tracked("people.Customer", "customers:detail"),
    Tracked("stores.Store", "stores:detail"),
    # Who may do what, and where: never the password (or its hash).
    Tracked(
        "auth.User",
        include=(
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "is_staff",
            "is_superuser",
        ),
        m2m=("groups",),
    ),
    Tracked("accounts.Profile", include=("all_stores",), m2m=("stores",)),
    # Documents: their state. Creating one records a "created" entry.
    Tracked("purchases.Purchase", "purchases:detail", include=("voided_at", "void_reason")),
    Tracked(
        "purchases.PurchaseOrder", "purchase_orders:detail", include=("status", "close_reason")
    ),
    Tracked("purchases.PurchaseReturn", "purchases:return_detail", include=("purchase",)),
    Tracked("sales.Sale", "sales:detail", include=("voided_at", "void_reason")),
    Tracked("sales.SaleReturn", "returns:detail", include=("sale",)),
    Tracked(
        "transfers.Transfer",
        "transfers:detail",
        include=("status", "variance_reason", "close_reason"),
    ),
)


def exact_decimals(sender, instance, **kwargs) -> None:
    """Give the record's decimals the places of their columns (5 as 5.000), as the database
    will: auditlog compares values as text, and a form's 5 is no change from a stored 5.000.

    Only the way a value is written changes, never the value (one with more places than
    its column is left for the form or the database to refuse).
    """
    for model_field in sender._meta.concrete_fields:
        if not isinstance(model_field, models.DecimalField):
            continue
        value = getattr(instance, model_field.attname)
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            continue
        try:
            exact = Decimal(value).quantize(Decimal(1).scaleb(-model_field.decimal_places))
        except InvalidOperation:  # too many digits: the form or the database refuses it
            continue
        if exact == value:
            setattr(instance, model_field.attname, exact)


def track_changes() -> None:
    """Register every model of :data:`TRACKED` with auditlog (from ``AuditConfig.ready``)."""
    for tracked in TRACKED:
        model = apps.get_model(tracked.model)
        # Connected first, so auditlog compares the values as they will be stored.
        pre_save.connect(exact_decimals, sender=model, dispatch_uid="audit.exact_decimals")
        # Its many-to-many fields through audit.m2m, not auditlog's m2m_fields (see there).
        auditlog.register(
            model,
            include_fields=list(tracked.include),
            exclude_fields=[] if tracked.include else list(tracked.exclude),
        )
        for field_name in tracked.m2m:
            record_m2m_changes(model, field_name)


def tracked_models() -> list:
    """The model classes of :data:`TRACKED`, in its order."""
    return [apps.get_model(tracked.model) for tracked in TRACKED]


def page_of(model) -> str | None:
    """The name of ``model``'s page (taking its pk) if it is tracked and has one."""
    label = model._meta.label
    return next((tracked.page for tracked in TRACKED if tracked.model == label), None)
