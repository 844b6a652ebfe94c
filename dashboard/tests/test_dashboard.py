"""The dashboard: every number checked against sums the test works out from its own documents.

The documents are made through the real services (the factories), so stock, average
cost and the ledger are what the shop would have. "Today" is frozen at TODAY in a
time zone far from UTC, so a period computed from the server's UTC date would show.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html import unescape
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.roles import CLERK
from accounts.tests.factories import staff_user
from core.quantities import plain_quantity
from dashboard.forms import PeriodForm
from dashboard.selectors import dashboard_summary
from people.tests.factories import CustomerFactory, SupplierFactory
from products.tests.factories import CategoryFactory, ProductFactory
from purchases.models import Purchase
from purchases.returns import PurchaseReturnLineInput, purchase_return
from purchases.services import purchase_void
from purchases.tests.factories import make_purchase, receive
from sales.models import Sale
from sales.returns import ReturnLineInput, sale_return
from sales.services import sale_void
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date(2026, 3, 10)
TIME_ZONE = "Pacific/Auckland"

# The first and last day of each period when today is TODAY (None: no limit).
PERIOD_DAYS = {
    "today": (TODAY, TODAY),
    "7d": (datetime.date(2026, 3, 4), TODAY),
    "30d": (datetime.date(2026, 2, 9), TODAY),
    "month": (datetime.date(2026, 3, 1), TODAY),
    "year": (datetime.date(2026, 1, 1), TODAY),
    "all": (None, None),
}
CUSTOM = {"period": "custom", "start": "2026-02-08", "end": "2026-03-03"}
CUSTOM_DAYS = (datetime.date(2026, 2, 8), datetime.date(2026, 3, 3))

# Each period's first day and the day before it, today, and tomorrow (post-dated).
DOCUMENT_DATES = [
    datetime.date(2025, 12, 31),
    datetime.date(2026, 1, 1),
    datetime.date(2026, 2, 7),
    datetime.date(2026, 2, 8),
    datetime.date(2026, 2, 9),
    datetime.date(2026, 2, 28),
    datetime.date(2026, 3, 1),
    datetime.date(2026, 3, 3),
    datetime.date(2026, 3, 4),
    datetime.date(2026, 3, 9),
    TODAY,
    TODAY + datetime.timedelta(days=1),
]


@pytest.fixture(autouse=True)
def frozen_today(settings, monkeypatch):
    """Today is TODAY in Auckland, whatever the real clock says."""
    settings.TIME_ZONE = TIME_ZONE
    real_localdate = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)
    return TODAY


@dataclass
class Document:
    """What the test recorded, to sum independently of the database."""

    date: datetime.date
    store: object
    lines: list  # (product, quantity, unit price or cost, unit cost)
    voided: bool = False
    pk: int = 0
    # A sale's: what each line was charged net of discounts and tax (its net_amount).
    net_amounts: list | None = None

    @property
    def units(self) -> int:
        return sum(quantity for _, quantity, _, _ in self.lines)

    @property
    def value(self) -> Decimal:
        if self.net_amounts is not None:
            return sum(self.net_amounts, D("0"))
        return sum((quantity * price for _, quantity, price, _ in self.lines), D("0"))

    @property
    def cost(self) -> Decimal:
        return sum((quantity * cost for _, quantity, _, cost in self.lines), D("0"))


@dataclass
class History:
    stores: list
    products: dict
    purchases: list = field(default_factory=list)
    sales: list = field(default_factory=list)

    def purchase(self, day, store, lines, supplier=None, voided=False):
        document = Document(day, store, [(p, q, c, c) for p, q, c in lines], voided)
        purchase = make_purchase(
            store=store, supplier=supplier, lines=lines, date=day, reference=f"R{day:%m%d}"
        )
        if voided:
            purchase_void(purchase=purchase, user=staff_user(), reason="entered twice")
        document.pk = purchase.pk
        self.purchases.append(document)
        return purchase

    def sale(self, day, store, lines, customer=None, voided=False):
        # Every product is only ever bought at its cost price, so its average
        # cost, and the cost recorded on each sale line, is that price.
        document = Document(day, store, [(p, q, price, p.cost_price) for p, q, price in lines])
        document.voided = voided
        sale = make_sale(store=store, customer=customer, lines=lines, date=day)
        document.net_amounts = [line.net_amount for line in sale.lines.all()]
        if voided:
            sale_void(sale=sale, user=staff_user(), reason="customer changed their mind")
        document.pk = sale.pk
        self.sales.append(document)
        return sale


def in_days(documents, start, end):
    """The documents not voided and dated from ``start`` to ``end`` (None: no limit)."""
    return [
        document
        for document in documents
        if not document.voided
        and (start is None or document.date >= start)
        and (end is None or document.date <= end)
    ]


def expected_totals(documents, start, end) -> dict:
    counted = in_days(documents, start, end)
    return {
        "documents": len(counted),
        "units": sum(document.units for document in counted),
        "value": sum((document.value for document in counted), D("0")),
        "cost": sum((document.cost for document in counted), D("0")),
    }


@pytest.fixture
def history():
    """Two stores, three products, a purchase and a sale on every boundary day, two voids."""
    stores = [StoreFactory(name="North"), StoreFactory(name="South")]
    products = {
        "bolt": ProductFactory(name="Bolt", cost_price=D("4.00"), sale_price=D("10.00")),
        "nut": ProductFactory(name="Nut", cost_price=D("2.50"), sale_price=D("6.99")),
        "drill": ProductFactory(name="Drill", cost_price=D("12.34"), sale_price=D("20.00")),
    }
    bolt, nut, drill = products["bolt"], products["nut"], products["drill"]
    record = History(stores, products)
    opening = datetime.date(2025, 6, 1)
    for store in stores:
        record.purchase(opening, store, [(p, 200, p.cost_price) for p in products.values()])
    for index, day in enumerate(DOCUMENT_DATES):
        store = stores[index % 2]
        record.purchase(
            day, store, [(bolt, 3 + index, bolt.cost_price), (nut, 2 * index + 1, nut.cost_price)]
        )
        record.sale(
            day,
            store,
            [(bolt, 1 + index % 3, D("10.00") if index % 2 else D("9.50")), (drill, 1, D("20.00"))],
        )
    record.purchase(TODAY, stores[0], [(drill, 7, drill.cost_price)], voided=True)
    record.sale(TODAY, stores[1], [(bolt, 4, D("10.00")), (nut, 3, D("6.99"))], voided=True)
    return record


# Reading the page ---------------------------------------------------------------------------

STAT = re.compile(
    r'<a class="card stat-card[^"]*" href="(?P<href>[^"]*)">.*?'
    r'data-testid="stat-(?P<name>[\w-]+)">(?P<value>[^<]*)</div>',
    re.DOTALL,
)


def stats(response) -> dict[str, tuple[str, str]]:
    """Each stat card's slug → (shown value, link)."""
    html = response.content.decode()
    return {
        match["name"]: (unescape(match["value"]).strip(), unescape(match["href"]))
        for match in STAT.finditer(html)
    }


def money(value: Decimal, settings) -> str:
    return f"{settings.CURRENCY_SYMBOL}{value:,.2f}"


def dashboard(client, query=None):
    response = client.get(reverse("dashboard:index"), query or {})
    assert response.status_code == 200
    return response


# Period totals ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [*PERIOD_DAYS, "custom"])
def test_dashboard_period_totals_match_the_documents(manager_client, history, settings, key):
    query, (start, end) = (
        (CUSTOM, CUSTOM_DAYS) if key == "custom" else ({"period": key}, PERIOD_DAYS[key])
    )
    sold = expected_totals(history.sales, start, end)
    purchased = expected_totals(history.purchases, start, end)
    profit = sold["value"] - sold["cost"]

    response = dashboard(manager_client, query)

    summary = response.context["summary"]
    assert summary["sold"]["documents"] == sold["documents"]
    assert summary["sold"]["units"] == sold["units"]
    assert summary["sold"]["value"] == sold["value"]
    assert summary["sold"]["cost"] == sold["cost"]
    assert summary["sold"]["profit"] == profit
    assert summary["sold"]["margin"] == (profit / sold["value"] * 100).quantize(D("0.1"))
    assert summary["purchased"]["documents"] == purchased["documents"]
    assert summary["purchased"]["units"] == purchased["units"]
    assert summary["purchased"]["value"] == purchased["value"]
    shown = stats(response)
    assert shown["sales"][0] == str(sold["documents"])
    assert shown["sales-value"][0] == money(sold["value"], settings)
    assert shown["quantity-sold"][0] == plain_quantity(sold["units"])
    assert shown["gross-profit"][0] == money(profit, settings)
    assert shown["purchases"][0] == str(purchased["documents"])
    assert shown["purchase-value"][0] == money(purchased["value"], settings)
    assert shown["quantity-purchased"][0] == plain_quantity(purchased["units"])
    assert f"{summary['sold']['margin']}% margin" in response.content.decode()


def test_dashboard_history_covers_every_boundary(history):
    # Guards the dataset: each period has documents on its first day and the day before.
    for start, end in [*PERIOD_DAYS.values(), CUSTOM_DAYS]:
        dates = {document.date for document in history.sales}
        if start:
            assert start in dates and start - datetime.timedelta(days=1) in dates
        if end:
            assert end in dates and end + datetime.timedelta(days=1) in dates


@pytest.mark.parametrize(
    ("key", "first", "last"),
    [
        ("today", TODAY, TODAY),
        ("7d", datetime.date(2026, 3, 4), TODAY),
        ("30d", datetime.date(2026, 2, 9), TODAY),
        ("month", datetime.date(2026, 3, 1), TODAY),
        ("year", datetime.date(2026, 1, 1), TODAY),
        ("custom", *CUSTOM_DAYS),
    ],
)
def test_dashboard_period_counts_first_and_last_day_but_not_the_days_around(
    manager_client, key, first, last
):
    # Quantities 1, 2, 4, 8: the total says exactly which documents counted.
    store, product = StoreFactory(), ProductFactory()
    receive(product, store, 100)
    one_day = datetime.timedelta(days=1)
    for day, quantity in [(first, 1), (last, 2), (first - one_day, 4), (last + one_day, 8)]:
        make_sale(store=store, lines=[(product, quantity)], date=day)
        make_purchase(store=store, lines=[(product, quantity)], date=day)
    query = CUSTOM if key == "custom" else {"period": key}
    expected = 1 + 2  # ("today" has both on the one day)

    summary = dashboard(manager_client, query).context["summary"]

    assert summary["sold"]["units"] == expected
    # The opening receipt (100 units, dated today) counts when today is in the period.
    assert summary["purchased"]["units"] == expected + (100 if last == TODAY else 0)


def test_dashboard_all_time_counts_old_and_post_dated_documents(manager_client):
    store, product = StoreFactory(), ProductFactory()
    receive(product, store, 100)
    make_sale(store=store, lines=[(product, 1)], date=datetime.date(2001, 1, 1))
    make_sale(store=store, lines=[(product, 2)], date=TODAY)
    make_sale(store=store, lines=[(product, 4)], date=TODAY + datetime.timedelta(days=30))

    all_time = dashboard(manager_client, {"period": "all"}).context["summary"]
    default = dashboard(manager_client).context["summary"]

    assert all_time["sold"]["units"] == 7
    assert default["sold"]["units"] == 2


def test_dashboard_voided_documents_count_nowhere(manager_client, settings):
    store = StoreFactory()
    kept, voided_product = ProductFactory(name="Kept"), ProductFactory(name="Voided")
    receive(kept, store, 10, D("3.00"))
    kept_sale = make_sale(store=store, lines=[(kept, 2, D("5.00"))])
    voided_purchase = make_purchase(store=store, lines=[(voided_product, 50, D("100.00"))])
    voided_sale = make_sale(store=store, lines=[(voided_product, 40, D("900.00"))])
    sale_void(sale=voided_sale, user=staff_user(), reason="test")
    # The void needs the 50 units back: the voided sale returned its 40.
    purchase_void(purchase=voided_purchase, user=staff_user(), reason="test")

    response = dashboard(manager_client)

    summary = response.context["summary"]
    assert summary["sold"]["documents"] == 1
    assert summary["sold"]["value"] == D("10.00")
    assert summary["sold"]["profit"] == D("4.00")
    assert summary["purchased"]["documents"] == 1
    assert summary["purchased"]["value"] == D("30.00")
    today_point = next(p for p in summary["chart"]["points"] if p["bucket"] == TODAY)
    assert (today_point["sales"], today_point["purchases"]) == (D("10.00"), D("30.00"))
    assert [row["product_id"] for row in summary["top_products"]] == [kept.pk]
    assert [sale.pk for sale in summary["latest"]["sales"]] == [kept_sale.pk]
    assert voided_purchase.pk not in [p.pk for p in summary["latest"]["purchases"]]
    assert summary["stock_value"] == D("24.00")  # 8 kept units at 3.00; nothing else on hand
    assert stats(response)["sales-value"][0] == money(D("10.00"), settings)


def test_dashboard_sale_late_on_the_last_day_counts_in_local_time(settings, monkeypatch):
    # Real clock, real time zone: no frozen localdate here.
    monkeypatch.undo()
    settings.TIME_ZONE = TIME_ZONE
    store, product = StoreFactory(), ProductFactory()
    receive(product, store, 10)

    def at(utc: datetime.datetime):
        monkeypatch.setattr(timezone, "now", lambda: utc)

    # 23:59 on 31 March in Auckland is 10:59 UTC the same day.
    at(datetime.datetime(2026, 3, 31, 10, 59, tzinfo=datetime.UTC))
    late_sale = make_sale(store=store, lines=[(product, 3)])
    march = dashboard_summary(PeriodForm({"period": "month"}).get_period())
    # 00:30 on 1 April in Auckland is still 31 March (11:30) in UTC.
    at(datetime.datetime(2026, 3, 31, 11, 30, tzinfo=datetime.UTC))
    early_sale = make_sale(store=store, lines=[(product, 4)])
    today = dashboard_summary(PeriodForm({"period": "today"}).get_period())
    april = dashboard_summary(PeriodForm({"period": "month"}).get_period())
    week = dashboard_summary(PeriodForm({"period": "7d"}).get_period())

    assert late_sale.date == datetime.date(2026, 3, 31)
    assert early_sale.date == datetime.date(2026, 4, 1)
    assert march["sold"]["units"] == 3
    assert today["sold"]["units"] == april["sold"]["units"] == 4
    assert week["sold"]["units"] == 7


# Records and stock --------------------------------------------------------------------------


def test_dashboard_counts_active_records_only(manager_client):
    stores = StoreFactory.create_batch(3)
    categories = CategoryFactory.create_batch(2)
    suppliers = SupplierFactory.create_batch(2)
    customers = CustomerFactory.create_batch(4)
    products = [ProductFactory(category=categories[0], supplier=suppliers[0]) for _ in range(5)]
    for archived in (stores[0], categories[1], suppliers[1], customers[0], products[0]):
        archived.archive()

    counts = dashboard(manager_client).context["summary"]["counts"]

    assert counts == {
        "stores": 2,
        "categories": 1,
        "products": 4,
        "customers": 3,
        "suppliers": 1,
    }


def test_dashboard_stock_value_per_store_is_on_hand_times_average_cost(manager_client, settings):
    north, south, empty = StoreFactory(name="North"), StoreFactory(name="South"), StoreFactory()
    bolt, nut = ProductFactory(), ProductFactory()
    receive(bolt, north, 10, D("4.00"))
    receive(bolt, south, 10, D("6.00"))  # average cost of bolts now (40 + 60) / 20 = 5
    receive(nut, north, 4, D("2.50"))
    make_sale(store=north, lines=[(bolt, 5, D("9.00"))])

    response = dashboard(manager_client)

    summary = response.context["summary"]
    by_store = {
        row["store_name"]: (row["units"], row["value"]) for row in summary["stock_by_store"]
    }
    assert by_store == {
        "North": (5 + 4, 5 * D("5") + 4 * D("2.50")),
        "South": (10, 10 * D("5")),
    }
    assert empty.name not in by_store
    assert summary["stock_value"] == D("85")
    assert summary["stock_units"] == 19
    assert summary["sold"]["cost"] == 5 * D("5")
    html = response.content.decode()
    assert f'data-testid="stock-value-total">{money(D("85"), settings)}<' in html
    assert stats(response)["stock-value"][0] == money(D("85"), settings)


def test_dashboard_top_products_are_the_ten_best_sellers_by_value(manager_client):
    store = StoreFactory()
    products = [ProductFactory(name=f"Item {n:02d}") for n in range(12)]
    make_purchase(store=store, lines=[(product, 50) for product in products])
    expected = {}
    for n, product in enumerate(products):
        quantity, price = 1 + n % 4, D("3.00") + n  # values differ for every product
        sale = make_sale(store=store, lines=[(product, quantity, price)])
        make_sale(
            store=store, lines=[(product, 1, price)], date=TODAY - datetime.timedelta(days=60)
        )
        expected[product.pk] = (quantity, sale.lines.get().net_amount)
    ranking = sorted(expected.items(), key=lambda item: (-item[1][1], item[0]))[:10]

    response = dashboard(manager_client)

    top = response.context["summary"]["top_products"]
    assert [(row["product_id"], (row["units"], row["value"])) for row in top] == ranking
    html = response.content.decode()
    assert 'data-testid="top-products-chart"' in html
    table = html.split('data-testid="top-products-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 10 + 1  # the heading row and ten products


def test_dashboard_top_products_empty_period_says_so(manager_client):
    response = dashboard(manager_client, {"period": "today"})

    assert response.context["summary"]["top_products"] == []
    assert "No sales in this period." in response.content.decode()


def test_dashboard_needs_attention_per_store_and_in_total(manager_client):
    north, south, closed = StoreFactory(name="North"), StoreFactory(name="South"), StoreFactory()
    low_here = ProductFactory(name="Low at North", reorder_level=5)
    at_level = ProductFactory(name="At level", reorder_level=5)
    plenty = ProductFactory(name="Plenty", reorder_level=5)
    ProductFactory(name="New, no level, never stocked", reorder_level=0)
    archived = ProductFactory(name="Archived", reorder_level=5)
    receive(low_here, north, 3)
    receive(low_here, south, 10)
    receive(at_level, north, 5)
    receive(plenty, north, 50)
    receive(plenty, closed, 1)
    receive(archived, north, 1)
    archived.archive()
    closed.archive()
    # Worked out by hand: (product, store) rows at or below the reorder level, and
    # products whose total is.
    # A product with no reorder level (0, as new products start) is in neither.
    per_store = {(low_here.pk, north.pk), (at_level.pk, north.pk)}
    in_total = {at_level.pk}

    response = dashboard(manager_client)

    attention = response.context["summary"]["attention"]
    assert {(level.product_id, level.store_id) for level in attention["per_store"]} == per_store
    assert attention["per_store_count"] == len(per_store)
    assert {product.pk for product in attention["in_total"]} == in_total
    assert attention["in_total_count"] == len(in_total)
    html = unescape(response.content.decode())
    create, replenish = reverse("purchases:create"), reverse("replenishment:list")
    assert f'{replenish}?q={at_level.sku}"' in html
    assert f'{create}?product={low_here.pk}&store={north.pk}"' in html
    assert f'{replenish}?q={archived.sku}"' not in html
    assert f"{create}?product={archived.pk}&" not in html
    assert "1 product in total</a>" in html


def test_dashboard_needs_attention_in_total_reorder_link_lists_the_product_to_replenish(
    manager_client,
):
    north, south = StoreFactory(), StoreFactory()
    product = ProductFactory(sku="GLUE-1", reorder_level=5)
    receive(product, north, 1)
    receive(product, south, 2)

    response = dashboard(manager_client)
    link = f"{reverse('replenishment:list')}?q=GLUE-1"
    assert f'href="{link}" data-testid="attention-total-replenish"' in unescape(
        response.content.decode()
    )
    page = manager_client.get(link)

    assert page.status_code == 200
    assert {(row.product, row.store) for row in page.context["object_list"]} == {
        (product, north),
        (product, south),
    }


def test_dashboard_needs_attention_total_link_lists_the_same_products(manager_client):
    store = StoreFactory()
    for level, on_hand in [(5, 1), (5, 5), (5, 6), (0, 0), (9, 20)]:
        product = ProductFactory(reorder_level=level)
        if on_hand:
            receive(product, store, on_hand)

    response = dashboard(manager_client)
    link = re.search(
        r'href="([^"]+)" data-testid="attention-total-count"', response.content.decode()
    )
    listed = manager_client.get(unescape(link[1]))

    # At or below the level: (5, 1) and (5, 5); (0, 0) has no level set.
    assert response.context["summary"]["attention"]["in_total_count"] == 2
    assert listed.context["paginator"].count == 2


def test_dashboard_needs_attention_shows_the_ten_lowest_and_counts_the_rest(manager_client):
    store = StoreFactory()
    products = [ProductFactory(name=f"Low {n:02d}", reorder_level=50) for n in range(13)]
    make_purchase(store=store, lines=[(product, n + 1) for n, product in enumerate(products)])

    response = dashboard(manager_client)

    attention = response.context["summary"]["attention"]
    assert [level.quantity for level in attention["per_store"]] == list(range(1, 11))
    assert attention["per_store_count"] == 13
    assert "13 store rows at or below reorder level; showing the lowest 10." in (
        response.content.decode()
    )


def test_dashboard_latest_five_documents_newest_first_without_voided(manager_client):
    store, product = StoreFactory(), ProductFactory()
    opening = receive(product, store, 500)  # dated today
    days = [TODAY - datetime.timedelta(days=n) for n in (3, 0, 9, 1, 1, 30, 2)]
    sales = [make_sale(store=store, lines=[(product, 1)], date=day) for day in days]
    purchases = [opening]
    purchases += [make_purchase(store=store, lines=[(product, 1)], date=day) for day in days]
    newest_sale = make_sale(store=store, lines=[(product, 1)], date=TODAY)
    sale_void(sale=newest_sale, user=staff_user(), reason="test")
    newest_purchase = make_purchase(store=store, lines=[(product, 1)], date=TODAY)
    purchase_void(purchase=newest_purchase, user=staff_user(), reason="test")

    def newest(documents):
        ordered = sorted(documents, key=lambda d: (d.date, d.pk), reverse=True)
        return [document.pk for document in ordered[:5]]

    response = dashboard(manager_client, {"period": "today"})  # the latest ignore the period

    latest = response.context["summary"]["latest"]
    assert [sale.pk for sale in latest["sales"]] == newest(sales)
    assert [purchase.pk for purchase in latest["purchases"]] == newest(purchases)
    html = response.content.decode()
    for pk in newest(sales):
        assert f'href="{reverse("sales:detail", args=[pk])}"' in html
    assert f'href="{reverse("sales:detail", args=[newest_sale.pk])}"' not in html


def test_dashboard_latest_documents_have_the_totals_their_lists_show(manager_client):
    # Set from one grouped query (add_totals): the same as the lists' annotations.
    store, bolt, nut = StoreFactory(), ProductFactory(), ProductFactory()
    for product in (bolt, nut):
        receive(product, store, 50, unit_cost=Decimal("1.2345"))
    make_purchase(store=store, lines=[(bolt, 3, Decimal("2.10")), (nut, 4, Decimal("7.0125"))])
    make_sale(store=store, lines=[(bolt, 2, Decimal("3.99")), (nut, 3, Decimal("9.05"))])
    make_sale(store=store, lines=[(nut, 1, Decimal("0.50"))])

    latest = dashboard(manager_client).context["summary"]["latest"]

    names = ["line_count", "total_value", "total_tax", "total_cost", "gross_profit"]
    assert [
        [getattr(sale, name) for name in [*names, "total_gross"]] for sale in latest["sales"]
    ] == [
        [getattr(sale, name) for name in [*names, "total_gross"]]
        for sale in Sale.objects.with_totals().order_by("-date", "-pk")
    ]
    assert [
        [p.line_count, p.total_value, p.total_tax, p.total_gross] for p in latest["purchases"]
    ] == [
        [p.line_count, p.total_value, p.total_tax, p.total_gross]
        for p in Purchase.objects.with_totals().order_by("-date", "-pk")
    ]
    assert [sale.line_count for sale in latest["sales"]] == [1, 2]
    assert latest["sales"][1].total_value == Decimal("35.13")  # 2 × 3.99 + 3 × 9.05


# Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "custom"}, "A custom range needs a start and an end date."),
        ({"period": "custom", "start": "2026-03-01"}, "A custom range needs a start"),
        ({"period": "custom", "start": "2026-03-05", "end": "2026-03-01"}, "start date is after"),
        ({"period": "custom", "start": "not-a-date", "end": "2026-03-01"}, "Enter a valid date"),
        ({"period": "custom", "start": "0001-01-01", "end": "9999-12-31"}, "at most 100 years"),
        ({"period": "decade"}, "Select a valid choice"),
        ({"period": ["7d", "bogus"]}, "Select a valid choice"),
        ({"period": "\x00"}, ""),
    ],
)
def test_dashboard_invalid_period_falls_back_to_default_and_says_why(
    manager_client, history, query, message
):
    default = dashboard(manager_client).context["summary"]["sold"]

    response = manager_client.get(reverse("dashboard:index"), query)

    assert response.status_code == 200
    assert response.context["period"].key == "30d"
    assert response.context["summary"]["sold"] == default
    errors = re.search(r'data-testid="period-errors">([^<]*)<', response.content.decode())
    assert errors, "the error is shown"
    assert message in unescape(errors[1])
    assert "Showing last 30 days." in errors[1]


def test_dashboard_valid_period_shows_no_error(manager_client):
    response = dashboard(manager_client, {"period": "year"})

    assert 'data-testid="period-errors"' not in response.content.decode()
    assert response.context["period"].start == datetime.date(2026, 1, 1)


def test_dashboard_custom_range_ending_in_year_9999_renders(manager_client):
    response = dashboard(
        manager_client, {"period": "custom", "start": "9950-01-01", "end": "9999-12-31"}
    )

    assert response.context["summary"]["chart"]["step"] == "year"
    assert len(response.context["summary"]["chart"]["points"]) == 50


# Query count --------------------------------------------------------------------------------


def dashboard_query_count(client, query) -> int:
    with CaptureQueriesContext(connection) as queries:
        dashboard(client, query)
    return len(queries)


def add_busy_shop():
    """Many stores, products, documents, low stock rows and voids, and customer returns
    (to the shelf and written off, on the sale's day and later) and returns to suppliers."""
    stores = StoreFactory.create_batch(4)
    products = ProductFactory.create_batch(15, reorder_level=100)
    for index, store in enumerate(stores):
        make_purchase(store=store, lines=[(product, 20 + index) for product in products])
    for n in range(12):
        store, day = stores[n % 4], TODAY - datetime.timedelta(days=n * 9)
        purchase = make_purchase(
            store=store, lines=[(products[n], 5), (products[n + 1], 3)], date=day
        )
        sale = make_sale(store=store, lines=[(products[n], 2), (products[n + 2], 1)], date=day)
        if n % 5 == 0:
            sale_void(sale=sale, user=staff_user(), reason="test")
            continue
        first, second = sale.lines.order_by("pk")
        sale_return(
            sale=sale,
            lines=[ReturnLineInput(first, D(1), True), ReturnLineInput(second, D(1), False)],
            user=staff_user(),
            date=day + datetime.timedelta(days=n % 3),
        )
        if n % 2:
            purchase_return(
                purchase=purchase,
                lines=[PurchaseReturnLineInput(purchase.lines.order_by("pk")[0], D(1))],
                user=staff_user(),
                date=day,
            )


@pytest.mark.parametrize("query", [{}, {"period": "all"}, {"period": "year"}, CUSTOM])
def test_dashboard_query_count_does_not_grow_with_data(
    manager_client, django_assert_num_queries, query
):
    store, product = StoreFactory(), ProductFactory()
    receive(product, store, 5)
    make_sale(store=store, lines=[(product, 1)])
    dashboard(manager_client, query)  # warm caches (content types, permissions)
    small = dashboard_query_count(manager_client, query)
    add_busy_shop()

    with django_assert_num_queries(small):
        response = dashboard(manager_client, query)

    # 24 before transfers, then what is in transit and the oldest transfer, then the
    # per-store rows needing replenishment (the units on drafts and incoming per product
    # and store (2), the lowest rows of the products with nothing coming, the low rows of
    # those with something as values and the lowest still low whole, their products'
    # surpluses at other stores (the transfer terms), and their count), then the period's
    # customer returns and the first and last day with returns, and the period's returns
    # to suppliers, then the money refunded on the period's customer returns, then the
    # names of the top products (read apart from their figures), then the latest
    # documents' totals (read apart from them, 2), then the products to reorder in total
    # as values and the ones shown (one query with subqueries before)
    assert small <= 38
    summary = response.context["summary"]
    assert summary["counts"]["stores"] == 5
    assert len(summary["latest"]["sales"]) == 5
    assert summary["attention"]["per_store_count"] > 10
    if query.get("period") == "all":  # every return is in it
        assert summary["returns"]["documents"] == 9
        assert summary["sent_back"]["documents"] == 5


def test_dashboard_query_count_is_the_same_with_no_data(manager_client, django_assert_num_queries):
    dashboard(manager_client)
    empty = dashboard_query_count(manager_client, {})
    add_busy_shop()

    with django_assert_num_queries(empty):
        dashboard(manager_client)


# Links --------------------------------------------------------------------------------------

PERIOD_STATS = {
    "sales": "sales:list",
    "sales-value": "sales:list",
    "quantity-sold": "sales:list",
    "gross-profit": "sales:list",
    "returns": "returns:list",
    "refunded": "returns:list",
    "purchases": "purchases:list",
    "purchase-value": "purchases:list",
    "quantity-purchased": "purchases:list",
}


@pytest.mark.parametrize("key", ["7d", "30d", "year", "all", "custom", "today"])
def test_dashboard_period_numbers_link_to_the_list_of_the_same_documents(
    manager_client, history, key
):
    query, (start, end) = (
        (CUSTOM, CUSTOM_DAYS) if key == "custom" else ({"period": key}, PERIOD_DAYS[key])
    )
    expected_filters = {"status": "valid"}
    if start:
        expected_filters["date_from"] = start.isoformat()
    if end:
        expected_filters["date_to"] = end.isoformat()

    response = dashboard(manager_client, query)

    summary = response.context["summary"]
    shown = stats(response)
    for name, list_name in PERIOD_STATS.items():
        href = shown[name][1]
        url = urlsplit(href)
        assert url.path == reverse(list_name)
        assert url.query == urlencode(expected_filters)
        listed = manager_client.get(href)
        assert listed.status_code == 200
        documents = list(listed.context["object_list"])
        totals, value, total = {
            "sales:list": (summary["sold"], "total_value", "value"),
            "returns:list": (summary["returns"], "refund", "refunded"),
            "purchases:list": (summary["purchased"], "total_value", "value"),
        }[list_name]
        assert listed.context["paginator"].count == totals["documents"]
        assert sum(getattr(document, value) for document in documents) == totals[total]


def test_dashboard_record_numbers_link_to_their_lists(manager_client, history):
    response = dashboard(manager_client)

    counts = response.context["summary"]["counts"]
    shown = stats(response)
    for name in ("stores", "categories", "products", "customers", "suppliers"):
        value, href = shown[name]
        assert href == reverse(f"{name}:list")
        assert value == str(counts[name])
        assert manager_client.get(href).context["paginator"].count == counts[name]
    value_href = shown["stock-value"][1]
    assert value_href == reverse("reports:stock")
    report = manager_client.get(value_href)
    assert (
        sum(row["value"] for row in report.context["by_store"])
        == (response.context["summary"]["stock_value"])
    )


def test_dashboard_store_stock_rows_link_to_each_store(manager_client, history):
    html = dashboard(manager_client).content.decode()

    for store in history.stores:
        assert f'<a href="{store.get_absolute_url()}">{store.name}</a>' in html


@pytest.mark.parametrize("query", [{"period": "year"}, CUSTOM, {"period": "all"}, {}])
def test_dashboard_full_report_link_keeps_the_period(manager_client, history, query):
    response = dashboard(manager_client, query)
    link = re.search(
        r'href="([^"]+)" class="small" data-testid="sales-report-link"', response.content.decode()
    )

    report = manager_client.get(unescape(link[1]))

    assert report.status_code == 200
    assert report.context["period"] == response.context["period"]
    assert report.context["totals"]["value"] == response.context["summary"]["sold"]["value"]
    assert report.context["totals"]["units"] == response.context["summary"]["sold"]["units"]


# Charts -------------------------------------------------------------------------------------


def expected_per_day(documents, start, end) -> dict:
    per_day = {start + datetime.timedelta(days=n): D("0") for n in range((end - start).days + 1)}
    for document in in_days(documents, start, end):
        per_day[document.date] += document.value
    return per_day


@pytest.mark.parametrize("key", ["30d", "7d", "today", "month", "year", "custom"])
def test_dashboard_chart_per_day_matches_the_documents(manager_client, history, settings, key):
    query, (start, end) = (
        (CUSTOM, CUSTOM_DAYS) if key == "custom" else ({"period": key}, PERIOD_DAYS[key])
    )

    response = dashboard(manager_client, query)

    chart = response.context["summary"]["chart"]
    assert chart["step"] == "day"
    assert {p["bucket"]: p["sales"] for p in chart["points"]} == expected_per_day(
        history.sales, start, end
    )
    assert {p["bucket"]: p["purchases"] for p in chart["points"]} == expected_per_day(
        history.purchases, start, end
    )
    html = response.content.decode()
    assert '<svg class="chart' in html and 'data-testid="value-chart"' in html
    table = html.split('data-testid="value-chart-table"', 1)[1].split("</table>", 1)[0]
    for point in chart["points"]:
        row = (
            f"<tr><td>{date_format(point['bucket'], 'DATE_FORMAT')}</td>"
            f'<td class="num">{money(point["sales"], settings)}</td>'
            f'<td class="num">{money(point["purchases"], settings)}</td></tr>'
        )
        assert row in table


def test_dashboard_chart_all_time_spans_first_to_last_document(manager_client, history):
    chart = dashboard(manager_client, {"period": "all"}).context["summary"]["chart"]

    # From the opening purchases (1 June 2025) to tomorrow's post-dated documents.
    assert chart["step"] == "month"
    buckets = [point["bucket"] for point in chart["points"]]
    assert buckets[0] == datetime.date(2025, 6, 1)
    assert buckets[-1] == datetime.date(2026, 3, 1)
    per_month = {}
    for document in in_days(history.sales, None, None):
        month = document.date.replace(day=1)
        per_month[month] = per_month.get(month, D("0")) + document.value
    assert {p["bucket"]: p["sales"] for p in chart["points"] if p["sales"]} == per_month
    assert (
        sum(p["sales"] for p in chart["points"])
        == expected_totals(history.sales, None, None)["value"]
    )


def test_dashboard_chart_long_custom_range_is_per_month(manager_client, history):
    query = {"period": "custom", "start": "2025-01-15", "end": "2026-03-31"}

    chart = dashboard(manager_client, query).context["summary"]["chart"]

    assert chart["step"] == "month"
    assert len(chart["points"]) == 15
    assert chart["points"][0]["bucket"] == datetime.date(2025, 1, 1)
    march = next(p for p in chart["points"] if p["bucket"] == datetime.date(2026, 3, 1))
    march_sales = in_days(history.sales, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert march["sales"] == sum(document.value for document in march_sales)


def test_dashboard_chart_decades_are_per_year(manager_client, history):
    query = {"period": "custom", "start": "2000-01-01", "end": "2026-12-31"}

    response = dashboard(manager_client, query)

    chart = response.context["summary"]["chart"]
    assert chart["step"] == "year"
    assert len(chart["points"]) == 27
    by_year = {p["bucket"].year: p["sales"] for p in chart["points"] if p["sales"]}
    assert by_year == {
        2025: sum(d.value for d in in_days(history.sales, None, datetime.date(2025, 12, 31))),
        2026: sum(d.value for d in in_days(history.sales, datetime.date(2026, 1, 1), None)),
    }
    assert "Sales and purchase value per year" in response.content.decode()


def test_dashboard_chart_bars_are_drawn_inside_the_view_box(manager_client, history):
    html = dashboard(manager_client).content.decode()

    svg = html.split('data-testid="value-chart"', 1)[1].split("</svg>", 1)[0]
    rects = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([-\d.]+)"', svg)
    assert len(rects) == 2 * 30
    for x, y, width, height in rects:
        x, y, width, height = float(x), float(y), float(width), float(height)
        assert height >= 0
        assert x >= 0 and x + width <= 720
        assert y >= 0 and y + height <= 240
    assert any(float(height) > 0 for *_, height in rects)


@pytest.mark.parametrize("language", ["de", "es"])
def test_dashboard_charts_draw_in_svg_numbers_in_a_language_with_decimal_commas(
    manager_client, history, language
):
    # SVG reads "195.7", never the page language's "195,7" (the bars vanished in German).
    manager_client.post(reverse("set_language"), {"language": language, "next": "/"})
    html = dashboard(manager_client).content.decode()

    charts = [
        html.split(f'data-testid="{chart}"', 1)[1].split("</svg>", 1)[0]
        for chart in ("value-chart", "top-products-chart")
    ]
    geometry = [
        value
        for chart in charts
        for value in re.findall(r' (?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', chart)
    ]
    assert len(geometry) > 2 * 4 * 30
    assert [value for value in geometry if not re.fullmatch(r"-?\d+(\.\d+)?", value)] == []
    # The amounts in the tooltips and on the axis are the language's.
    assert "," in "".join(re.findall(r"<title>([^<]*)</title>", charts[0]))


# Who may see it -----------------------------------------------------------------------------


def test_dashboard_visitor_is_sent_to_login(client):
    response = client.get(reverse("dashboard:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_dashboard_user_without_a_role_sees_no_figures_and_whom_to_ask(user_client, history):
    response = user_client.get(reverse("dashboard:index"))

    assert response.status_code == 403
    assert "summary" not in response.context
    assert "Ask a manager of the shop" in response.content.decode()
    assert response.templates[0].name == "dashboard/no_access.html"


def test_dashboard_clerk_may_see_it(client, history, django_user_model):
    clerk = django_user_model.objects.create_user("clerk-on-shift")
    clerk.groups.add(Group.objects.get(name=CLERK))
    client.force_login(clerk)

    response = client.get(reverse("dashboard:index"))

    assert response.status_code == 200
    assert response.context["summary"]["sold"]["documents"] == len(
        in_days(history.sales, *PERIOD_DAYS["30d"])
    )
