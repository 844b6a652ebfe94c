"""CSV exports: the rows of the list they come from, its filters honoured, streamed in chunks."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import core.csv_export
from accounts.tests.factories import staff_user
from core.quantities import plain_quantity
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import StockMovement
from products.services import stock_adjust
from products.tests.factories import CategoryFactory, ProductFactory, TaxRateFactory
from purchases.services import purchase_void
from purchases.tests.factories import make_order, make_purchase, receive
from sales.models import Sale, SaleLine
from sales.pricing import Discount
from sales.returns import ReturnLineInput, sale_return
from sales.services import SaleLineInput, sale_confirm, sale_void
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date(2026, 3, 10)
AUCKLAND = "Pacific/Auckland"

PRODUCTS_CSV = reverse("reports:products-csv")
PURCHASES_CSV = reverse("reports:purchase-lines-csv")
SALES_CSV = reverse("reports:sale-lines-csv")
MOVEMENTS_CSV = reverse("reports:movements-csv")


@pytest.fixture(autouse=True)
def frozen_today(settings, monkeypatch):
    settings.TIME_ZONE = AUCKLAND
    real_localdate = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def export(client, url, query=None) -> tuple[list[str], list[list[str]]]:
    header, *rows = read_csv(client.get(url, query or {}))
    return header, rows


# Products -----------------------------------------------------------------------------------


@pytest.fixture
def catalogue():
    """Two stores (one archived), two categories and suppliers, products with and without stock."""
    alder, birch, closed = (
        StoreFactory(name="Alder"),
        StoreFactory(name="Birch"),
        StoreFactory(name="Closed"),
    )
    tools, paint = CategoryFactory(name="Tools"), CategoryFactory(name="Paint")
    acme, brush_co = SupplierFactory(name="Acme"), SupplierFactory(name="Brush Co")
    hammer = ProductFactory(
        name="Hammer", category=tools, supplier=acme, cost_price=D("7.50"), reorder_level=5
    )
    saw = ProductFactory(name="Saw", category=tools, supplier=brush_co, reorder_level=2)
    roller = ProductFactory(
        name="Paint roller", category=paint, supplier=brush_co, reorder_level=10
    )
    primer = ProductFactory(name="Primer", category=paint, supplier=acme, reorder_level=0)
    old = ProductFactory(name="Old hammer", category=tools, supplier=acme)
    receive(hammer, alder, 3, D("7.50"))
    receive(hammer, birch, 4, D("8.50"))  # average cost (22.50 + 34.00) / 7
    receive(saw, birch, 20, D("4.00"))
    receive(roller, closed, 2, D("4.00"))
    old.archive()
    closed.archive()
    return {
        "stores": (alder, birch, closed),
        "categories": (tools, paint),
        "suppliers": (acme, brush_co),
        "products": {"hammer": hammer, "saw": saw, "roller": roller, "primer": primer, "old": old},
    }


PRODUCT_HEADER = [
    "SKU",
    "Name",
    "Category",
    "Supplier",
    "Unit",
    "Cost price",
    "Sale price",
    "Average cost",
    "Reorder level",
    "Active",
]


def test_products_csv_has_on_hand_per_store_and_money_as_decimals(manager_client, catalogue):
    hammer = catalogue["products"]["hammer"]
    alder = hammer.stock_levels.order_by("store__name").first().store
    make_order(store=alder, lines=[(hammer, 12)], place=True)
    make_order(store=alder, lines=[(hammer, 5)])  # a draft is not on order

    header, rows = export(manager_client, PRODUCTS_CSV)

    # Every store has a column, archived ones too: their stock is still real.
    assert header == [
        *PRODUCT_HEADER,
        "On hand: Alder",
        "On hand: Birch",
        "On hand: Closed",
        "On hand: total",
        "On order: total",
    ]
    by_name = {row[1]: row for row in rows}
    assert by_name["Hammer"] == [
        hammer.sku,
        "Hammer",
        "Tools",
        "Acme",
        "piece",
        "7.50",
        "10.00",
        f"{(D('22.50') + D('34.00')) / 7:.4f}",
        "5",
        "yes",
        "3",
        "4",
        "0",
        "7",
        "12",
    ]
    assert by_name["Paint roller"][-5:] == ["0", "0", "2", "2", "0"]
    assert by_name["Primer"][-5:] == ["0", "0", "0", "0", "0"]
    # The archived product is left out, as on the list; rows come in the order they were added.
    products = catalogue["products"]
    assert [row[1] for row in rows] == [
        product.name
        for product in sorted(products.values(), key=lambda p: p.pk)
        if product.is_active
    ]


def list_skus(client, query) -> set[str]:
    response = client.get(reverse("products:list"), query)
    assert response.status_code == 200
    return {product.sku for product in response.context["object_list"]}


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({}, {"Hammer", "Saw", "Paint roller", "Primer"}),
        ({"q": "HAMMER"}, {"Hammer"}),
        ({"q": "hammer", "status": "all"}, {"Hammer", "Old hammer"}),
        ({"status": "archived"}, {"Old hammer"}),
        ({"category": "paint"}, {"Paint roller", "Primer"}),
        ({"supplier": "brush_co"}, {"Saw", "Paint roller"}),
        ({"category": "tools", "supplier": "acme"}, {"Hammer"}),
        # At or below reorder level in total: hammer 7 > 5, saw 20 > 2, roller 2 <= 10, primer 0.
        ({"below_reorder": "on"}, {"Paint roller", "Primer"}),
        ({"below_reorder": "on", "supplier": "acme"}, {"Primer"}),
        ({"q": "zzz"}, set()),
        # Invalid values are ignored one by one; the valid search still applies.
        ({"category": "abc", "q": "saw"}, {"Saw"}),
        ({"supplier": "999999", "q": "primer"}, {"Primer"}),
        ({"status": "bogus", "q": "roller"}, {"Paint roller"}),
        ({"below_reorder": "maybe"}, {"Paint roller", "Primer"}),
    ],
)
def test_products_csv_honours_the_list_filters(manager_client, catalogue, query, names):
    ids = {
        "paint": catalogue["categories"][1].pk,
        "tools": catalogue["categories"][0].pk,
        "acme": catalogue["suppliers"][0].pk,
        "brush_co": catalogue["suppliers"][1].pk,
    }
    query = {key: ids.get(value, value) for key, value in query.items()}
    skus = {p.name: p.sku for p in catalogue["products"].values()}

    _, rows = export(manager_client, PRODUCTS_CSV, query)

    assert {row[1] for row in rows} == names
    assert {row[0] for row in rows} == list_skus(manager_client, query) == {skus[n] for n in names}


def test_products_csv_cells_cannot_run_as_spreadsheet_formulas(manager_client):
    ProductFactory(name='=HYPERLINK("http://evil.example","click")')
    ProductFactory(name="@SUM(A1:A9)")
    ProductFactory(name="Plain - name")

    _, rows = export(manager_client, PRODUCTS_CSV)

    names = sorted(row[1] for row in rows)
    assert names == ['\'=HYPERLINK("http://evil.example","click")', "'@SUM(A1:A9)", "Plain - name"]


def test_products_csv_file_name_carries_the_local_date(manager_client):
    response = manager_client.get(PRODUCTS_CSV)

    assert response["Content-Disposition"] == f'attachment; filename="products-{TODAY}.csv"'


# Purchases and sales ------------------------------------------------------------------------


@pytest.fixture
def documents():
    """Purchases and sales at two stores with two parties each, over a week, two voided."""
    north, south = StoreFactory(name="North"), StoreFactory(name="South")
    acme, bolt_co = SupplierFactory(name="Acme"), SupplierFactory(name="Bolt Co")
    ann, bob = CustomerFactory(name="Ann"), CustomerFactory(name="Bob")
    bolt = ProductFactory(name="Bolt", cost_price=D("4.00"), sale_price=D("10.00"))
    nut = ProductFactory(name="Nut", cost_price=D("0.35"), sale_price=D("0.99"))
    purchases, sales = [], []
    for offset in range(7):
        day = TODAY - datetime.timedelta(days=offset)
        store, supplier, customer = (north, acme, ann) if offset % 2 else (south, bolt_co, bob)
        purchases.append(
            make_purchase(
                store=store,
                supplier=supplier,
                lines=[(bolt, 10 + offset, D("4.00")), (nut, 100, D("0.35"))],
                date=day,
                reference=f"INV-{offset}",
            )
        )
        sales.append(
            make_sale(
                store=store,
                customer=customer,
                lines=[(bolt, 1 + offset, D("9.50")), (nut, 7, D("0.99"))],
                date=day,
            )
        )
    sale_void(sale=sales[1], user=staff_user(), reason="test")
    purchase_void(purchase=purchases[6], user=staff_user(), reason="test")
    return {
        "stores": (north, south),
        "suppliers": (acme, bolt_co),
        "customers": (ann, bob),
        "purchases": purchases,
        "sales": sales,
    }


PURCHASE_HEADER = [
    "Purchase",
    "Date",
    "Supplier",
    "Store",
    "Reference",
    "Voided at",
    "SKU",
    "Product",
    "Unit",
    "Quantity",
    "Packs",
    "Pack size",
    "Unit cost",
    "Line total",
    "Tax %",
    "Tax",
    "Gross",
    "Returned",
    "Returned (net)",
]
SALE_HEADER = [
    "Sale",
    "Date",
    "Customer",
    "Store",
    "Voided at",
    "SKU",
    "Product",
    "Unit",
    "Quantity",
    "List price",
    "Unit price",
    "Discount",
    "Net",
    "Tax %",
    "Tax",
    "Gross",
    "Unit cost",
    "Gross profit",
    "Price set by",
    "Returned",
    "Returned (net)",
]


def local_iso(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def test_purchase_lines_csv_has_one_row_per_line(manager_client, documents):
    purchase = documents["purchases"][2]
    voided = documents["purchases"][6]
    voided.refresh_from_db()

    header, rows = export(manager_client, PURCHASES_CSV, {"status": "all"})

    assert header == PURCHASE_HEADER
    assert len(rows) == 2 * 7
    mine = [row for row in rows if row[0] == str(purchase.pk)]
    assert mine == [
        [
            str(purchase.pk),
            "2026-03-08",
            "Bolt Co",
            "South",
            "INV-2",
            "",
            line.product.sku,
            line.product.name,
            "piece",
            plain_quantity(line.quantity, grouped=False),
            "",
            "",
            f"{line.unit_cost:.2f}",
            f"{line.quantity * line.unit_cost:.2f}",
            "0",
            "0.00",
            f"{line.quantity * line.unit_cost:.2f}",
            "0",  # nothing went back to the supplier
            "0.00",
        ]
        for line in purchase.lines.order_by("pk")
    ]
    assert mine[0][-11:-2] == ["piece", "12", "", "", "4.00", "48.00", "0", "0.00", "48.00"]
    assert mine[1][-11:-2] == ["piece", "100", "", "", "0.35", "35.00", "0", "0.00", "35.00"]
    voided_rows = [row for row in rows if row[0] == str(voided.pk)]
    # Voided at is local time (Auckland), not UTC.
    assert {row[5] for row in voided_rows} == {local_iso(voided.voided_at)}
    assert voided_rows[0][5].endswith(("+13:00", "+12:00"))


def test_sale_lines_csv_has_cost_and_gross_profit_per_line(manager_client, documents):
    sale = documents["sales"][0]

    header, rows = export(manager_client, SALES_CSV)

    assert header == SALE_HEADER
    mine = [row for row in rows if row[0] == str(sale.pk)]
    assert mine == [
        [
            str(sale.pk),
            "2026-03-10",
            "Bob",
            "South",
            "",
            line.product.sku,
            line.product.name,
            "piece",
            plain_quantity(line.quantity, grouped=False),
            f"{line.list_price:.2f}",
            f"{line.unit_price:.2f}",
            "0.00",
            f"{line.net_amount:.2f}",
            "0",
            "0.00",
            f"{line.net_amount:.2f}",
            f"{line.unit_cost:.4f}",
            f"{line.net_amount - line.quantity * line.unit_cost:.2f}",
            line.price_set_by.username if line.price_set_by else "",
            "0",
            "0.00",
        ]
        for line in sale.lines.order_by("pk")
    ]
    # 1 bolt at 9.50 (listed at 10.00, so someone set the price) bought at 4.00; 7 nuts
    # at their list price of 0.99 bought at 0.35. Untaxed: net and gross are the same.
    # List price, unit price, discount, net; gross profit, price set by.
    assert [row[9:13] + row[17:19] for row in mine] == [
        ["10.00", "9.50", "0.00", "9.50", "5.50", "factory-clerk"],
        ["0.99", "0.99", "0.00", "6.93", "4.48", ""],
    ]


def test_sale_lines_csv_says_what_came_back_of_each_line(manager_client, documents, manager):
    sale = documents["sales"][0]
    nuts = sale.lines.order_by("pk")[1]
    sale_return(sale=sale, lines=[ReturnLineInput(nuts, Decimal("3"))], user=manager)
    sale_return(sale=sale, lines=[ReturnLineInput(nuts, Decimal("2"), False)], user=manager)

    _, rows = export(manager_client, SALES_CSV)

    mine = [row for row in rows if row[0] == str(sale.pk)]
    # 5 of the 7 nuts at 0.99 came back; the line itself still says what it sold.
    # Net, tax %, tax; returned, returned (net).
    assert [row[12:15] + row[19:] for row in mine] == [
        ["9.50", "0", "0.00", "0", "0.00"],
        ["6.93", "0", "0.00", "5", "4.95"],
    ]


def test_sale_lines_csv_carries_discounts_net_tax_and_gross(manager_client, manager):
    # Given 3 drills at 10.00 taxed 20 % with 10 % off the line, and 2 bulbs at 5.00 taxed
    # 5 %, with 3.70 off the whole sale: shared 2.70 and 1.00 over the lines' 27.00 and 10.00.
    store = StoreFactory()
    drill = ProductFactory(
        sku="DRL-1", sale_price=D("10.00"), tax_rate=TaxRateFactory(percent=D("20"))
    )
    bulb = ProductFactory(
        sku="BLB-1", sale_price=D("5.00"), tax_rate=TaxRateFactory(percent=D("5"))
    )
    receive(drill, store, 5, D("6.00"))
    receive(bulb, store, 5, D("2.00"))
    sale = sale_confirm(
        customer=CustomerFactory(),
        store=store,
        user=manager,
        lines=[
            SaleLineInput(drill, D("3"), discount=Discount(percent=D("10"))),
            SaleLineInput(bulb, D("2")),
        ],
        discount=Discount(amount=D("3.70")),
    )
    drills = sale.lines.get(product=drill)
    sale_return(sale=sale, lines=[ReturnLineInput(drills, D("1"))], user=manager)

    # When
    _, rows = export(manager_client, SALES_CSV)

    # Then: from the list price to the gross, who set the price, and what came back
    # (a third of the drills' net).
    assert [row[5:] for row in rows if row[0] == str(sale.pk)] == [
        [
            "DRL-1", drill.name, "piece", "3", "10.00", "10.00", "5.70", "24.30", "20", "4.86",
            "29.16", "6.0000", "6.30", "manager", "1", "8.10",
        ],
        [
            "BLB-1", bulb.name, "piece", "2", "5.00", "5.00", "1.00", "9.00", "5", "0.45",
            "9.45", "2.0000", "5.00", "manager", "0", "0.00",
        ],
    ]  # fmt: skip


def document_ids(client, list_name, query) -> set[str]:
    response = client.get(reverse(list_name), query)
    assert response.status_code == 200
    return {str(document.pk) for document in response.context["object_list"]}


def expected_ids(documents, kind, *, party=None, store=None, start=None, end=None, status=""):
    chosen = set()
    for document in documents[kind]:
        document.refresh_from_db()
        if party and getattr(document, "supplier" if kind == "purchases" else "customer") != party:
            continue
        if (store and document.store != store) or (start and document.date < start):
            continue
        if (end and document.date > end) or (status == "valid" and document.is_voided):
            continue
        if status == "voided" and not document.is_voided:
            continue
        chosen.add(str(document.pk))
    return chosen


FILTER_CASES = [
    ({}, {}),
    ({"status": "valid"}, {"status": "valid"}),
    ({"status": "voided"}, {"status": "voided"}),
    ({"store": "north"}, {"store": "north"}),
    ({"party": "first"}, {"party": "first"}),
    ({"date_from": "2026-03-07"}, {"start": datetime.date(2026, 3, 7)}),
    ({"date_to": "2026-03-05"}, {"end": datetime.date(2026, 3, 5)}),
    (
        {"date_from": "2026-03-05", "date_to": "2026-03-08", "store": "south", "status": "all"},
        {
            "start": datetime.date(2026, 3, 5),
            "end": datetime.date(2026, 3, 8),
            "store": "south",
            "status": "all",
        },
    ),
    ({"party": "second", "status": "all"}, {"party": "second", "status": "all"}),
]


def resolve(documents, kind, query, expected):
    party_field = "supplier" if kind == "purchases" else "customer"
    parties = documents["suppliers" if kind == "purchases" else "customers"]
    names = {
        "north": documents["stores"][0],
        "south": documents["stores"][1],
        "first": parties[0],
        "second": parties[1],
    }
    query = {
        (party_field if key == "party" else key): (names[value].pk if value in names else value)
        for key, value in query.items()
    }
    expected = {key: names.get(value, value) for key, value in expected.items()}
    return query, expected


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES)
@pytest.mark.parametrize(
    ("kind", "url", "list_name"),
    [("purchases", PURCHASES_CSV, "purchases:list"), ("sales", SALES_CSV, "sales:list")],
)
def test_document_lines_csv_honours_the_list_filters(
    manager_client, documents, kind, url, list_name, query, expected
):
    query, expected = resolve(documents, kind, query, expected)
    wanted = expected_ids(documents, kind, **expected)

    _, rows = export(manager_client, url, query)

    assert {row[0] for row in rows} == wanted == document_ids(manager_client, list_name, query)
    assert len(rows) == 2 * len(wanted)  # two lines each


@pytest.mark.parametrize(
    "query",
    [
        {"store": "abc"},
        {"store": "999999"},
        {"supplier": "x", "customer": "x"},
        {"date_from": "yesterday"},
        {"date_to": "2026-02-30"},
        {"status": "deleted"},
        {"date_from": "2026-03-09", "date_to": "2026-03-01"},
        {"store": ["1", "2"]},
    ],
)
@pytest.mark.parametrize(
    ("url", "list_name"), [(PURCHASES_CSV, "purchases:list"), (SALES_CSV, "sales:list")]
)
def test_document_lines_csv_invalid_filters_give_the_list_rows_not_an_error(
    manager_client, documents, url, list_name, query
):
    _, rows = export(manager_client, url, query)

    assert {row[0] for row in rows} == document_ids(manager_client, list_name, query)


def test_document_lines_csv_empty_selection_is_just_the_header(manager_client, documents):
    assert read_csv(manager_client.get(SALES_CSV, {"date_from": "2030-01-01"})) == [SALE_HEADER]


# Stock movements ----------------------------------------------------------------------------


@pytest.fixture
def movements_at(monkeypatch):
    """Make the stock engine stamp its ledger rows with a chosen time."""
    created_at = StockMovement._meta.get_field("created_at")

    def stamp(moment: datetime.datetime):
        # Field.get_default() reads the cached _get_default; the patch is undone after the test.
        monkeypatch.setitem(created_at.__dict__, "_get_default", lambda: moment)

    return stamp


MOVEMENT_HEADER = [
    "When",
    "Store",
    "SKU",
    "Product",
    "Kind",
    "Document",
    "Unit",
    "Change",
    "Balance after",
    "By",
    "Note",
]


@pytest.fixture
def ledger(movements_at, manager):
    """Movements on both sides of local midnight (Auckland is UTC+13 in March)."""
    north, south = StoreFactory(name="North"), StoreFactory(name="South")
    bolt, nut = ProductFactory(name="Bolt"), ProductFactory(name="Nut")
    utc = datetime.UTC
    # 23:30 on 7 March local = 10:30 UTC on 7 March.
    movements_at(datetime.datetime(2026, 3, 7, 10, 30, tzinfo=utc))
    first = receive(bolt, north, 10)
    # 00:30 on 8 March local = 11:30 UTC on 7 March: a new local day, the same UTC day.
    movements_at(datetime.datetime(2026, 3, 7, 11, 30, tzinfo=utc))
    second = receive(nut, south, 5)
    sale = make_sale(store=north, lines=[(bolt, 4)])
    # 12:00 on 9 March local.
    movements_at(datetime.datetime(2026, 3, 8, 23, 0, tzinfo=utc))
    stock_adjust(product=nut, store=south, counted=3, user=manager, reason="=cmd|' /C calc'!A0")
    sale_void(sale=sale, user=manager, reason="returned")
    return {
        "stores": (north, south),
        "products": (bolt, nut),
        "purchases": (first, second),
        "sale": sale,
    }


def test_movements_csv_lists_the_ledger_with_local_times(manager_client, ledger):
    bolt, nut = ledger["products"]
    first, second = ledger["purchases"]
    sale = ledger["sale"]

    header, rows = export(manager_client, MOVEMENTS_CSV)

    assert header == MOVEMENT_HEADER
    assert {row[6] for row in rows} == {"piece"}
    assert [row[:6] + row[7:9] for row in rows] == [
        [
            "2026-03-07T23:30:00+13:00",
            "North",
            bolt.sku,
            "Bolt",
            "purchase",
            str(first.pk),
            "10",
            "10",
        ],
        [
            "2026-03-08T00:30:00+13:00",
            "South",
            nut.sku,
            "Nut",
            "purchase",
            str(second.pk),
            "5",
            "5",
        ],
        ["2026-03-08T00:30:00+13:00", "North", bolt.sku, "Bolt", "sale", str(sale.pk), "-4", "6"],
        ["2026-03-09T12:00:00+13:00", "South", nut.sku, "Nut", "adjustment", "", "-2", "3"],
        [
            "2026-03-09T12:00:00+13:00",
            "North",
            bolt.sku,
            "Bolt",
            "sale_void",
            str(sale.pk),
            "4",
            "10",
        ],
    ]
    assert rows[3][9:] == ["manager", "'=cmd|' /C calc'!A0"]
    assert rows[4][10] == "returned"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"date_from": "2026-03-08"}, [1, 2, 3, 4]),
        ({"date_to": "2026-03-07"}, [0]),
        ({"date_from": "2026-03-08", "date_to": "2026-03-08"}, [1, 2]),
        ({"date_from": "2026-03-09"}, [3, 4]),
        ({"date_to": "2026-03-06"}, []),
        ({"kind": "sale"}, [2]),
        ({"kind": "purchase", "store": "south"}, [1]),
        ({"product": "bolt"}, [0, 2, 4]),
        ({"product": "bolt", "date_from": "2026-03-08", "kind": "sale_void"}, [4]),
        # Invalid values are ignored one by one; the valid ones still apply.
        ({"product": "abc", "date_from": "2026-03-09"}, [3, 4]),
        ({"store": "-1", "kind": "sale"}, [2]),
        ({"kind": "theft"}, [0, 1, 2, 3, 4]),
        ({"date_from": "not a date", "date_to": "2026-03-07"}, [0]),
        ({"product": "99999999"}, []),
    ],
)
def test_movements_csv_honours_filters_by_local_day(manager_client, ledger, query, expected):
    names = {
        "bolt": ledger["products"][0].pk,
        "south": ledger["stores"][1].pk,
    }
    query = {key: names.get(value, value) for key, value in query.items()}
    _, everything = export(manager_client, MOVEMENTS_CSV)

    _, rows = export(manager_client, MOVEMENTS_CSV, query)

    assert rows == [everything[index] for index in expected]


# Streaming ----------------------------------------------------------------------------------

LINES_PER_SALE = 104
SALE_COUNT = 50  # 5,200 lines


def bulk_sales(store, customer, product):
    """Thousands of sale lines written straight to the database: only the export is under test."""
    user = staff_user()
    Sale.objects.bulk_create(
        Sale(store=store, customer=customer, date=TODAY, created_by=user) for _ in range(SALE_COUNT)
    )
    SaleLine.objects.bulk_create(
        SaleLine(
            sale=sale,
            sale_date=sale.date,
            product=product,
            quantity=1 + n % 5,
            unit_price=D("2.50"),
            list_price=D("2.50"),
            net_amount=(1 + n % 5) * D("2.50"),
            unit_cost=D("1.1250"),
        )
        for sale in Sale.objects.filter(store=store)
        for n in range(LINES_PER_SALE)
    )


def line_reads_rows(query, line_table: str) -> bool:
    """A read of the lines' rows; not the count that decides between streaming and a job."""
    return line_table in query["sql"] and not query["sql"].startswith("SELECT COUNT(*)")


def test_sale_lines_csv_streams_a_large_export_in_keyset_chunks(manager_client, monkeypatch):
    store, customer, product = StoreFactory(), CustomerFactory(), ProductFactory()
    bulk_sales(store, customer, product)
    total_lines = SALE_COUNT * LINES_PER_SALE
    monkeypatch.setattr(core.csv_export, "CHUNK_SIZE", 500)
    line_table = SaleLine._meta.db_table

    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(SALES_CSV, {"store": store.pk})
        assert isinstance(response, StreamingHttpResponse)
        chunks = iter(response.streaming_content)
        header = next(chunks).decode()
        first_row = next(chunks).decode()
        line_reads = [q["sql"] for q in queries.captured_queries if line_reads_rows(q, line_table)]
        # Only the first chunk has been read when the first row is out.
        assert len(line_reads) == 1
        chunk_count, row_count, byte_count = 2, 1, len(header) + len(first_row)
        for chunk in chunks:
            chunk_count += 1
            row_count += chunk.count(b"\n")
            byte_count += len(chunk)

    # A byte-order mark first, for spreadsheets to read the file as UTF-8.
    assert header == "\ufeff" + ",".join(SALE_HEADER) + "\r\n"
    assert first_row.split(",")[2:6] == [customer.name, store.name, "", product.sku]
    assert row_count == total_lines
    assert chunk_count == 1 + total_lines  # a chunk per row: nothing is gathered up
    line_reads = [q["sql"] for q in queries.captured_queries if line_reads_rows(q, line_table)]
    # 5,200 rows in pages of 500: 11 reads, each limited, each after the last key read.
    assert len(line_reads) == -(-total_lines // 500) == 11
    assert all("LIMIT 500" in sql for sql in line_reads)
    assert byte_count > 100_000


def test_exports_use_the_default_chunk_size_when_not_patched():
    assert core.csv_export.CHUNK_SIZE >= 500


def test_rows_in_chunks_pages_by_key_without_repeats_or_gaps(monkeypatch):
    store, customer, product = StoreFactory(), CustomerFactory(), ProductFactory()
    bulk_sales(store, customer, product)
    lines = SaleLine.objects.filter(sale__store=store)

    with CaptureQueriesContext(connection) as queries:
        pks = [row[0] for row in core.csv_export.rows_in_chunks(lines, ["pk"], chunk_size=1000)]

    assert pks == sorted(lines.values_list("pk", flat=True))
    assert len(queries) == 6  # 5,200 rows: five full pages and a short one


# Who may export ------------------------------------------------------------------------------

EXPORT_URLS = [PRODUCTS_CSV, PURCHASES_CSV, SALES_CSV, MOVEMENTS_CSV]


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_exports_visitor_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_exports_user_without_permission_is_refused(user_client, url):
    assert user_client.get(url).status_code == 403


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_exports_refuse_writes(manager_client, url):
    assert manager_client.post(url).status_code == 405
