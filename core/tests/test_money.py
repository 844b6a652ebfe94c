"""Per-line rounding, tax and sharing out: the arithmetic every document's money rests on."""

from decimal import Decimal as D

import pytest

from core.money import TaxBand, round_money, share_out, split_tax, tax_bands


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        (D("0.005"), D("0.01")),  # half goes up, never to even
        (D("0.015"), D("0.02")),
        (D("0.025"), D("0.03")),
        (D("2.675"), D("2.68")),  # a float would make this 2.67
        (D("1.004999"), D("1.00")),
        (D("-0.125"), D("-0.13")),  # away from zero below it, as receipts do
        (D("4.17915"), D("4.18")),  # 1.255 m at 3.33
    ],
)
def test_money_rounds_half_up_to_cents(amount, rounded):
    assert round_money(amount) == rounded


def test_tax_added_to_a_net_amount_is_rounded_on_the_line():
    taxed = split_tax(D("1.05"), D("5"), includes_tax=False)  # 0.0525

    assert (taxed.net, taxed.tax, taxed.gross) == (D("1.05"), D("0.05"), D("1.10"))
    assert split_tax(D("0.10"), D("25"), includes_tax=False).tax == D("0.03")  # 0.025 up


def test_tax_taken_out_of_a_price_that_includes_it_leaves_net_plus_tax_equal_to_the_price():
    taxed = split_tax(D("9.99"), D("20"), includes_tax=True)  # 8.325 net

    assert (taxed.net, taxed.tax, taxed.gross) == (D("8.33"), D("1.66"), D("9.99"))


def test_no_tax_leaves_the_amount_as_it_is():
    for includes_tax in (True, False):
        taxed = split_tax(D("7.77"), D("0"), includes_tax=includes_tax)
        assert (taxed.net, taxed.tax) == (D("7.77"), D("0.00"))


def test_sharing_out_gives_the_left_over_cents_to_the_largest_remainders():
    assert share_out(D("10.00"), [D("1"), D("1"), D("1")]) == [D("3.34"), D("3.33"), D("3.33")]
    assert share_out(D("1.00"), [D("30"), D("60"), D("10")]) == [D("0.30"), D("0.60"), D("0.10")]
    # 0.05 over 0.02 / 0.02 / 0.06: exact shares 0.01, 0.01, 0.03.
    assert share_out(D("0.05"), [D("0.02"), D("0.02"), D("0.06")]) == [
        D("0.01"),
        D("0.01"),
        D("0.03"),
    ]


@pytest.mark.parametrize(
    "weights",
    [[D("0.01")] * 7, [D("3.33"), D("0.01"), D("99.99")], [D("1"), D("0"), D("2")], [D("5")]],
)
@pytest.mark.parametrize("total", [D("0.00"), D("0.01"), D("0.07"), D("1.00"), D("99.99")])
def test_shares_always_add_up_to_the_total_and_none_is_negative(weights, total):
    shares = share_out(total, weights)

    assert sum(shares) == total
    assert all(share >= 0 for share in shares)


def test_nothing_to_share_over_gives_nothing():
    assert share_out(D("5.00"), []) == []
    assert share_out(D("5.00"), [D("0"), D("0")]) == [D("0.00"), D("0.00")]


def test_tax_bands_sum_each_rate_lowest_first():
    bands = tax_bands(
        [
            (D("20"), D("10.00"), D("2.00")),
            (D("5"), D("4.00"), D("0.20")),
            (D("20"), D("1.00"), D("0.20")),
        ]
    )

    assert bands == [TaxBand(D("5"), D("4.00"), D("0.20")), TaxBand(D("20"), D("11.00"), D("2.20"))]
