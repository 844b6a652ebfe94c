"""Units of measure: a managed list, decimal quantities where the unit allows them.

Pieces are counted whole, metres and kilograms to three places; a quantity
finer than its unit allows is a clear message on every way in (forms, the
engine, the admin), and quantities read "1,347 pcs", "2.5 m" everywhere.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.quantities import format_quantity, plain_quantity
from products.models import Product, StockLevel, StockMovement, StockRule, Unit
from products.services import QuantityRefused, StockChange, move_stock, stock_adjust
from products.tests.factories import ProductFactory, stock_up
from stores.tests.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]


@pytest.fixture
def units():
    return Unit.objects.standard()


@pytest.fixture
def cable(units, store):
    product = ProductFactory(
        name="Copper cable", unit=units["m"], cost_price=Decimal("0.80"), sale_price=Decimal("1.99")
    )
    stock_up(product, store, Decimal("10"), unit_cost=Decimal("0.80"))
    return product


@pytest.fixture
def drill(store):
    product = ProductFactory(name="Cordless drill", sale_price=Decimal("89.00"))
    stock_up(product, store, 5)
    return product


# The unit's rule


@pytest.mark.parametrize(
    ("symbol", "quantity", "refusal"),
    [
        ("pcs", "3", None),
        ("pcs", "3.000", None),
        ("pcs", "2.5", "counted in whole pieces: 2.5 is not a whole number"),
        ("m", "2.5", None),
        ("m", "0.001", None),
        ("m", "0.0005", "counted in metres to at most 3 decimal places: 0.0005 has more"),
        ("pcs", "-0.5", "counted in whole pieces: -0.5 is not a whole number"),
        (
            "pcs",
            "1E+40",
            "counted in pieces: 10000000000000000000000000000000000000000 is far too large",
        ),
    ],
)
def test_a_unit_says_which_quantities_it_allows(units, symbol, quantity, refusal):
    assert units[symbol].refusal(Decimal(quantity)) == refusal


def test_a_unit_with_one_place_says_so(units):
    tenths = Unit.objects.create(
        symbol="kWh", name="kilowatt-hour", plural="kilowatt-hours", decimal_places=1
    )
    assert tenths.refusal(Decimal("2.5")) is None
    assert tenths.refusal(Decimal("2.55")) == (
        "counted in kilowatt-hours to at most one decimal place: 2.55 has more"
    )


@pytest.mark.parametrize(
    ("quantity", "unit", "shown"),
    [
        (Decimal("1347.000"), "pcs", "1,347 pcs"),
        (Decimal("2.500"), "m", "2.5 m"),
        (Decimal("1000"), "m", "1,000 m"),
        (Decimal("0.000"), "kg", "0 kg"),
        (Decimal("-3.250"), None, "-3.25"),
        (Decimal("1234567.125"), "m", "1,234,567.125 m"),
    ],
)
def test_quantities_read_with_grouped_thousands_and_no_trailing_zeros(quantity, unit, shown):
    assert format_quantity(quantity, unit) == shown


def test_signed_quantities_keep_their_sign():
    assert plain_quantity(Decimal("2.500"), signed=True) == "+2.5"
    assert plain_quantity(Decimal("-3.000"), signed=True) == "-3"


# The engine


def test_the_engine_moves_parts_of_a_metre_exactly(cable, store):
    for _ in range(3):
        move_stock(store=store, changes=[StockChange(cable.pk, Decimal("-0.1"))], kind="adjustment")
    move_stock(store=store, changes=[StockChange(cable.pk, Decimal("-9.7"))], kind="adjustment")

    # 10 - 0.1 - 0.1 - 0.1 - 9.7 is 0 exactly, on SQLite too (floating point would leave
    # -0.0000000000000007, which the database's CHECK (quantity >= 0) refuses).
    level = StockLevel.objects.get(product=cable, store=store)
    assert level.quantity == 0
    assert list(
        StockMovement.objects.filter(product=cable)
        .order_by("pk")
        .values_list("balance_after", flat=True)
    ) == [Decimal("10"), Decimal("9.9"), Decimal("9.8"), Decimal("9.7"), Decimal("0")]
    assert StockMovement.objects.filter(product=cable).order_by("pk").last().value == Decimal(
        "-7.76"
    )


def test_the_engine_refuses_half_a_drill_and_writes_nothing(drill, cable, store):
    before = StockMovement.objects.count()

    with pytest.raises(QuantityRefused) as refused:
        move_stock(
            store=store,
            changes=[
                StockChange(cable.pk, Decimal("-1.5")),
                StockChange(drill.pk, Decimal("-2.5")),
            ],
            kind="adjustment",
        )

    assert (
        str(refused.value) == "Cordless drill is counted in whole pieces: 2.5 is not a whole number"
    )
    assert StockMovement.objects.count() == before
    assert StockLevel.objects.get(product=cable).quantity == 10


def test_stocktake_counts_a_part_kilogram(units, store, manager):
    nails = ProductFactory(name="Loose nails", unit=units["kg"])
    stock_up(nails, store, Decimal("3.25"))

    movement = stock_adjust(
        product=nails, store=store, user=manager, reason="count", counted=Decimal("2.875")
    )

    assert movement.quantity == Decimal("-0.375")
    assert StockLevel.objects.get(product=nails).quantity == Decimal("2.875")


# Pages


def test_stock_adjustment_form_refuses_half_a_drill(manager_client, store, drill):
    response = manager_client.post(
        reverse("products:adjust", args=[drill.pk]),
        {
            "adjust-store": store.pk,
            "adjust-mode": "change",
            "adjust-quantity": "-0.5",
            "adjust-reason": "broken",
        },
        follow=True,
    )

    assert "Cordless drill is counted in whole pieces: -0.5 is not a whole number." in (
        response.content.decode()
    )
    assert StockLevel.objects.get(product=drill).quantity == 5


def test_stock_adjustment_form_takes_a_part_metre(manager_client, store, cable):
    response = manager_client.post(
        reverse("products:adjust", args=[cable.pk]),
        {
            "adjust-store": store.pk,
            "adjust-mode": "counted",
            "adjust-quantity": "9.25",
            "adjust-reason": "count",
        },
        follow=True,
    )

    assert (
        "Stock of Copper cable at Main Street is now 9.25 m (-0.75 m)." in response.content.decode()
    )
    assert StockLevel.objects.get(product=cable).quantity == Decimal("9.25")


def test_product_pages_show_quantities_with_their_unit(manager_client, store, cable, drill):
    stock_up(drill, store, 1342)

    listing = manager_client.get(reverse("products:list")).content.decode()
    detail = manager_client.get(cable.get_absolute_url()).content.decode()

    assert "1,347 pcs" in listing
    assert "10 m" in listing
    assert 'data-testid="on-hand-total">10 m<' in detail


# The product form and the managed list


def product_data(product, **changes):
    data = {
        "sku": product.sku,
        "name": product.name,
        "category": product.category_id,
        "supplier": product.supplier_id,
        "unit": product.unit.symbol,
        "pack_size": "",
        "pack_name": "",
        "cost_price": "1.00",
        "sale_price": "2.00",
        "reorder_level": "0",
        "description": "",
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        (
            {"reorder_level": "2.5"},
            "reorder_level",
            "This product is counted in whole pieces: 2.5 is not a whole number.",
        ),
        (
            {"pack_size": "0.5"},
            "pack_size",
            "This product is counted in whole pieces: 0.5 is not a whole number.",
        ),
        ({"pack_name": "box"}, "pack_size", "Give the pack's size, or leave its name empty."),
        ({"pack_size": "0"}, "pack_size", "Ensure this value is greater than or equal to 0.001."),
    ],
)
def test_the_product_form_checks_quantities_against_the_unit(
    manager_client, drill, changes, field, error
):
    response = manager_client.post(drill.get_absolute_url(), product_data(drill, **changes))

    assert response.context["form"].errors[field] == [error]


def test_a_product_in_metres_takes_a_part_metre_reorder_level(manager_client, units, drill):
    response = manager_client.post(
        drill.get_absolute_url(), product_data(drill, unit="m", reorder_level="12.5")
    )

    assert response.status_code == 302
    drill.refresh_from_db()
    assert (drill.unit.symbol, drill.reorder_level) == ("m", Decimal("12.5"))


def test_a_product_holding_part_metres_cannot_turn_to_pieces(manager_client, cable, store):
    move_stock(store=store, changes=[StockChange(cable.pk, Decimal("-0.5"))], kind="adjustment")

    response = manager_client.post(cable.get_absolute_url(), product_data(cable, unit="pcs"))

    assert response.context["form"].errors["unit"] == [
        "This product's stock is held in parts finer than pieces allow; count it again, "
        "or keep the unit."
    ]
    cable.refresh_from_db()
    assert cable.unit.symbol == "m"


@pytest.mark.parametrize(
    "rule",
    [
        {"minimum": Decimal("2.5")},
        {"maximum": Decimal("7.5")},
        {"multiple": Decimal("0.5")},
    ],
)
def test_a_product_with_part_metre_rules_cannot_turn_to_pieces(
    manager_client, cable, store, other_store, rule
):
    # Whole metres at Main Street; the part metre at the other store.
    StockLevel.objects.set_rules(
        [
            StockRule(cable.pk, store.pk, Decimal("2"), Decimal("6"), Decimal("2")),
            StockRule(cable.pk, other_store.pk, **rule),
        ]
    )

    response = manager_client.post(cable.get_absolute_url(), product_data(cable, unit="pcs"))

    assert response.context["form"].errors["unit"] == [
        f"The minimum, maximum or order multiple at {other_store.name} has parts finer than "
        "pieces allow; change those rules first, or keep the unit."
    ]
    cable.refresh_from_db()
    assert cable.unit.symbol == "m"


def test_a_product_with_whole_metre_rules_turns_to_pieces(manager_client, cable, store):
    StockLevel.objects.set_rules(
        [StockRule(cable.pk, store.pk, minimum=Decimal("2"), maximum=Decimal("6.000"))]
    )  # no multiple of its own: a blank is no finer than any unit

    response = manager_client.post(cable.get_absolute_url(), product_data(cable, unit="pcs"))

    assert response.status_code == 302
    cable.refresh_from_db()
    assert cable.unit.symbol == "pcs"


def test_managers_add_a_unit_and_products_use_it(manager_client):
    response = manager_client.post(
        reverse("units:list"),
        {"name": "square metre", "plural": "square metres", "symbol": "m²", "decimal_places": "2"},
    )

    assert response.status_code == 302
    assert Unit.objects.get(symbol="m²").decimal_places == 2
    assert "square metre" in manager_client.get(reverse("units:list")).content.decode()


def test_a_unit_cannot_lose_places_its_stock_uses(manager_client, units, cable, store):
    def to_places(places):
        return manager_client.post(
            units["m"].get_absolute_url(),
            {"name": "metre", "plural": "metres", "symbol": "m", "decimal_places": places},
        )

    # 10 m held: whole metres, so metres may become whole.
    assert to_places("0").status_code == 302
    assert to_places("3").status_code == 302
    move_stock(store=store, changes=[StockChange(cable.pk, Decimal("-2.25"))], kind="adjustment")

    response = to_places("1")

    assert response.context["form"].errors["decimal_places"] == [
        "Stock of Copper cable is held, in transit or on order in parts finer than 0.1 m; keep the "
        "decimal places, "
        "or make a new unit."
    ]
    units["m"].refresh_from_db()
    assert units["m"].decimal_places == 3


def test_a_unit_in_use_is_not_deleted_but_may_be_archived(manager_client, units, drill):
    response = manager_client.post(reverse("units:delete", args=[units["pcs"].pk]), follow=True)

    assert Unit.objects.filter(pk=units["pcs"].pk).exists()
    assert "archive" in response.content.decode().lower()


# Sums of parts of a unit, on every database


def test_a_product_at_its_reorder_level_in_parts_of_a_metre_needs_attention(units, store):
    # 0.1 + 0.2 is 0.30000000000000004 in floating point, as SQLite adds.
    cable = ProductFactory(name="Thin cable", unit=units["m"], reorder_level=Decimal("0.3"))
    stock_up(cable, store, Decimal("0.1"))
    stock_up(cable, StoreFactory(), Decimal("0.2"))

    assert list(Product.objects.below_reorder_level()) == [cable]


def test_quantities_summed_as_floating_point_read_exactly():
    assert format_quantity(Decimal("99.9999999999986"), "m") == "100 m"
    assert plain_quantity(Decimal("0.30000000000000004")) == "0.3"


def test_a_count_the_unit_no_longer_allows_is_a_message_not_an_error_page(
    manager_client, store, cable, units
):
    move_stock(store=store, changes=[StockChange(cable.pk, Decimal("0.5"))], kind="adjustment")
    # Its unit changed behind the product form's back (the admin's bulk tools, a script).
    Product.objects.filter(pk=cable.pk).update(unit=units["pcs"])

    response = manager_client.post(
        reverse("products:adjust", args=[cable.pk]),
        {
            "adjust-store": store.pk,
            "adjust-mode": "counted",
            "adjust-quantity": "10",
            "adjust-reason": "count",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert (
        "The adjustment was not saved. Copper cable is counted in whole pieces: 0.5 is not a "
        "whole number." in response.content.decode()
    )
    assert StockLevel.objects.get(product=cable).quantity == Decimal("10.5")
