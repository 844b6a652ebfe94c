"""Valuation by replay across purchases and sales: a void revalues its products as if the
document had never been recorded, re-costs the sales since, and is refused when later
movements took the units it brought; the void's page says what it will change first.
"""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from products.models import StockMovement
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import average_cost, only_movement, stock_snapshot
from products.valuation import ValuationRefused, preview_void
from purchases.services import purchase_void
from purchases.tests.factories import make_purchase
from sales.models import SaleDay, SaleLine
from sales.services import sale_void
from sales.tests.factories import make_sale

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

Kind = StockMovement.Kind


@pytest.fixture
def widget():
    return ProductFactory(name="Widget", sale_price=Decimal("120.00"))


def day_cost() -> Decimal:
    return sum((day.cost for day in SaleDay.objects.all()), Decimal("0"))


def line_cost(sale) -> Decimal:
    return SaleLine.objects.get(sale=sale).unit_cost


@pytest.fixture
def average_inflated_by_a_purchase(store, widget, clerk):
    """5 on hand at $10, then 10 bought at $100 (average $70), then 1 sold (at $70)."""
    stock_up(widget, store, 5, Decimal("10.00"))
    purchase = make_purchase(store=store, user=clerk, lines=[(widget, 10, Decimal("100.00"))])
    sale = make_sale(store=store, user=clerk, lines=[(widget, 1)])
    return purchase, sale


def test_void_of_a_purchase_before_a_sale_gives_back_the_average_and_the_sale_cost(
    store, widget, clerk, average_inflated_by_a_purchase
):
    purchase, sale = average_inflated_by_a_purchase
    assert average_cost(widget) == Decimal("70.0000")
    assert line_cost(sale) == Decimal("70.0000")

    purchase_void(purchase=purchase, user=clerk, reason="Entered twice")

    # Before replay the void took 10 × $100 out of $980 and clamped the average at $0.
    assert average_cost(widget) == Decimal("10.0000")
    assert line_cost(sale) == Decimal("10.0000")
    assert day_cost() == Decimal("10.0000")
    sale_movement = only_movement(kind=Kind.SALE)
    assert (sale_movement.unit_cost, sale_movement.value) == (
        Decimal("10.0000"),
        Decimal("-10.0000"),
    )
    next_sale = make_sale(store=store, user=clerk, lines=[(widget, 2)])
    assert line_cost(next_sale) == Decimal("10.0000")
    out = StringIO()
    call_command("verify_stock", stdout=out)
    assert out.getvalue().startswith("OK:")


def test_every_movement_records_what_it_moved_and_the_average_after(
    store, widget, clerk, average_inflated_by_a_purchase
):
    purchase_movement = only_movement(kind=Kind.PURCHASE)
    assert not purchase_movement.at_average_cost
    assert (
        purchase_movement.unit_cost,
        purchase_movement.value,
        purchase_movement.average_cost_after,
    ) == (Decimal("100.0000"), Decimal("1000.0000"), Decimal("70.0000"))
    sale_movement = only_movement(kind=Kind.SALE)
    assert sale_movement.at_average_cost
    assert (
        sale_movement.unit_cost,
        sale_movement.value,
        sale_movement.average_cost_after,
    ) == (Decimal("70.0000"), Decimal("-70.0000"), Decimal("70.0000"))
    # The stock value is the ledger's: $50 + $1,000 − $70, the 14 units left at $70.
    total = sum(StockMovement.objects.values_list("value", flat=True))
    assert total == Decimal("980.0000") == 14 * average_cost(widget)


def test_purchase_void_refused_when_later_sales_took_its_units(store, widget, clerk):
    first = make_purchase(store=store, user=clerk, lines=[(widget, 10, Decimal("5.00"))])
    sale = make_sale(store=store, user=clerk, lines=[(widget, 8)])
    make_purchase(store=store, user=clerk, lines=[(widget, 10, Decimal("7.00"))])
    before = stock_snapshot()

    # The store holds 12, enough for the void's 10, but the 8 sold came from it.
    with pytest.raises(ValuationRefused) as refused:
        purchase_void(purchase=first, user=clerk, reason="Wrong supplier")

    assert f"Sale #{sale.pk} would take 8 × Widget when the books held 0" in str(refused.value)
    assert stock_snapshot() == before
    first.refresh_from_db()
    assert not first.is_voided


def test_sale_void_recosts_the_sales_after_it(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("10.00"))
    early = make_sale(store=store, user=clerk, lines=[(widget, 5)])
    make_purchase(store=store, user=clerk, lines=[(widget, 5, Decimal("20.00"))])
    later = make_sale(store=store, user=clerk, lines=[(widget, 2)])
    assert line_cost(later) == Decimal("15.0000")  # (5 × 10 + 5 × 20) / 10

    sale_void(sale=early, user=clerk, reason="Customer changed their mind")

    # As if the early sale never happened: (10 × 10 + 5 × 20) / 15.
    assert line_cost(later) == Decimal("13.3333")
    assert average_cost(widget) == Decimal("13.3333")
    assert day_cost() == 2 * Decimal("13.3333")
    # The voided sale keeps the cost it had, and its void gives back exactly that.
    assert line_cost(early) == Decimal("10.0000")
    assert only_movement(kind=Kind.SALE_VOID).value == Decimal("50.0000")


def test_revaluation_rewrites_only_the_movements_after_the_voided_document(
    store, widget, clerk, django_assert_max_num_queries
):
    stock_up(widget, store, 50, Decimal("10.00"))
    for _ in range(5):
        make_sale(store=store, user=clerk, lines=[(widget, 1)])
    purchase = make_purchase(store=store, user=clerk, lines=[(widget, 10, Decimal("40.00"))])
    for _ in range(3):
        make_sale(store=store, user=clerk, lines=[(widget, 1)])
    before = dict(StockMovement.objects.values_list("pk", "unit_cost"))

    purchase_void(purchase=purchase, user=clerk, reason="Duplicate")

    after = dict(StockMovement.objects.values_list("pk", "unit_cost"))
    changed = sorted(pk for pk in before if before[pk] != after[pk])
    later_sales = StockMovement.objects.filter(kind=Kind.SALE).order_by("pk")[5:]
    assert changed == [movement.pk for movement in later_sales]
    assert set(SaleLine.objects.values_list("unit_cost", flat=True)) == {Decimal("10.0000")}


def test_preview_says_what_the_void_will_change(
    store, widget, clerk, average_inflated_by_a_purchase
):
    purchase, sale = average_inflated_by_a_purchase
    before = stock_snapshot()

    [revaluation] = preview_void(Kind.PURCHASE, purchase.pk)

    assert stock_snapshot() == before  # a preview writes nothing
    assert (revaluation.old_average, revaluation.new_average) == (
        Decimal("70.0000"),
        Decimal("10.0000"),
    )
    [change] = revaluation.cost_changes
    assert (change.document_id, change.value_change) == (sale.pk, Decimal("-60.0000"))


def test_purchase_page_shows_the_void_effects_before_confirming(
    manager_client, widget, average_inflated_by_a_purchase
):
    purchase, _ = average_inflated_by_a_purchase

    response = manager_client.get(reverse("purchases:detail", args=[purchase.pk]))

    assert response.status_code == 200
    assert (
        "Average cost of Widget $70.00 → $10.00; the cost of 1 later sale changes by -$60.00."
        in response.content.decode()
    )


def test_purchase_page_warns_when_the_void_would_be_refused(manager_client, store, widget, clerk):
    first = make_purchase(store=store, user=clerk, lines=[(widget, 10, Decimal("5.00"))])
    make_sale(store=store, user=clerk, lines=[(widget, 8)])
    make_purchase(store=store, user=clerk, lines=[(widget, 10, Decimal("7.00"))])

    page = manager_client.get(reverse("purchases:detail", args=[first.pk]))
    response = manager_client.post(
        reverse("purchases:void", args=[first.pk]), {"reason": "Wrong"}, follow=True
    )

    assert "Voiding is refused: without it, Sale #" in page.content.decode()
    assert response.status_code == 200
    assert f"Purchase #{first.pk} cannot be voided: without it, Sale #" in (
        response.content.decode()
    )
    first.refresh_from_db()
    assert not first.is_voided


def test_verify_stock_finds_a_wrong_valuation_and_fix_revalues_it(
    store, widget, clerk, average_inflated_by_a_purchase
):
    # A database written before valuation by replay: a sale costed at $0 and a
    # zero average, as the old void left them.
    SaleLine.objects.update(unit_cost=Decimal("0"))
    SaleDay.objects.update(cost=Decimal("0"))
    StockMovement.objects.filter(kind=Kind.SALE).update(unit_cost=Decimal("0"), value=0)
    widget.__class__.objects.filter(pk=widget.pk).update(average_cost=Decimal("0"))
    out = StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("verify_stock", stdout=out)

    assert "1 product(s) are valued differently from their ledger" in str(failed.value)
    assert "average cost 0.0000, replayed 70.0000" in out.getvalue()

    fixed = StringIO()
    call_command("verify_stock", "--fix", stdout=fixed)

    assert "revalued 1 movement(s), 1 sale cost(s); average cost 70.0000" in fixed.getvalue()
    assert average_cost(widget) == Decimal("70.0000")
    _, sale = average_inflated_by_a_purchase
    assert line_cost(sale) == Decimal("70.0000")
