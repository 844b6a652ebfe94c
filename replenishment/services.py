"""Replenishment's writes: drafts from the suggestions, the rules CSV, the low-stock digest."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.access import may_act_in
from core.documents import MAX_DOCUMENT_LINES
from core.exceptions import OperationRefused
from core.models import MAX_LINE_QUANTITY, MAX_LINE_VALUE
from core.quantities import format_quantity
from products.forms import StockRuleForm
from products.models import Product, StockLevel
from purchases.models import PurchaseOrder
from purchases.orders import OrderLineInput, order_create
from replenishment.models import DigestSubscription, LowStockDigest
from replenishment.selectors import explain, replenishment_needs, suggested_transfer
from stores.models import Store
from transfers.models import Transfer
from transfers.services import TransferLineInput, transfer_create

# Written into the drafts' notes in the language of whoever drafts them.
DRAFT_NOTE = _("Drafted from the replenishment suggestions.")
DIGEST_PERMISSION = "replenishment.receive_digestsubscription"


class ReplenishmentRefused(OperationRefused):
    """The selected lines cannot be drafted as they are; nothing was written."""


@dataclass(frozen=True)
class DraftChoice:
    """One selected line of the replenishment page: order it, or fetch it from another store.

    ``quantity`` is what the page showed; it must still be the suggestion. A transfer also
    names the store the page showed it from (``from_store_id``); it must still be that one.
    """

    level_id: int
    action: Literal["order", "transfer"]
    quantity: Decimal
    from_store_id: int | None = None


@dataclass
class Drafts:
    orders: list[PurchaseOrder] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)


def _describe(level) -> str:
    return gettext("%(product)s at %(store)s") % {
        "product": level.product.name,
        "store": level.store.name,
    }


def _why_not_listed(level_ids: list[int]) -> list[str]:
    """Why each of ``level_ids`` is no longer a suggestion (unknown, archived or covered)."""
    found = StockLevel.objects.select_related("product__supplier", "store").in_bulk(level_ids)
    reasons = []
    for level_id in level_ids:
        level = found.get(level_id)
        if level is None:
            reasons.append(gettext("line %(line)s is not a stock row") % {"line": level_id})
        elif not level.product.is_active:
            reasons.append(gettext("%(product)s is archived") % {"product": level.product.name})
        elif not level.store.is_active:
            reasons.append(gettext("%(store)s is archived") % {"store": level.store.name})
        elif not (supplier := level.product.supplier).is_active:
            reasons.append(
                gettext("%(product)s's supplier %(supplier)s is archived")
                % {"product": level.product.name, "supplier": supplier.name}
            )
        else:
            reasons.append(
                gettext(
                    "%(product_at_store)s no longer needs replenishing (orders, drafts or "
                    "transfers cover it now)"
                )
                % {"product_at_store": _describe(level)}
            )
    return reasons


def _check_transfer(
    choice: DraftChoice, level, taken: Decimal
) -> tuple[Decimal | None, str | None]:
    """The quantity to fetch for ``choice`` when other lines of the batch already take
    ``taken`` from the same source, and what is wrong with it, if anything."""
    unit = level.product.unit
    if level.transfer_quantity is None:
        return None, gettext("no other store has %(product)s to spare for %(store)s") % {
            "product": level.product.name,
            "store": level.store.name,
        }
    if choice.from_store_id != level.transfer_from:
        return None, gettext(
            "%(product_at_store)s: the transfer would now come from %(source)s, not from the "
            "store the list showed; look at the list again"
        ) % {"product_at_store": _describe(level), "source": level.transfer_from_name}
    expected = suggested_transfer(level, level.suggested, taken)
    if taken and expected != choice.quantity:
        spare = format_quantity(max(level.surplus - taken, Decimal("0")), unit)
        return expected, gettext(
            "%(product_at_store)s: %(source)s has %(spare)s left to spare once the other lines "
            "selected take theirs; draft these transfers one at a time"
        ) % {
            "product_at_store": _describe(level),
            "source": level.transfer_from_name,
            "spare": spare,
        }
    return expected, None


def _check(choice: DraftChoice, level, taken: Decimal) -> tuple[Decimal, str | None]:
    """The quantity to draft for ``choice`` and what is wrong with it, if anything.

    ``taken``: for a transfer, what the batch's earlier lines take from the same source.
    """
    unit = level.product.unit
    if choice.action == "transfer":
        expected, problem = _check_transfer(choice, level, taken)
        if problem:
            return expected, problem
    else:
        expected = level.suggested
        if expected * level.product.cost_price > MAX_LINE_VALUE:
            return (
                expected,
                gettext(
                    "%(product_at_store)s: an order of %(quantity)s is worth more than one line "
                    "may hold"
                )
                % {
                    "product_at_store": _describe(level),
                    "quantity": format_quantity(expected, unit),
                },
            )
    if expected > MAX_LINE_QUANTITY:
        return (
            expected,
            gettext("%(product_at_store)s: %(quantity)s is more than one line may hold")
            % {"product_at_store": _describe(level), "quantity": format_quantity(expected, unit)},
        )
    if choice.quantity != expected:
        return expected, gettext(
            "%(product_at_store)s: the suggestion is now %(expected)s, not %(chosen)s; look at "
            "the list again"
        ) % {
            "product_at_store": _describe(level),
            "expected": format_quantity(expected, unit),
            "chosen": format_quantity(choice.quantity, unit),
        }
    return expected, None


def _order_line(product: Product, quantity: Decimal) -> OrderLineInput:
    """A line at the product's cost price, in whole packs where the quantity is some."""
    pack_size = product.pack_size
    if pack_size and quantity % pack_size == 0:
        return OrderLineInput(
            product=product,
            quantity=quantity,
            unit_cost=product.cost_price,
            packs=quantity / pack_size,
            pack_size=pack_size,
        )
    return OrderLineInput(product=product, quantity=quantity, unit_cost=product.cost_price)


def drafts_create(*, choices: list[DraftChoice], user) -> Drafts:
    """Draft purchase orders (one per supplier and store, at cost price) and transfers (one
    per pair of stores) for the chosen lines, all or nothing.

    Every choice is checked against the suggestions as they are now: an
    unknown or archived line, one that no longer needs replenishing (someone
    drafted it meanwhile), a quantity other than the suggestion, or a transfer
    from another store than the page showed is refused, every problem named
    in one :class:`ReplenishmentRefused`. Transfers from one source share its
    surplus: lines that together take more than it can spare are refused.
    """
    if not choices:
        raise ReplenishmentRefused(gettext("select at least one line"))
    if len(choices) > MAX_DOCUMENT_LINES:
        raise ReplenishmentRefused(
            gettext("select at most %(most)s lines at a time") % {"most": MAX_DOCUMENT_LINES}
        )
    level_ids = [choice.level_id for choice in choices]
    if len(set(level_ids)) != len(level_ids):
        raise ReplenishmentRefused(gettext("a line was selected twice"))
    # Read before the transaction starts: on MariaDB its first plain read fixes
    # what it sees, and that must come after the locks, not before.
    products_of = dict(StockLevel.objects.filter(pk__in=level_ids).values_list("pk", "product_id"))
    with transaction.atomic():
        _lock(choices, products_of)
        current = {
            level.pk: level for level in explain(replenishment_needs().filter(pk__in=level_ids))
        }
        problems = _why_not_listed([pk for pk in level_ids if pk not in current])
        orders: dict[tuple[int, int], list[OrderLineInput]] = defaultdict(list)
        transfers: dict[tuple[int, int], list[TransferLineInput]] = defaultdict(list)
        # (product id, source store id) -> units the batch's transfers take from it so far
        taken: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for choice in choices:
            level = current.get(choice.level_id)
            if level is None:
                continue
            source = (level.product_id, level.transfer_from)
            quantity, problem = _check(choice, level, taken[source])
            if not problem and not may_act_in(user, level.store_id):
                problem = gettext("%(product_at_store)s: you do not work in %(store)s") % {
                    "product_at_store": _describe(level),
                    "store": level.store.name,
                }
            elif (
                not problem
                and choice.action == "transfer"
                and not may_act_in(user, level.transfer_from)
            ):
                # The sender dispatches a transfer: only its staff may draft one from it.
                problem = gettext(
                    "%(product_at_store)s: you do not work in %(source)s, the store the transfer "
                    "would come from; ask its staff to send it"
                ) % {"product_at_store": _describe(level), "source": level.transfer_from_name}
            if problem:
                problems.append(problem)
            elif choice.action == "transfer":
                taken[source] += quantity
                transfers[level.transfer_from, level.store_id].append(
                    TransferLineInput(product=level.product, quantity=quantity)
                )
            else:
                orders[level.product.supplier_id, level.store_id].append(
                    _order_line(level.product, quantity)
                )
        if problems:
            raise ReplenishmentRefused("; ".join(problems))
        return _write_drafts(orders, transfers, current.values(), user)


def _lock(choices: list[DraftChoice], products_of: dict[int, int]) -> None:
    """Lock the chosen lines' products, then their stock rows and those of the stores the
    transfers come from, each by primary key as the stock engine does (see
    ``products.services._lock``), so neither deadlocks with the other.

    Two batches for the same product (the same lines, or other stores fetching
    from the same source) queue here; the second then sees the first one's
    drafts in the projected stock and in what the source has left to spare.
    No joins in the locking queries: MariaDB would lock the joined rows too.
    """
    list(
        Product.objects.select_for_update()
        .filter(pk__in=sorted(set(products_of.values())))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows = Q(pk__in=list(products_of))
    for choice in choices:
        if choice.action == "transfer" and choice.from_store_id and choice.level_id in products_of:
            rows |= Q(product_id=products_of[choice.level_id], store_id=choice.from_store_id)
    list(
        StockLevel.objects.select_for_update()
        .filter(rows)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _write_drafts(orders, transfers, levels, user) -> Drafts:
    suppliers = {level.product.supplier_id: level.product.supplier for level in levels}
    stores = {level.store_id: level.store for level in levels}
    stores |= Store.objects.in_bulk({source for source, _ in transfers} - set(stores))
    drafts = Drafts()
    for (supplier_id, store_id), lines in sorted(orders.items()):
        drafts.orders.append(
            order_create(
                supplier=suppliers[supplier_id],
                store=stores[store_id],
                lines=lines,
                user=user,
                notes=str(DRAFT_NOTE),
            )
        )
    for (source_id, destination_id), lines in sorted(transfers.items()):
        drafts.transfers.append(
            transfer_create(
                from_store=stores[source_id],
                to_store=stores[destination_id],
                lines=lines,
                user=user,
                notes=str(DRAFT_NOTE),
            )
        )
    return drafts


# Rules CSV ----------------------------------------------------------------------------------

RULE_COLUMNS = ["sku", "store", "minimum", "maximum", "multiple"]
MAX_IMPORT_ROWS = 250_000  # 20,000 products at 10 stores, with room to spare


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    value: str
    message: str


class RulesImportRefused(OperationRefused):
    """The CSV has errors; nothing was saved. ``errors`` lists every one."""

    def __init__(self, errors: list[RowError]):
        count = len(errors)
        super().__init__(ngettext("%(count)s error", "%(count)s errors", count) % {"count": count})
        self.errors = errors


def rules_export_rows():
    """Rows of the rules CSV: every active product at every active store with stock, stock
    on order, or a rule of its own; blank where the product's default applies."""
    return (
        StockLevel.objects.filter(product__is_active=True, store__is_active=True)
        .filter(
            Q(quantity__gt=0)
            | Q(on_order__gt=0)
            | Q(reorder_point__isnull=False)
            | Q(order_up_to__isnull=False)
            | Q(order_multiple__isnull=False)
        )
        .order_by("product__sku", "store__code", "pk")
        .values_list(
            "product__sku", "store__code", "reorder_point", "order_up_to", "order_multiple"
        )
    )


def _parse_rules_csv(content: bytes) -> tuple[list[tuple[int, dict]], list[RowError]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "", gettext("The file is not UTF-8 text; save it as CSV (UTF-8)."))]
    # Strict: a quote left open is an error, not a field running to the end of the file.
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as error:
        return [], [RowError(1, "", gettext("Not a CSV file: %(error)s.") % {"error": error})]
    missing = [name for name in RULE_COLUMNS if name not in header]
    if missing:
        return [], [
            RowError(
                1,
                ",".join(reader.fieldnames or []),
                gettext("The header must name the columns %(columns)s; missing: %(missing)s.")
                % {"columns": ", ".join(RULE_COLUMNS), "missing": ", ".join(missing)},
            )
        ]
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if reader.line_num > MAX_IMPORT_ROWS + 1:
                return [], [
                    RowError(
                        reader.line_num,
                        "",
                        gettext("More than %(most)s rows.") % {"most": f"{MAX_IMPORT_ROWS:,}"},
                    )
                ]
            values = {name: (row.get(name) or "").strip() for name in RULE_COLUMNS}
            if any(values.values()):  # blank lines are skipped
                rows.append((reader.line_num, values))
    except csv.Error as error:
        return [], [
            RowError(reader.line_num, "", gettext("Not a CSV file: %(error)s.") % {"error": error})
        ]
    return rows, []


def _row_errors(line: int, values: dict, products: dict, stores: dict, user) -> list[RowError]:
    """What is wrong with a row's product and store, if anything (``user`` must work in
    the store, accounts.access)."""
    errors = []
    product = products.get(values["sku"].upper())
    if product is None:
        errors.append(RowError(line, values["sku"], gettext("No product has this SKU.")))
    elif not product.is_active:
        errors.append(
            RowError(
                line, values["sku"], gettext("%(product)s is archived.") % {"product": product.name}
            )
        )
    store = stores.get(values["store"].upper())
    if store is None:
        errors.append(RowError(line, values["store"], gettext("No store has this code.")))
    elif not store.is_active:
        errors.append(
            RowError(
                line, values["store"], gettext("%(store)s is archived.") % {"store": store.name}
            )
        )
    elif user is not None and not may_act_in(user, store):
        errors.append(
            RowError(
                line,
                values["store"],
                gettext("You do not work in %(store)s: its rules are changed by its managers.")
                % {"store": store.name},
            )
        )
    return errors


def rules_import(*, content: bytes, user=None) -> int:
    """Save the rules of a CSV like :func:`rules_export_rows` gives, all or nothing.

    Every row is checked (a known active product and store ``user`` works in, each value as the
    product page's rule form checks it, no pair twice); any error refuses the
    whole file with :class:`RulesImportRefused`. Returns how many stock rows changed.
    """
    rows, errors = _parse_rules_csv(content)
    if errors:
        raise RulesImportRefused(errors)
    if not rows:
        raise RulesImportRefused([RowError(2, "", gettext("The file has no rows."))])
    skus = {values["sku"].upper() for _, values in rows}
    products = {}
    sku_list = sorted(skus)
    for start in range(0, len(sku_list), 500):
        products.update(
            Product.objects.select_related("unit").in_bulk(
                sku_list[start : start + 500], field_name="sku"
            )
        )
    stores = {store.code.upper(): store for store in Store.objects.all()}
    rules, seen = [], {}
    for line, values in rows:
        row_errors = _row_errors(line, values, products, stores, user)
        if not row_errors:
            product = products[values["sku"].upper()]
            store = stores[values["store"].upper()]
            if (product.pk, store.pk) in seen:
                row_errors.append(
                    RowError(
                        line,
                        f"{values['sku']},{values['store']}",
                        gettext("%(sku)s at %(store)s is on row %(row)s too.")
                        % {
                            "sku": product.sku,
                            "store": store.code,
                            "row": seen[product.pk, store.pk],
                        },
                    )
                )
            else:
                seen[product.pk, store.pk] = line
                form = StockRuleForm(
                    {name: values[name] for name in ("minimum", "maximum", "multiple")},
                    product=product,
                )
                if form.is_valid():
                    rules.append(form.rule(store.pk))
                else:
                    row_errors += [
                        RowError(line, values.get(name, ""), f"{name.capitalize()}: {message}")
                        for name, messages in form.errors.items()
                        for message in messages
                    ]
        errors += row_errors
    if errors:
        raise RulesImportRefused(errors)
    return StockLevel.objects.set_rules(rules)


# Low-stock digest ---------------------------------------------------------------------------


def digest_key(level) -> str:
    return f"{level.product_id}:{level.store_id}"


def digest_recipients():
    """Active users with an email address who opted in and may still receive the digest."""
    users = get_user_model().objects.with_perm(
        DIGEST_PERMISSION, backend="django.contrib.auth.backends.ModelBackend"
    )
    subscribed = DigestSubscription.objects.values("user_id")
    return users.filter(pk__in=subscribed).exclude(email="").order_by("pk")


@dataclass
class DigestResult:
    new: list = field(default_factory=list)  # the rows that crossed since the last digest
    recipients: list = field(default_factory=list)
    digest: LowStockDigest | None = None


def _digest_body(levels) -> str:
    lines = [
        gettext(
            "These products fell to or below their minimum at these stores since the last digest"
        ),
        gettext("(projected stock: on hand + on order + drafts + incoming transfers)."),
        "",
    ]
    for level in levels:
        unit = level.product.unit
        line = gettext(
            "- %(sku)s %(product)s at %(store)s: projected %(projected)s, minimum %(minimum)s, "
            "suggested order %(suggested)s"
        ) % {
            "sku": level.product.sku,
            "product": level.product.name,
            "store": level.store.name,
            "projected": format_quantity(level.projected, unit),
            "minimum": format_quantity(level.minimum, unit),
            "suggested": format_quantity(level.suggested, unit),
        }
        if level.transfer_quantity:
            line = gettext("%(line)s (or %(quantity)s from %(store)s)") % {
                "line": line,
                "quantity": format_quantity(level.transfer_quantity, unit),
                "store": level.transfer_from_name,
            }
        lines.append(line)
    lines += ["", gettext("Draft the orders and transfers at /replenishment/.")]
    return "\n".join(lines)


def digest_send(*, now=None) -> DigestResult:
    """Email subscribers what crossed its minimum since the last digest, and record this one.

    Sends nothing when nothing is new (or no one subscribed). What is low now
    is recorded whenever there are recipients, so a pair that recovers and
    falls again is reported again.
    """
    result = DigestResult(recipients=list(digest_recipients()))
    if not result.recipients:
        return result
    levels = explain(replenishment_needs())
    previous = LowStockDigest.objects.latest_sent()
    reported = set(previous.items) if previous else set()
    result.new = [level for level in levels if digest_key(level) not in reported]
    if result.new:
        count = len(result.new)
        subject = ngettext(
            "Low stock: %(count)s product crossed the minimum",
            "Low stock: %(count)s products crossed the minimum",
            count,
        ) % {"count": count}
        body = _digest_body(result.new)
        messages = [
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
            for user in result.recipients
        ]
        with mailers.default as connection:
            connection.send_messages(messages)
    result.digest = LowStockDigest.objects.create(
        sent_at=now or timezone.now(),
        items=sorted(digest_key(level) for level in levels),
        new_items=len(result.new),
        recipients=len(result.recipients) if result.new else 0,
    )
    return result
