"""Drafts from the suggestions: one order per supplier and store, one transfer per pair of
stores, all or nothing, never twice."""

from decimal import Decimal

import pytest

from people.tests.factories import SupplierFactory
from purchases.models import PurchaseOrder
from replenishment.selectors import explain, replenishment_needs
from replenishment.services import DraftChoice, ReplenishmentRefused, drafts_create
from replenishment.tests.factories import level, set_rule, stock_up, stocked
from stores.tests.factories import StoreFactory
from transfers.models import Transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

D = Decimal


def suggestion(product, store):
    [row] = explain(replenishment_needs().filter(product=product, store=store))
    return row


def order(product, store) -> DraftChoice:
    row = suggestion(product, store)
    return DraftChoice(level_id=row.pk, action="order", quantity=row.suggested)


def transfer(product, store) -> DraftChoice:
    row = suggestion(product, store)
    return DraftChoice(
        level_id=row.pk,
        action="transfer",
        quantity=row.transfer_quantity,
        from_store_id=row.transfer_from,
    )


def nothing_drafted():
    return not PurchaseOrder.objects.exists() and not Transfer.objects.exists()


def test_one_draft_order_per_supplier_and_store_at_cost_price(store, other_store, clerk):
    acme, bolts = SupplierFactory(name="Acme"), SupplierFactory(name="Bolts Ltd")
    glue = stocked(store, 1, minimum=5, maximum=10, supplier=acme, cost_price=D("2.50"))
    tape = stocked(store, 2, minimum=5, maximum=10, supplier=acme, cost_price=D("1.25"))
    nuts = stocked(store, 0, minimum=5, maximum=10, supplier=bolts)
    stock_up(glue, other_store, 1)
    choices = [order(glue, store), order(tape, store), order(nuts, store), order(glue, other_store)]

    drafts = drafts_create(choices=choices, user=clerk)

    assert drafts.transfers == []
    made = {
        (o.supplier.name, o.store_id): {
            (line.product_id, line.quantity, line.unit_cost) for line in o.lines.all()
        }
        for o in drafts.orders
    }
    assert made == {
        ("Acme", store.pk): {(glue.pk, 9, D("2.50")), (tape.pk, 8, D("1.25"))},
        ("Bolts Ltd", store.pk): {(nuts.pk, 10, D("4.00"))},
        ("Acme", other_store.pk): {(glue.pk, 9, D("2.50"))},
    }
    assert {o.status for o in drafts.orders} == {PurchaseOrder.Status.DRAFT}
    assert {o.created_by for o in drafts.orders} == {clerk}
    assert level(glue, store).on_order == 0  # a draft is not on order yet


def test_drafts_count_so_running_twice_creates_nothing_twice(store, clerk):
    product = stocked(store, 1, minimum=5, maximum=10)
    choices = [order(product, store)]

    drafts_create(choices=choices, user=clerk)
    with pytest.raises(ReplenishmentRefused, match="no longer needs replenishing"):
        drafts_create(choices=choices, user=clerk)

    assert PurchaseOrder.objects.count() == 1
    assert not replenishment_needs().exists()


def test_transfers_one_per_pair_of_stores(store, clerk):
    north = StoreFactory(name="North")
    glue = stocked(store, 0, minimum=5, maximum=10)
    tape = stocked(store, 0, minimum=5, maximum=10)
    for product in (glue, tape):
        set_rule(product, north, minimum=1, maximum=2)
        stock_up(product, north, 30)

    drafts = drafts_create(choices=[transfer(glue, store), transfer(tape, store)], user=clerk)

    assert drafts.orders == []
    [made] = drafts.transfers
    assert (made.from_store, made.to_store, made.status) == (north, store, "draft")
    assert {(line.product_id, line.quantity) for line in made.lines.all()} == {
        (glue.pk, 10),
        (tape.pk, 10),
    }
    assert not replenishment_needs().filter(store=store).exists()  # incoming now


def test_orders_in_whole_packs_record_the_packs(store, clerk):
    product = stocked(store, 1, pack_size=D("12"), reorder_level=5)

    drafts = drafts_create(choices=[order(product, store)], user=clerk)

    [line] = drafts.orders[0].lines.all()
    assert (line.quantity, line.packs, line.pack_size) == (12, 1, 12)


def test_a_tampered_quantity_is_refused_and_nothing_is_drafted(store, clerk):
    fine = stocked(store, 1, minimum=5, maximum=10, name="Fine")
    tampered = stocked(store, 1, minimum=5, maximum=10, name="Tampered")
    row = suggestion(tampered, store)

    with pytest.raises(
        ReplenishmentRefused, match="Tampered at Main Street: the suggestion is now 9"
    ):
        drafts_create(
            choices=[
                order(fine, store),
                DraftChoice(level_id=row.pk, action="order", quantity=D("900")),
            ],
            user=clerk,
        )

    assert nothing_drafted()


def test_unknown_and_archived_lines_are_named_and_nothing_is_drafted(store, clerk):
    fine = stocked(store, 1, minimum=5, maximum=10)
    archived = stocked(store, 1, minimum=5, maximum=10, name="Old glue")
    choices = [order(fine, store), order(archived, store)]
    archived.archive()
    choices.append(DraftChoice(level_id=10**9, action="order", quantity=D("1")))

    with pytest.raises(ReplenishmentRefused) as refused:
        drafts_create(choices=choices, user=clerk)

    assert "Old glue is archived" in str(refused.value)
    assert f"line {10**9} is not a stock row" in str(refused.value)
    assert nothing_drafted()


def test_a_transfer_without_a_surplus_is_refused(store, clerk):
    product = stocked(store, 1, minimum=5, maximum=10, name="Glue")
    row = suggestion(product, store)

    with pytest.raises(ReplenishmentRefused, match="no other store has Glue to spare"):
        drafts_create(
            choices=[DraftChoice(level_id=row.pk, action="transfer", quantity=D("9"))], user=clerk
        )

    assert nothing_drafted()


def test_an_archived_supplier_is_refused(store, clerk):
    product = stocked(store, 1, minimum=5, maximum=10, name="Glue")
    choices = [order(product, store)]
    product.supplier.archive()

    with pytest.raises(ReplenishmentRefused, match=r"supplier .* is archived"):
        drafts_create(choices=choices, user=clerk)

    assert nothing_drafted()


def test_a_line_more_than_a_document_line_holds_is_refused(store, clerk):
    product = stocked(store, 0, minimum=2_000_000, maximum=3_000_000, cost_price=D("0.01"))

    with pytest.raises(ReplenishmentRefused, match="more than one line may hold"):
        drafts_create(choices=[order(product, store)], user=clerk)

    assert nothing_drafted()


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ([], "select at least one line"),
        ([DraftChoice(1, "order", D("1"))] * 2, "selected twice"),
        ([DraftChoice(n, "order", D("1")) for n in range(1, 102)], "at most 100 lines"),
    ],
)
def test_empty_duplicate_and_oversized_selections_are_refused(clerk, choices, message):
    with pytest.raises(ReplenishmentRefused, match=message):
        drafts_create(choices=choices, user=clerk)

    assert nothing_drafted()


# Transfers share what their source can spare ---------------------------------------------


def two_stores_fetching_from(source, spare):
    """A product ``source`` holds ``spare`` above its maximum of 20, that two other stores
    (nothing on hand, minimum 2, maximum 10) each want 10 of."""
    east, west = StoreFactory(name="East"), StoreFactory(name="West")
    product = stocked(source, 20 + spare, minimum=5, maximum=20, name="Glue")
    for destination in (east, west):
        set_rule(product, destination, minimum=2, maximum=10)
    return product, east, west


def drafted_from(source) -> Decimal:
    return sum(
        (
            line.quantity
            for t in Transfer.objects.filter(from_store=source)
            for line in t.lines.all()
        ),
        D("0"),
    )


@pytest.mark.parametrize(("spare", "left"), [(10, "0 pcs"), (15, "5 pcs")])
def test_lines_of_one_batch_never_take_more_than_the_source_can_spare(store, clerk, spare, left):
    product, east, west = two_stores_fetching_from(store, spare)
    # Each row, worked out alone, fetches 10: the surplus would be given away twice.
    choices = [transfer(product, east), transfer(product, west)]
    assert [choice.quantity for choice in choices] == [10, 10]

    with pytest.raises(ReplenishmentRefused) as refused:
        drafts_create(choices=choices, user=clerk)

    assert f"Glue at West: Main Street has {left} left to spare once the other lines" in str(
        refused.value
    )
    assert nothing_drafted()


def test_lines_of_one_batch_fetching_what_the_source_can_spare_are_drafted(store, clerk):
    product, east, west = two_stores_fetching_from(store, 20)

    drafts = drafts_create(choices=[transfer(product, east), transfer(product, west)], user=clerk)

    assert len(drafts.transfers) == 2
    assert drafted_from(store) == 20


def test_a_later_batch_fetches_only_what_the_earlier_drafts_left(store, clerk):
    product, east, west = two_stores_fetching_from(store, 15)
    stale = transfer(product, west)  # the page, read before East's draft: 10

    drafts_create(choices=[transfer(product, east)], user=clerk)

    with pytest.raises(ReplenishmentRefused, match="Glue at West: the suggestion is now 5 pcs"):
        drafts_create(choices=[stale], user=clerk)
    drafts_create(choices=[transfer(product, west)], user=clerk)
    assert drafted_from(store) == 15
    assert not replenishment_needs().filter(product=product).exists()  # both covered now


def test_a_transfer_from_another_store_than_the_page_showed_is_refused(store, clerk):
    north, south = StoreFactory(name="North"), StoreFactory(name="South")
    product = stocked(store, 0, minimum=5, maximum=10, name="Glue")
    stock_up(product, north, 30)  # surplus 20 (default maximum 10)
    stock_up(product, south, 25)  # surplus 15
    shown = transfer(product, store)
    assert shown.from_store_id == north.pk
    for choice, message in [
        (
            DraftChoice(shown.level_id, "transfer", shown.quantity, from_store_id=south.pk),
            "Glue at Main Street: the transfer would now come from North",
        ),
        (
            DraftChoice(shown.level_id, "transfer", shown.quantity),
            "Glue at Main Street: the transfer would now come from North",
        ),
    ]:
        with pytest.raises(ReplenishmentRefused, match=message):
            drafts_create(choices=[choice], user=clerk)

    assert nothing_drafted()


def test_products_of_archived_suppliers_are_named_when_refused(store, clerk):
    product = stocked(store, 1, minimum=5, maximum=10, name="Glue")
    choices = [order(product, store)]
    product.supplier.archive()

    with pytest.raises(ReplenishmentRefused, match=r"Glue's supplier .* is archived"):
        drafts_create(choices=choices, user=clerk)

    assert not replenishment_needs().exists()
    assert nothing_drafted()
