"""Running totals are compared with their lines to the places they keep, and on SQLite
within what its floating-point sums can hold."""

from decimal import Decimal

import pytest
from django.db import connection

from core.totals import totals_differences


def differs(stored, recomputed) -> bool:
    return bool(
        totals_differences("Day", {1: {"cost": recomputed}}, {1: {"cost": stored}}, ["cost"])
    )


@pytest.mark.django_db
def test_a_cost_total_differing_in_its_seventh_place_is_a_difference():
    assert differs(Decimal("1.0000001"), Decimal("1.0000002"))
    assert not differs(Decimal("1.0000001"), Decimal("1.0000001"))


@pytest.mark.django_db
def test_floating_point_noise_of_a_large_sum_is_no_difference_on_sqlite_only():
    # 40,171,992.5875000 as SQLite sums it in doubles.
    noise = differs(Decimal("40171992.5875000"), Decimal("40171992.5874999"))

    assert noise is (connection.vendor != "sqlite")


@pytest.mark.django_db
def test_differences_read_plainly():
    [line] = totals_differences(
        "Sales on 2026-03-02",
        {"x": {"units": Decimal("3.000"), "value": Decimal("7.50000")}},
        {"x": {"units": Decimal("4.000"), "value": Decimal("7.50000")}},
        ["units", "value"],
    )
    assert line == (
        "Sales on 2026-03-02 x: stored {'units': 4, 'value': 7.5}, "
        "recomputed {'units': 3, 'value': 7.5}"
    )
