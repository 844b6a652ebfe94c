"""Stock valuation at the end of any day and stock ageing: figures, filters, sorting, pages,
CSV, bad input, who may see them, and a query count that does not grow with the data.

Every document is made through the real services, so the ledger holds what the shop
would have. "Now" is frozen: today is TODAY in a time zone far from UTC, and the stock
engine stamps its movements with the moment the ``clock`` fixture is set to (the field's
default is read from ``created_at``'s cached ``_get_default``, so patching
``django.utils.timezone.now`` would not reach it).
"""

import csv
import datetime
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CLERK
from accounts.tests.factories import staff_user
from core.quantities import plain_quantity
from dashboard.forms import MAX_DEAD_DAYS
from dashboard.reports import StockAgeingView, StockValuationView
from dashboard.valuation_reports import AGE_BANDS
from products.models import StockLevel, StockMovement
from products.services import stock_adjust
from products.tests.factories import CategoryFactory, ProductFactory, stock_up
from purchases.services import purchase_void
from purchases.tests.factories import make_purchase, receive
from sales.services import sale_void
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

D = Decimal
TODAY = datetime.date(2026, 3, 10)
VALUATION_URL = reverse("reports:valuation")
AGEING_URL = reverse("reports:ageing")


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


class Clock:
    """Sets the moment the stock engine stamps its next movements with."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.field = StockMovement._meta.get_field("created_at")

    def set(self, day: datetime.date, hour: int = 12, minute: int = 0) -> None:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        self.monkeypatch.setitem(self.field.__dict__, "_get_default", lambda: moment)


@pytest.fixture(autouse=True)
def clock(settings, monkeypatch):
    """Today is TODAY in Auckland (UTC+13 in March); movements are stamped at its noon."""
    settings.TIME_ZONE = "Pacific/Auckland"
    real_localdate = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)
    clock = Clock(monkeypatch)
    clock.set(TODAY)
    return clock


@pytest.fixture
def clerk_role_client(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk-role")
    clerk.groups.add(Group.objects.get(name=CLERK))
    client.force_login(clerk)
    return client


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def ordered(rows, key, descending=False):
    """Rows sorted like ``order_by(("-" if descending else "") + key, "pk")``."""
    by_pk = sorted(rows, key=lambda row: row["pk"])
    return sorted(by_pk, key=lambda row: row[key], reverse=descending)


def query_count(client, url, query) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


# Stock valuation ----------------------------------------------------------------------------


def valuation_rows(response) -> list[tuple]:
    return [
        (row["product_id"], row["units"], row["average_cost"], row["value"])
        for row in response.context["object_list"]
    ]


def current_rows(levels) -> list[dict]:
    """The valuation rows of today, worked out from stock levels and average costs."""
    rows = {}
    for level in levels:
        if level.quantity <= 0:
            continue
        product = level.product
        row = rows.setdefault(
            product.pk,
            {
                "pk": product.pk,
                "sku": product.sku,
                "product": product.name,
                "category": product.category.name,
                "units": 0,
                "average_cost": product.average_cost,
            },
        )
        row["units"] += level.quantity
    for row in rows.values():
        row["value"] = row["units"] * row["average_cost"]
    return list(rows.values())


def as_tuples(rows) -> list[tuple]:
    return [(row["pk"], row["units"], row["average_cost"], row["value"]) for row in rows]


@pytest.fixture
def shop():
    """Two stores, six products in two categories, bought at several costs, sold, voided."""
    alder, birch = StoreFactory(name="Alder"), StoreFactory(name="Birch")
    tools, paint = CategoryFactory(name="Tools"), CategoryFactory(name="Paint")
    products = [
        ProductFactory(name=f"Item {chr(65 + n)}", category=tools if n % 2 else paint)
        for n in range(6)
    ]
    for n, product in enumerate(products):
        receive(product, alder, 4 + n, D("2.25") + n)
        receive(product, birch, 2 + n % 3, D("3.50") + n)
    # Moves the average of the product at both stores.
    receive(products[1], alder, 6, D("8.75"))
    make_sale(store=alder, lines=[(products[0], 4)])  # sold out at Alder
    make_sale(store=birch, lines=[(products[2], 1), (products[3], 2)])
    voided = make_purchase(store=birch, lines=[(products[4], 5, D("20.00"))])
    purchase_void(purchase=voided, user=staff_user(), reason="wrong supplier")
    sale = make_sale(store=alder, lines=[(products[5], 3)])
    sale_void(sale=sale, user=staff_user(), reason="returned")
    stock_adjust(product=products[2], store=alder, user=staff_user(), reason="stocktake", change=-1)
    return alder, birch, tools, paint, products


def test_valuation_today_is_stock_on_hand_at_average_cost(manager_client, shop):
    alder, birch, *_ = shop
    levels = list(StockLevel.objects.select_related("product__category", "store"))
    expected = current_rows(levels)

    response = manager_client.get(VALUATION_URL)

    assert response.status_code == 200
    assert response.context["as_of"] == TODAY
    assert valuation_rows(response) == as_tuples(ordered(expected, "product")) != []
    total = response.context["total"]
    assert total["units"] == sum(level.quantity for level in levels)
    assert total["value"] == sum(level.quantity * level.product.average_cost for level in levels)
    by_store = {row["label"]: (row["units"], row["value"]) for row in response.context["by_store"]}
    assert by_store == {
        store.name: (
            sum(level.quantity for level in levels if level.store == store),
            sum(
                level.quantity * level.product.average_cost
                for level in levels
                if level.store == store
            ),
        )
        for store in (alder, birch)
    }
    by_category = {row["label"]: row["value"] for row in response.context["by_category"]}
    assert by_category == {
        name: sum(row["value"] for row in expected if row["category"] == name)
        for name in ("Paint", "Tools")
    }
    html = response.content.decode()
    assert "As of the end of March 10, 2026 (today)" in html
    assert 'data-testid="as-of-errors"' not in html


def test_valuation_of_a_past_day_keeps_the_stock_and_average_of_that_day(manager_client, clock):
    north, south = StoreFactory(name="North"), StoreFactory(name="South")
    product = ProductFactory(name="Widget")
    clock.set(days_ago(9))  # 1 March
    receive(product, north, 10, D("4.00"))
    clock.set(days_ago(8))
    receive(product, south, 5, D("7.00"))  # the average, over both stores: 5.0000
    clock.set(days_ago(7))
    make_sale(store=north, lines=[(product, 4)])
    clock.set(days_ago(5))
    receive(product, north, 14, D("10.50"))  # (11 × 5 + 14 × 10.50) / 25 = 8.08
    clock.set(TODAY)
    make_sale(store=south, lines=[(product, 5)])
    product.refresh_from_db()
    assert product.average_cost == D("8.0800")

    def valued(day, **query):
        response = manager_client.get(VALUATION_URL, {"as_of": day.isoformat(), **query})
        assert response.status_code == 200
        assert response.context["as_of"] == day
        return valuation_rows(response), response.context["total"]

    assert valued(days_ago(10)) == ([], {"units": 0, "value": 0})
    assert valued(days_ago(9)) == ([(product.pk, 10, D("4"), D("40"))], {"units": 10, "value": 40})
    assert valued(days_ago(8))[0] == [(product.pk, 15, D("5"), D("75"))]
    assert valued(days_ago(8), store=north.pk)[0] == [(product.pk, 10, D("5"), D("50"))]
    assert valued(days_ago(7))[0] == [(product.pk, 11, D("5"), D("55"))]
    assert valued(days_ago(6))[0] == [(product.pk, 11, D("5"), D("55"))]
    assert valued(days_ago(5))[0] == [(product.pk, 25, D("8.08"), D("202"))]
    assert valued(days_ago(1), store=south.pk)[0] == [(product.pk, 5, D("8.08"), D("40.40"))]
    assert valued(TODAY, store=south.pk)[0] == []
    assert valued(TODAY)[0] == [(product.pk, 20, D("8.08"), D("161.60"))]


def test_valuation_day_ends_at_local_midnight(manager_client, clock):
    store, product = StoreFactory(), ProductFactory()
    clock.set(days_ago(2), hour=23, minute=30)  # 10:30 UTC that day
    receive(product, store, 3, D("2.00"))
    clock.set(days_ago(1), hour=0, minute=30)  # 11:30 UTC, the same UTC day
    receive(product, store, 5, D("2.00"))

    before = manager_client.get(VALUATION_URL, {"as_of": days_ago(2).isoformat()})
    after = manager_client.get(VALUATION_URL, {"as_of": days_ago(1).isoformat()})

    assert before.context["total"]["units"] == 3
    assert after.context["total"]["units"] == 8


def test_valuation_of_a_past_day_after_a_later_void_is_the_ledger_of_that_day(
    manager_client, clock
):
    store, product = StoreFactory(), ProductFactory()
    clock.set(days_ago(6))
    receive(product, store, 10, D("4.00"))
    clock.set(days_ago(5))
    mistaken = receive(product, store, 10, D("8.00"))
    clock.set(days_ago(2))
    purchase_void(purchase=mistaken, user=staff_user(), reason="never arrived")

    # Voiding restates the average as if the purchase never existed; the units
    # were on the shelf (as the ledger says) until the void took them out.
    assert valuation_rows(manager_client.get(VALUATION_URL, {"as_of": days_ago(4)})) == [
        (product.pk, 20, D("4"), D("80"))
    ]
    assert valuation_rows(manager_client.get(VALUATION_URL, {"as_of": days_ago(2)})) == [
        (product.pk, 10, D("4"), D("40"))
    ]


def test_valuation_filters_by_store_category_and_search(manager_client, shop):
    alder, _, tools, _, products = shop
    levels = StockLevel.objects.select_related("product__category", "store")
    alder_tools = [
        level for level in levels if level.store == alder and level.product.category == tools
    ]
    expected = ordered(current_rows(alder_tools), "product")

    response = manager_client.get(VALUATION_URL, {"store": alder.pk, "category": tools.pk})
    searched = manager_client.get(VALUATION_URL, {"category": tools.pk, "q": "item b"})

    assert valuation_rows(response) == as_tuples(expected) != []
    assert {row["store_label"] for row in response.context["object_list"]} == {"Alder"}
    assert [row["label"] for row in response.context["by_store"]] == ["Alder"]
    assert [row["label"] for row in response.context["by_category"]] == ["Tools"]
    assert response.context["total"]["value"] == sum(row["value"] for row in expected)
    assert [row[0] for row in valuation_rows(searched)] == [products[1].pk]


@pytest.mark.parametrize("store", ["abc", "999999", "-1"])
def test_valuation_invalid_store_is_ignored(manager_client, shop, store):
    expected = current_rows(StockLevel.objects.select_related("product__category"))

    response = manager_client.get(VALUATION_URL, {"store": store, "category": "x"})

    assert response.status_code == 200
    assert len(valuation_rows(response)) == len(expected)


@pytest.mark.parametrize("sort", ["sku", "product", "category", "units", "average_cost", "value"])
@pytest.mark.parametrize("descending", [False, True])
def test_valuation_sorts_each_column_both_ways_on_page_and_csv(
    manager_client, shop, monkeypatch, sort, descending
):
    monkeypatch.setattr(StockValuationView, "paginate_by", 4)
    expected = ordered(
        current_rows(StockLevel.objects.select_related("product__category")), sort, descending
    )
    query = {"sort": f"-{sort}" if descending else sort}

    first = manager_client.get(VALUATION_URL, query)
    second = manager_client.get(VALUATION_URL, {**query, "page": 2})
    exported = csv_rows(manager_client.get(VALUATION_URL, {**query, "format": "csv"}))

    assert first.context["current_sort"] == query["sort"]
    assert valuation_rows(first) == as_tuples(expected[:4])
    assert valuation_rows(second) == as_tuples(expected[4:])
    assert exported[0] == [
        "SKU",
        "Product",
        "Category",
        "Store",
        "Quantity",
        "Average cost",
        "Value",
    ]
    assert exported[1:] == [
        [
            row["sku"],
            row["product"],
            row["category"],
            "All stores",
            plain_quantity(row["units"], grouped=False),
            f"{row['average_cost']:.4f}",
            f"{row['value']:.4f}",
        ]
        for row in expected
    ]


@pytest.mark.parametrize("sort", ["bogus", "-", "pk", "product_id"])
def test_valuation_unknown_sort_uses_the_default(manager_client, shop, sort):
    response = manager_client.get(VALUATION_URL, {"sort": sort})

    assert response.status_code == 200
    assert response.context["current_sort"] == "product"


def test_valuation_csv_of_a_past_day_for_a_store_is_named_and_labelled(manager_client, clock):
    store, product = StoreFactory(name="Quay"), ProductFactory(name="Hinge")
    clock.set(days_ago(3))
    receive(product, store, 2, D("1.25"))
    clock.set(TODAY)
    receive(product, store, 2, D("3.75"))
    query = {"as_of": days_ago(3).isoformat(), "store": store.pk, "format": "csv"}

    response = manager_client.get(VALUATION_URL, query)

    assert response["Content-Disposition"] == (
        f'attachment; filename="stock-valuation-as-of-{days_ago(3)}-{TODAY}.csv"'
    )
    assert csv_rows(response)[1:] == [
        [product.sku, "Hinge", product.category.name, "Quay", "2", "1.2500", "2.5000"]
    ]


def test_valuation_export_link_keeps_day_filters_and_sort_but_not_the_page(manager_client, shop):
    alder, *_ = shop
    query = {"as_of": days_ago(1).isoformat(), "store": alder.pk, "sort": "-value", "page": 2}

    response = manager_client.get(VALUATION_URL, query)

    link = re.search(r'href="\?([^"]+)" data-testid="export-csv"', response.content.decode())
    assert set(unescape(link[1]).split("&")) == {
        f"as_of={days_ago(1)}",
        f"store={alder.pk}",
        "sort=-value",
        "format=csv",
    }


@pytest.mark.parametrize(
    ("as_of", "error"),
    [
        ("garbage", "Enter a valid date."),
        ("2026-02-30", "Enter a valid date."),
        ("10000-01-01", "Enter a valid date."),
        ("a\x00b", "Enter a valid date."),
        ("2026-03-11", "still to come"),
        ("9999-12-31", "still to come"),
    ],
)
def test_valuation_bad_or_future_day_shows_an_error_and_today(manager_client, shop, as_of, error):
    today = valuation_rows(manager_client.get(VALUATION_URL))

    response = manager_client.get(VALUATION_URL, {"as_of": as_of})
    exported = csv_rows(manager_client.get(VALUATION_URL, {"as_of": as_of, "format": "csv"}))

    assert response.status_code == 200
    assert response.context["as_of"] == TODAY
    assert valuation_rows(response) == today
    errors = response.content.decode().split('data-testid="as-of-errors">', 1)[1]
    assert error in errors.split("</div>", 1)[0]
    assert len(exported) == 1 + len(today)


@pytest.mark.parametrize("as_of", ["0001-01-01", "1999-12-31", ""])
def test_valuation_earliest_days_are_empty_and_blank_is_today(manager_client, shop, as_of):
    response = manager_client.get(VALUATION_URL, {"as_of": as_of})

    assert response.status_code == 200
    assert 'data-testid="as-of-errors"' not in response.content.decode()
    if as_of:
        assert valuation_rows(response) == []
        assert "No stock on hand at the end of that day." in response.content.decode()
    else:
        assert response.context["as_of"] == TODAY


@pytest.mark.parametrize("time_zone", ["UTC", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_valuation_first_day_is_no_error_in_any_time_zone(manager_client, settings, time_zone):
    settings.TIME_ZONE = time_zone

    response = manager_client.get(VALUATION_URL, {"as_of": "0001-01-01"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query", [{}, {"as_of": "2026-03-05", "sort": "-value"}, {"format": "csv"}]
)
def test_valuation_query_count_does_not_grow_with_products(
    manager_client, django_assert_num_queries, clock, query
):
    stores = [StoreFactory(), StoreFactory()]

    def add_products(count):
        clock.set(days_ago(7))
        for _ in range(count):
            product = ProductFactory()
            for store in stores:
                receive(product, store, 3, D("2.50"))
            make_sale(store=stores[0], lines=[(product, 1)])

    add_products(2)
    manager_client.get(VALUATION_URL, query)  # warm caches (content types, permissions)
    small = query_count(manager_client, VALUATION_URL, query)
    add_products(4)

    with django_assert_num_queries(small):
        response = manager_client.get(VALUATION_URL, query)
        if response.streaming:
            assert len(b"".join(response.streaming_content).splitlines()) == 1 + 6
    if not response.streaming:
        assert response.context["paginator"].count == 6


# Stock ageing -------------------------------------------------------------------------------


def ageing_rows(response) -> list[tuple]:
    return [(level.pk, level.age_band, level.is_dead) for level in response.context["object_list"]]


def level_of(product, store) -> StockLevel:
    return StockLevel.objects.get(product=product, store=store)


def test_ageing_puts_each_level_in_the_band_of_its_last_receipt(manager_client, clock):
    store = StoreFactory()
    # (days since the receipt, hour of the day, band)
    cases = [
        (0, 12, "0–30 days"),
        (30, 0, "0–30 days"),
        (31, 23, "31–60 days"),
        (60, 0, "31–60 days"),
        (61, 23, "61–90 days"),
        (90, 1, "61–90 days"),
        (91, 23, "91–180 days"),
        (180, 0, "91–180 days"),
        (181, 23, "Over 180 days"),
        (900, 12, "Over 180 days"),
    ]
    expected = {}
    for n, (age, hour, band) in enumerate(cases):
        product = ProductFactory(name=f"Aged {n:02}")
        clock.set(days_ago(age), hour=hour)
        receive(product, store, n + 1, D("2.00"))
        expected[level_of(product, store).pk] = (band, age, n + 1)
    clock.set(TODAY)

    response = manager_client.get(AGEING_URL, {"sort": "product"})

    assert response.status_code == 200
    listed = {level.pk: level for level in response.context["object_list"]}
    assert {
        pk: (level.age_band, level.age_days, level.quantity) for pk, level in listed.items()
    } == (expected)
    summary = response.context["summary"]
    for group in summary["bands"]:
        in_band = [units for band, _, units in expected.values() if band == group["band"].label]
        assert group["rows"] == len(in_band)
        assert group["units"] == sum(in_band)
        assert group["value"] == sum(in_band) * D("2.00")
    assert [group["band"] for group in summary["bands"]] == list(AGE_BANDS)
    assert summary["total"]["units"] == sum(units for *_, units in expected.values())


def test_ageing_counts_the_last_receipt_not_voids_or_voided_purchases(manager_client, clock):
    store, other = StoreFactory(name="Main"), StoreFactory(name="Other")
    restocked, returned, mistaken = (ProductFactory() for _ in range(3))
    clock.set(days_ago(200))
    for product in (restocked, returned, mistaken):
        stock_up(product, store, 10)
    receive(restocked, other, 5)  # another store's receipt counts only there
    clock.set(days_ago(45))
    receive(restocked, store, 5)
    sale = make_sale(store=store, lines=[(returned, 2)])
    wrong = receive(mistaken, store, 4)
    clock.set(days_ago(3))
    sale_void(sale=sale, user=staff_user(), reason="returned")  # a return is no receipt
    purchase_void(purchase=wrong, user=staff_user(), reason="never arrived")
    clock.set(TODAY)

    response = manager_client.get(AGEING_URL, {"sort": "received"})

    ages = {level.pk: (level.age_band, level.age_days) for level in response.context["object_list"]}
    assert ages == {
        level_of(restocked, store).pk: ("31–60 days", 45),
        level_of(restocked, other).pk: ("Over 180 days", 200),
        level_of(returned, store).pk: ("Over 180 days", 200),
        level_of(mistaken, store).pk: ("Over 180 days", 200),
    }


def test_ageing_lists_only_stock_on_hand_at_its_current_value(manager_client, clock):
    store = StoreFactory()
    kept, sold_out = ProductFactory(), ProductFactory()
    receive(kept, store, 4, D("2.50"))
    receive(kept, store, 4, D("3.00"))
    receive(sold_out, store, 2)
    make_sale(store=store, lines=[(sold_out, 2), (kept, 3)])
    kept.refresh_from_db()

    response = manager_client.get(AGEING_URL)

    [level] = response.context["object_list"]
    assert level.product == kept
    assert level.value == 5 * kept.average_cost == 5 * D("2.75")
    assert response.context["summary"]["total"] == {"rows": 1, "units": 5, "value": D("13.75")}


def test_ageing_dead_stock_has_no_sale_in_the_last_days(manager_client, clock):
    store = StoreFactory()
    # (days since the last sale or None, dead after 90 days, dead after 120 days)
    cases = [(None, True, True), (0, False, False), (89, False, False), (90, True, False)]
    cases += [(100, True, False), (119, True, False), (120, True, True)]
    expected = {}
    for n, (sold, *dead) in enumerate(cases):
        product = ProductFactory(name=f"Slow {n}")
        clock.set(days_ago(300))
        receive(product, store, 5)
        if sold is not None:
            clock.set(days_ago(sold), hour=23 if sold else 1)
            make_sale(store=store, lines=[(product, 1)])
        expected[level_of(product, store).pk] = dead
    voided = ProductFactory(name="Slow voided")
    receive(voided, store, 5)
    clock.set(days_ago(2))
    sale = make_sale(store=store, lines=[(voided, 1)])
    sale_void(sale=sale, user=staff_user(), reason="cancelled")  # a voided sale is no sale
    expected[level_of(voided, store).pk] = [True, True]
    clock.set(TODAY)

    default = manager_client.get(AGEING_URL)
    longer = manager_client.get(AGEING_URL, {"dead_days": "120"})
    dead_only = manager_client.get(AGEING_URL, {"dead_days": "120", "dead": "on"})

    assert {pk: dead for pk, _, dead in ageing_rows(default)} == {
        pk: dead[0] for pk, dead in expected.items()
    }
    assert {pk: dead for pk, _, dead in ageing_rows(longer)} == {
        pk: dead[1] for pk, dead in expected.items()
    }
    assert {pk for pk, *_ in ageing_rows(dead_only)} == {
        pk for pk, dead in expected.items() if dead[1]
    }
    assert default.context["summary"]["dead"]["rows"] == sum(d[0] for d in expected.values())
    assert dead_only.context["summary"]["total"]["rows"] == sum(d[1] for d in expected.values())
    assert "no sale in the last 120 days" in longer.content.decode()


@pytest.fixture
def aged():
    """Twelve levels at two stores with receipts and sales on different days."""
    stores = [StoreFactory(name="Alder"), StoreFactory(name="Birch")]
    tools, paint = CategoryFactory(name="Tools"), CategoryFactory(name="Paint")
    products = [
        ProductFactory(name=f"Item {chr(65 + n)}", category=tools if n % 2 else paint)
        for n in range(6)
    ]
    return stores, tools, products


def build_aged(clock, stores, products) -> list[dict]:
    rows = []
    for s, store in enumerate(stores):
        for p, product in enumerate(products):
            received = (p * 37 + s * 50) % 240
            quantity = (p * 7 + s * 3) % 5 + 2  # with ties, to test the tiebreak
            clock.set(days_ago(received))
            receive(product, store, quantity, D("1.25") + D("0.50") * p)
            sold = None
            if (p + s) % 3:
                sold = received // 2
                clock.set(days_ago(sold))
                make_sale(store=store, lines=[(product, 1)])
                quantity -= 1
            rows.append(
                {
                    "pk": level_of(product, store).pk,
                    "store": store.name,
                    "sku": product.sku,
                    "product": product.name,
                    "category": product.category.name,
                    "quantity": quantity,
                    "value": quantity * (D("1.25") + D("0.50") * p),
                    # Older first: the age in days, negated, sorts like the date.
                    "received": -received,
                    # Never sold sorts as the oldest sale.
                    "sold": -sold if sold is not None else -(10**6),
                    "dead": sold is None or sold >= 90,
                }
            )
    clock.set(TODAY)
    return rows


@pytest.mark.parametrize(
    "sort", ["store", "sku", "product", "category", "quantity", "value", "received", "sold"]
)
@pytest.mark.parametrize("descending", [False, True])
def test_ageing_sorts_each_column_both_ways_on_page_and_csv(
    manager_client, clock, aged, monkeypatch, sort, descending
):
    stores, _, products = aged
    rows = build_aged(clock, stores, products)
    monkeypatch.setattr(StockAgeingView, "paginate_by", 7)
    expected = ordered(rows, sort, descending)
    query = {"sort": f"-{sort}" if descending else sort}

    first = manager_client.get(AGEING_URL, query)
    second = manager_client.get(AGEING_URL, {**query, "page": 2})
    exported = csv_rows(manager_client.get(AGEING_URL, {**query, "format": "csv"}))

    assert [pk for pk, *_ in ageing_rows(first)] == [row["pk"] for row in expected[:7]]
    assert [pk for pk, *_ in ageing_rows(second)] == [row["pk"] for row in expected[7:]]
    assert [line[:3] for line in exported[1:]] == [
        [row["store"], row["sku"], row["product"]] for row in expected
    ]


def test_ageing_csv_has_a_line_per_level_with_band_and_dead_stock(manager_client, clock):
    store, product = StoreFactory(name="Quay"), ProductFactory(name="Hinge")
    clock.set(days_ago(40), hour=9)
    receive(product, store, 6, D("1.50"))
    clock.set(days_ago(95), hour=9)
    other = ProductFactory(name="Latch")
    receive(other, store, 1, D("2.00"))
    clock.set(days_ago(10), hour=9)
    make_sale(store=store, lines=[(product, 2)])
    clock.set(TODAY)

    response = manager_client.get(AGEING_URL, {"format": "csv"})

    assert response["Content-Disposition"] == f'attachment; filename="stock-ageing-{TODAY}.csv"'
    header, *lines = csv_rows(response)
    assert header == [
        "Store",
        "SKU",
        "Product",
        "Category",
        "On hand",
        "Average cost",
        "Value",
        "Last received",
        "Age band",
        "Last sold",
        "Dead stock",
    ]
    assert lines == [
        [
            "Quay",
            other.sku,
            "Latch",
            other.category.name,
            "1",
            "2.0000",
            "2.0000",
            f"{days_ago(95)}T09:00:00+13:00",
            "91–180 days",
            "",
            "yes",
        ],
        [
            "Quay",
            product.sku,
            "Hinge",
            product.category.name,
            "4",
            "1.5000",
            "6.0000",
            f"{days_ago(40)}T09:00:00+13:00",
            "31–60 days",
            f"{days_ago(10)}T09:00:00+13:00",
            "no",
        ],
    ]


def test_ageing_filters_by_store_category_and_search(manager_client, clock, aged):
    stores, tools, products = aged
    rows = build_aged(clock, stores, products)
    birch_tools = [row for row in rows if row["store"] == "Birch" and row["category"] == "Tools"]

    response = manager_client.get(AGEING_URL, {"store": stores[1].pk, "category": tools.pk})
    searched = manager_client.get(AGEING_URL, {"q": products[3].sku.lower()})
    exported = csv_rows(
        manager_client.get(
            AGEING_URL, {"store": stores[1].pk, "category": tools.pk, "format": "csv"}
        )
    )

    assert [pk for pk, *_ in ageing_rows(response)] == [
        row["pk"] for row in ordered(birch_tools, "received")
    ]
    assert response.context["summary"]["total"]["units"] == sum(
        row["quantity"] for row in birch_tools
    )
    assert {level.product for level in searched.context["object_list"]} == {products[3]}
    assert len(exported) == 1 + len(birch_tools)


@pytest.mark.parametrize(
    ("dead_days", "error"),
    [
        ("-1", "greater than or equal to 1"),
        ("0", "greater than or equal to 1"),
        (str(MAX_DEAD_DAYS + 1), f"less than or equal to {MAX_DEAD_DAYS}"),
        ("123456789012345678901234567890", "less than or equal to"),
        ("-123456789012345678901234", "greater than or equal to 1"),
        ("abc", "Enter a whole number."),
        ("1.5", "Enter a whole number."),
        ("a\x00b", "Enter a whole number."),
    ],
)
def test_ageing_bad_dead_days_shows_an_error_and_the_default(
    manager_client, clock, dead_days, error
):
    store, product = StoreFactory(), ProductFactory()
    clock.set(days_ago(100))
    receive(product, store, 2)
    make_sale(store=store, lines=[(product, 1)])
    clock.set(TODAY)

    response = manager_client.get(AGEING_URL, {"dead_days": dead_days})
    exported = csv_rows(manager_client.get(AGEING_URL, {"dead_days": dead_days, "format": "csv"}))

    assert response.status_code == 200
    assert response.context["dead_days"] == 90
    assert ageing_rows(response) == [(level_of(product, store).pk, "91–180 days", True)]
    errors = response.content.decode().split('data-testid="dead-days-errors">', 1)[1]
    assert error in errors.split("</div>", 1)[0]
    assert exported[1][-1] == "yes"


@pytest.mark.parametrize("dead_days", ["1", str(MAX_DEAD_DAYS), ""])
def test_ageing_dead_days_limits_are_accepted(manager_client, dead_days):
    response = manager_client.get(AGEING_URL, {"dead_days": dead_days})

    assert response.status_code == 200
    assert response.context["dead_days"] == int(dead_days or 90)
    assert 'data-testid="dead-days-errors"' not in response.content.decode()


@pytest.mark.parametrize("query", [{}, {"dead_days": "30", "sort": "-sold"}, {"format": "csv"}])
def test_ageing_query_count_does_not_grow_with_products(
    manager_client, django_assert_num_queries, clock, query
):
    stores = [StoreFactory(), StoreFactory()]

    def add_products(count):
        for n in range(count):
            product = ProductFactory()
            for store in stores:
                clock.set(days_ago(20 * n))
                receive(product, store, 3, D("2.50"))
                clock.set(days_ago(5 * n))
                make_sale(store=store, lines=[(product, 1)])
        clock.set(TODAY)

    add_products(2)
    manager_client.get(AGEING_URL, query)  # warm caches (content types, permissions)
    small = query_count(manager_client, AGEING_URL, query)
    add_products(4)

    with django_assert_num_queries(small):
        response = manager_client.get(AGEING_URL, query)
        if response.streaming:
            assert len(b"".join(response.streaming_content).splitlines()) == 1 + 12
    if not response.streaming:
        assert response.context["paginator"].count == 12


# Who may see them, and where they are linked -------------------------------------------------

MANAGER_REPORT_URLS = [
    VALUATION_URL,
    f"{VALUATION_URL}?format=csv",
    AGEING_URL,
    f"{AGEING_URL}?format=csv",
]


@pytest.mark.parametrize("url", MANAGER_REPORT_URLS)
def test_manager_reports_visitor_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url", MANAGER_REPORT_URLS)
def test_manager_reports_refuse_clerks_and_users_without_a_role(
    user_client, clerk_role_client, url
):
    assert user_client.get(url).status_code == 403
    assert clerk_role_client.get(url).status_code == 403


@pytest.mark.parametrize("url", MANAGER_REPORT_URLS)
def test_manager_reports_open_for_managers(manager_client, url):
    assert manager_client.get(url).status_code == 200


def test_manager_reports_need_all_three_permissions(user, client):
    client.force_login(user)
    user.user_permissions.add(Permission.objects.get(codename="view_stockmovement"))
    assert client.get(VALUATION_URL).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename="adjust_stock"))
    assert client.get(VALUATION_URL).status_code == 403

    # They are made of stock values: costs are need-to-know (products.costs).
    user.user_permissions.add(Permission.objects.get(codename="view_costs"))
    assert client.get(VALUATION_URL).status_code == 200
    assert client.get(AGEING_URL).status_code == 200


@pytest.mark.parametrize(
    "url", [reverse("reports:stock"), reverse("reports:sales-by-product"), VALUATION_URL]
)
def test_reports_link_to_each_other_for_managers(manager_client, url):
    html = manager_client.get(url).content.decode()

    links = set(re.findall(r'href="(/reports/[^"?]+)"', html))
    assert links >= {
        reverse("reports:stock"),
        reverse("reports:sales-by-product"),
        VALUATION_URL,
        AGEING_URL,
    } - {url}


def test_reports_do_not_link_clerks_to_manager_reports(clerk_role_client):
    for url in [reverse("reports:stock"), reverse("reports:sales-by-product")]:
        html = clerk_role_client.get(url).content.decode()

        assert VALUATION_URL not in html
        assert AGEING_URL not in html
        assert reverse("reports:stock" if "sales" in url else "reports:sales-by-product") in html
