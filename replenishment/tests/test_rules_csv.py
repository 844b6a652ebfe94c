"""The rules CSV round trip: /replenishment/rules.csv and /replenishment/rules/import/."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from products.models import Product, StockLevel, Unit
from products.tests.factories import ProductFactory
from replenishment.tests.factories import level, make_order, set_rule, stock_up
from stores.tests.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

D = Decimal
EXPORT_URL = reverse("replenishment:rules-csv")
IMPORT_URL = reverse("replenishment:rules-import")
HEADER = "sku,store,minimum,maximum,multiple\n"


def exported(client) -> list[list[str]]:
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())  # Excel on Windows reads it as UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def upload(client, text: str | bytes):
    content = text.encode() if isinstance(text, str) else text
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile("rules.csv", content)})


def rule_of(product, store) -> tuple:
    row = level(product, store)
    return (row.reorder_point, row.order_up_to, row.order_multiple)


def errors_of(response) -> list[tuple]:
    return [(error.row, error.value, error.message) for error in response.context["errors"]]


@pytest.fixture
def shop(store, other_store):
    """Main Street (code S-MAIN) and Harbour Road (S-HBR), a bolt stocked at both, a nut with a
    rule at Main Street only, and an archived product."""
    store.code, other_store.code = "S-MAIN", "S-HBR"
    store.save()
    other_store.save()
    bolt = ProductFactory(sku="BOLT", reorder_level=5)
    nut = ProductFactory(sku="NUT", reorder_level=5)
    stock_up(bolt, store, 3)
    stock_up(bolt, other_store, 7)
    set_rule(nut, store, minimum=10, maximum=40, multiple=10)
    archived = ProductFactory(sku="OLD")
    stock_up(archived, store, 1)
    archived.archive()
    return {"bolt": bolt, "nut": nut, "main": store, "harbour": other_store}


# Export -------------------------------------------------------------------------------------


def test_export_lists_pairs_with_stock_or_a_rule_blank_for_defaults(manager_client, shop):
    make_order(store=shop["harbour"], lines=[(shop["nut"], 5)], place=True)  # on order only

    assert exported(manager_client) == [
        ["sku", "store", "minimum", "maximum", "multiple"],
        ["BOLT", "S-HBR", "", "", ""],
        ["BOLT", "S-MAIN", "", "", ""],
        ["NUT", "S-HBR", "", "", ""],
        ["NUT", "S-MAIN", "10", "40", "10"],
    ]


def test_export_needs_permission(client, user):
    client.force_login(user)

    assert client.get(EXPORT_URL).status_code == 403


# Import -------------------------------------------------------------------------------------


def test_round_trip_saves_the_rules_and_never_touches_quantities(manager_client, shop):
    main, harbour, bolt, nut = shop["main"], shop["harbour"], shop["bolt"], shop["nut"]
    make_order(store=main, lines=[(bolt, 6)], place=True)
    rows = exported(manager_client)
    rows[1][2:] = ["2", "8", ""]  # BOLT at S-HBR
    rows[3][2:] = ["", "", ""]  # NUT at S-MAIN: back to the defaults
    rows.append(["bolt", "s-main", "1.000", "12", "3"])  # any case, as typed
    del rows[2]  # BOLT at S-MAIN twice otherwise
    text = io.StringIO()
    csv.writer(text).writerows(rows)

    response = upload(manager_client, text.getvalue())

    assert response.status_code == 302
    assert rule_of(bolt, harbour) == (2, 8, None)
    assert rule_of(bolt, main) == (1, 12, 3)
    assert rule_of(nut, main) == (None, None, None)
    assert (level(bolt, main).quantity, level(bolt, main).on_order) == (3, 6)
    assert level(bolt, harbour).quantity == 7


def test_the_exported_file_as_downloaded_imports_back_unchanged(manager_client, shop):
    downloaded = b"".join(manager_client.get(EXPORT_URL).streaming_content)  # with its BOM

    response = upload(manager_client, downloaded)

    assert response.status_code == 302
    assert rule_of(shop["nut"], shop["main"]) == (10, 40, 10)
    assert rule_of(shop["bolt"], shop["main"]) == (None, None, None)


def test_import_creates_a_missing_stock_row_at_zero(manager_client, shop):
    response = upload(manager_client, HEADER + "NUT,S-HBR,3,9,\n")

    assert response.status_code == 302
    created = level(shop["nut"], shop["harbour"])
    assert (created.quantity, created.on_order, created.reorder_point) == (0, 0, 3)


def test_import_leaves_rows_not_in_the_file_alone(manager_client, shop):
    upload(manager_client, HEADER + "BOLT,S-MAIN,1,2,1\n")

    assert rule_of(shop["nut"], shop["main"]) == (10, 40, 10)


def test_import_with_any_error_saves_nothing_and_lists_every_error(manager_client, shop):
    for sku in ("P6", "P7", "P8", "P9", "P10", "P11"):
        ProductFactory(sku=sku, reorder_level=5)
    text = HEADER + "\n".join(
        [
            "BOLT,S-MAIN,1,20,1",  # fine, but not saved
            "NOPE,S-MAIN,1,2,1",
            "OLD,S-MAIN,1,2,1",
            "BOLT,NOWHERE,1,2,1",
            "P6,S-HBR,-1,2,1",
            "P7,S-HBR,lots,,",
            "P8,S-HBR,10,4,",
            "P9,S-HBR,,4,",  # below the default minimum: the reorder level 5
            "P10,S-HBR,,,0",
            "P11,S-HBR,2.5,,",
            "bolt,s-main,1,2,1",
        ]
    )

    response = upload(manager_client, text)

    assert response.status_code == 200
    assert rule_of(shop["bolt"], shop["main"]) == (None, None, None)
    archived = Product.objects.get(sku="OLD")
    assert errors_of(response) == [
        (3, "NOPE", "No product has this SKU."),
        (4, "OLD", f"{archived.name} is archived."),
        (5, "NOWHERE", "No store has this code."),
        (6, "-1", "Minimum: Cannot be negative."),
        (7, "lots", "Minimum: Enter a number."),
        (8, "4", "Maximum: The maximum (4) is below the minimum (10)."),
        (9, "4", "Maximum: The maximum (4) is below the minimum (5, the product's reorder level)."),
        (10, "0", "Multiple: An order multiple must be above zero."),
        (11, "2.5", "Minimum: This product is counted in whole pieces: 2.5 is not a whole number."),
        (12, "bolt,s-main", "BOLT at S-MAIN is on row 2 too."),
    ]
    html = response.content.decode()
    assert "Nothing was saved: the file has 10 errors." in html
    assert "<td><code>NOWHERE</code></td>" in html


def test_import_accepts_parts_of_a_metre(manager_client, shop):
    cable = ProductFactory(sku="CABLE", unit=Unit.objects.standard()["m"])

    upload(manager_client, HEADER + "CABLE,S-MAIN,0.25,1.5,0.25\n")

    assert rule_of(cable, shop["main"]) == (D("0.25"), D("1.5"), D("0.25"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\n", "The header must name the columns"),
        (b"sku,store,minimum\nBOLT,S-MAIN,1\n", "missing: maximum, multiple"),
        (HEADER.encode(), "The file has no rows."),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ((HEADER + 'BOLT,"S-MAIN\n').encode(), "Not a CSV file"),
    ],
)
def test_import_refuses_files_that_are_not_the_rules_csv(manager_client, shop, content, message):
    response = upload(manager_client, content)

    assert response.status_code == 200
    assert message in errors_of(response)[0][2]
    assert StockLevel.objects.filter(reorder_point__isnull=False).count() == 1  # the nut's


@pytest.mark.parametrize("data", [{}, {"file": SimpleUploadedFile("rules.csv", b"")}])
def test_import_without_a_file_asks_for_one(manager_client, data):
    response = manager_client.post(IMPORT_URL, data)

    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_import_accepts_a_header_in_any_case_and_a_byte_order_mark(manager_client, shop):
    upload(manager_client, "\ufeffSKU,Store,Minimum,Maximum,Multiple\r\nNUT,S-HBR,1,2,1\r\n")

    assert rule_of(shop["nut"], shop["harbour"]) == (1, 2, 1)


def test_import_is_for_managers(clerk_client, shop):
    assert clerk_client.get(IMPORT_URL).status_code == 403
    assert upload(clerk_client, HEADER + "NUT,S-HBR,1,2,1\n").status_code == 403
    assert not StockLevel.objects.filter(product=shop["nut"], store=shop["harbour"]).exists()


def test_import_page_links_to_the_export(manager_client):
    response = manager_client.get(IMPORT_URL)

    assert response.status_code == 200
    assert f'href="{EXPORT_URL}"' in response.content.decode()


def test_import_of_many_rows_runs_a_bounded_number_of_queries(
    manager_client, django_assert_max_num_queries
):
    stores = [StoreFactory(code=f"ST{n}") for n in range(3)]
    products = ProductFactory.create_batch(40, reorder_level=1)
    text = HEADER + "".join(
        f"{product.sku},{store.code},2,{n % 5 + 2},1\n"
        for n, product in enumerate(products)
        for store in stores
    )

    with django_assert_max_num_queries(30):
        response = upload(manager_client, text)

    assert response.status_code == 302
    assert StockLevel.objects.filter(reorder_point=2).count() == 120
