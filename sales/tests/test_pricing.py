"""What a sale line is charged (sales.pricing): discounts, the sale's discount, tax, and who
may change prices."""

from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.utils import translation

from sales.pricing import (
    Discount,
    LineToPrice,
    PricingError,
    below_cost,
    override_refusals,
    price_lines,
)


@pytest.mark.parametrize(
    ("text", "discount"),
    [
        ("10%", Discount(percent=D("10"))),
        (" 12.5 % ", Discount(percent=D("12.5"))),
        ("2.50", Discount(amount=D("2.50"))),
        ("1,000", Discount(amount=D("1000"))),
        ("", None),
        ("0", None),
        ("0%", None),
    ],
)
def test_a_discount_is_typed_as_a_percentage_or_an_amount(text, discount):
    assert Discount.parse(text) == discount


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "is not a discount"),
        ("-5", "cannot be negative"),
        ("-5%", "cannot be negative"),
        ("101%", "more than 100%"),
        ("1.005", "two decimal places"),
        ("NaN", "is not a discount"),
        ("Infinity%", "is not a discount"),
        ("%", "is not a discount"),
    ],
)
def test_a_discount_that_is_not_one_is_refused_with_a_message(text, message):
    with pytest.raises(ValueError, match=message):
        Discount.parse(text)


def line(quantity, price, tax="0", discount=None):
    return LineToPrice(
        quantity=D(quantity), unit_price=D(price), tax_percent=D(tax), discount=discount
    )


def test_each_line_is_rounded_then_taxed_on_top_when_prices_exclude_tax():
    priced = price_lines(
        [line("1.255", "3.33", tax="20"), line("3", "0.35", tax="5")],
        discount=None,
        includes_tax=False,
    )

    # 4.17915 → 4.18, tax 0.836 → 0.84; 1.05, tax 0.0525 → 0.05.
    assert [(p.amount, p.net, p.tax) for p in priced] == [
        (D("4.18"), D("4.18"), D("0.84")),
        (D("1.05"), D("1.05"), D("0.05")),
    ]


def test_prices_that_include_tax_have_it_taken_out_of_each_line():
    (priced,) = price_lines([line("1", "9.99", tax="20")], discount=None, includes_tax=True)

    assert (priced.net, priced.tax, priced.gross) == (D("8.33"), D("1.66"), D("9.99"))


def test_a_line_discount_comes_off_the_line_before_tax():
    priced = price_lines(
        [
            line("3", "10.00", tax="20", discount=Discount(percent=D("10"))),
            line("1", "5.00", discount=Discount(amount=D("1.25"))),
        ],
        discount=None,
        includes_tax=False,
    )

    assert [(p.discount, p.net, p.tax) for p in priced] == [
        (D("3.00"), D("27.00"), D("5.40")),
        (D("1.25"), D("3.75"), D("0.00")),
    ]


def test_the_sales_discount_is_shared_over_its_lines_to_the_cent():
    priced = price_lines(
        [line("1", "10.00"), line("1", "10.00"), line("1", "10.00")],
        discount=Discount(amount=D("10.00")),
        includes_tax=False,
    )

    assert [p.document_discount for p in priced] == [D("3.34"), D("3.33"), D("3.33")]
    assert sum(p.net for p in priced) == D("20.00")


def test_a_percentage_off_the_sale_is_of_the_lines_after_their_own_discounts():
    priced = price_lines(
        [line("2", "10.00", discount=Discount(amount=D("5.00"))), line("1", "5.00")],
        discount=Discount(percent=D("10")),
        includes_tax=False,
    )

    # 15.00 + 5.00 = 20.00 after the line's own; 10 % of it is 2.00, shared 1.50 / 0.50.
    assert [p.document_discount for p in priced] == [D("1.50"), D("0.50")]
    assert [p.net for p in priced] == [D("13.50"), D("4.50")]


def test_a_discount_larger_than_what_it_applies_to_is_refused():
    with pytest.raises(PricingError, match="Line 1: the discount"):
        price_lines(
            [line("1", "2.00", discount=Discount(amount=D("2.01")))],
            discount=None,
            includes_tax=False,
        )
    with pytest.raises(PricingError, match="The sale's discount"):
        price_lines([line("1", "2.00")], discount=Discount(amount=D("3")), includes_tax=False)


def test_a_whole_line_given_away_is_allowed_and_costs_nothing_in_tax():
    (priced,) = price_lines(
        [line("1", "2.00", tax="20", discount=Discount(percent=D("100")))],
        discount=None,
        includes_tax=False,
    )

    assert (priced.net, priced.tax) == (D("0.00"), D("0.00"))


class Perms(SimpleNamespace):
    def has_perm(self, name):
        return name in self.perms


def sold(price, list_price="10.00", name="Widget"):
    return SimpleNamespace(
        product=SimpleNamespace(name=name, sale_price=D(list_price)), unit_price=D(price)
    )


def test_without_the_permission_the_list_price_and_the_limit_are_the_rules(settings):
    settings.CLERK_MAX_DISCOUNT_PERCENT = 5
    clerk = Perms(perms=set())
    lines = [sold("9.00", name="Cheaper"), sold("10.00", name="Five"), sold("10.00", name="Six")]
    priced = price_lines(
        [
            line("1", "9.00"),
            line("1", "10.00", discount=Discount(percent=D("5"))),
            line("1", "10.00", discount=Discount(percent=D("6"))),
        ],
        discount=None,
        includes_tax=False,
    )

    refusals = override_refusals(clerk, lines, priced)

    assert refusals == [
        "Cheaper: the price is $10.00; changing it needs a manager",
        "Six: a discount of 6.0% needs a manager (you may give at most 5%)",
    ]
    assert override_refusals(Perms(perms={"sales.override_price"}), lines, priced) == []


def test_by_default_a_clerk_may_give_no_discount_at_all(settings):
    settings.CLERK_MAX_DISCOUNT_PERCENT = 0
    priced = price_lines(
        [line("1", "10.00")], discount=Discount(amount=D("0.01")), includes_tax=False
    )

    (refusal,) = override_refusals(Perms(perms=set()), [sold("10.00")], priced)

    assert refusal == "Widget: a discount of 0.1% needs a manager (you may give no discount)"


def test_below_cost_compares_the_net_amount_with_the_cost_of_the_units():
    unit = SimpleNamespace(symbol="pcs", decimal_places=0, name="piece", plural="pieces")
    product = SimpleNamespace(name="Widget", unit=unit)
    at_cost = SimpleNamespace(
        product=product, quantity=D("2"), net_amount=D("8.00"), unit_cost=D("4.0000")
    )
    below = SimpleNamespace(
        product=product, quantity=D("2"), net_amount=D("7.99"), unit_cost=D("4.0000")
    )

    assert below_cost([at_cost]) == []
    (message,) = below_cost([below])
    assert message.startswith("Widget: 2") and "$7.99 net, below their cost of $8.00" in message


def test_the_refusals_write_money_and_percentages_the_active_languages_way(settings):
    settings.CLERK_MAX_DISCOUNT_PERCENT = D("2.5")
    lines = [sold("1000.00", list_price="1009.00", name="Dearer"), sold("10.00", name="Six")]
    priced = price_lines(
        [line("1", "1000.00"), line("1", "10.00", discount=Discount(percent=D("6")))],
        discount=None,
        includes_tax=False,
    )

    with translation.override("de"):
        price, discount = override_refusals(Perms(perms=set()), lines, priced)

    assert "$1.009,00" in price
    assert "6,0" in discount and "2,5" in discount
    assert "needs a manager" not in price + discount  # the sentences are German too
