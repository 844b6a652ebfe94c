"""Importing products in the browser: one bad row, fixed from the error file, imported again."""

import csv
import io
from pathlib import Path

import pytest

from e2e.actions import expect
from people.tests.factories import SupplierFactory
from products.models import Product
from products.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["Item code", "Product name", "Group", "Vendor", "Cost", "Price"]


def csv_file(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def upload_and_check(page, server_url: str, name: str, content: bytes) -> None:
    page.goto(f"{server_url}/imports/")
    page.get_by_test_id("new-import").click()
    page.get_by_label("What to import").select_option("products")
    page.get_by_label("File").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Upload").click()
    # The columns were guessed from the headers.
    expect(page.get_by_label("SKU *")).to_have_value("Item code")
    page.get_by_test_id("dry-run").click()


def test_products_file_with_a_bad_row_fixed_from_the_error_file(manager_page, live_server):
    CategoryFactory(name="Fasteners")
    SupplierFactory(name="Acme Tools")
    page = manager_page
    content = csv_file(
        [
            HEADER,
            ["BOLT-1", "Hex bolt", "Fasteners", "Acme Tools", "0.10", "0.30"],
            ["NUT-1", "Hex nut", "Fasteners", "Acme Tools", "0.05", "-1"],
            ["WASH-1", "Washer", "Fasteners", "Acme Tools", "0.01", "0.05"],
        ]
    )

    upload_and_check(page, live_server.url, "products.csv", content)

    expect(page.get_by_test_id("count-create")).to_have_text("2")
    expect(page.get_by_test_id("count-errors")).to_have_text("1")
    expect(page.get_by_test_id("error-row")).to_contain_text("Price")
    assert not Product.objects.exists()  # a dry run
    page.get_by_test_id("run-import").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Imported")
    assert set(Product.objects.values_list("sku", flat=True)) == {"BOLT-1", "WASH-1"}

    with page.expect_download() as download_info:
        page.get_by_test_id("download-errors").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [*HEADER, "error"]
    assert rows[1][0] == "NUT-1" and "Price" in rows[1][-1]
    rows[1][5] = "0.15"  # fixed; the error column is left as it is

    upload_and_check(page, live_server.url, "products-errors.csv", csv_file(rows))
    expect(page.get_by_test_id("count-create")).to_have_text("1")
    expect(page.get_by_test_id("count-errors")).to_have_text("0")
    page.get_by_test_id("run-import").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Imported")

    assert str(Product.objects.get(sku="NUT-1").sale_price) == "0.15"
    page.goto(f"{live_server.url}/imports/")
    expect(page.get_by_test_id("import-row")).to_have_count(2)
