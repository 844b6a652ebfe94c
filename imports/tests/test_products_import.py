"""Products: created, updated, unchanged, and every kind of bad row, through ProductForm."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from imports.models import ImportRun
from imports.services import error_file, guess_mapping, import_apply, import_validate
from imports.tests.factories import csv_text, make_import
from people.models import Supplier
from products.models import Category, Product, TaxRate
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

HEADER = ["SKU", "Product name", "Category", "Supplier", "Unit", "Cost price", "Price"]


def products_file(*rows, header=HEADER, delimiter=","):
    return csv_text([header, *rows], delimiter=delimiter)


def test_guessing_columns_knows_common_synonyms():
    mapping = guess_mapping(
        "products", ["Item code", "Product Name", "Group", "Vendor", "UOM", "Unit cost", "Price"]
    )

    assert mapping["sku"] == "Item code"
    assert mapping["name"] == "Product Name"
    assert mapping["category"] == "Group"
    assert mapping["supplier"] == "Vendor"
    assert mapping["unit"] == "UOM"
    assert mapping["cost_price"] == "Unit cost"
    assert mapping["sale_price"] == "Price"
    assert mapping["description"] == ""


def test_valid_rows_are_created_after_a_dry_run_that_wrote_nothing(manager, catalog):
    run = make_import(
        user=manager,
        kind="products",
        content=products_file(
            ["bolt-1", "Bolt", "fasteners", "ACME TOOLS", "pcs", "0.10", "0.30"],
            ["rope-1", "Rope", "Fasteners", "Acme Tools", "m", "1.20", "2.50"],
        ),
    )

    import_validate(run=run)

    assert (run.status, run.to_create, run.error_count) == ("validated", 2, 0)
    assert not Product.objects.exists()

    import_apply(run=run)

    assert run.status == ImportRun.Status.DONE
    bolt, rope = Product.objects.order_by("sku")
    assert (bolt.sku, bolt.name, bolt.category.name, bolt.supplier.name) == (
        "BOLT-1", "Bolt", "Fasteners", "Acme Tools"
    )  # fmt: skip
    assert (rope.unit.symbol, rope.cost_price, rope.sale_price) == (
        "m", Decimal("1.20"), Decimal("2.50")
    )  # fmt: skip


def test_every_kind_of_bad_row_is_reported_with_row_column_value_and_why(manager, catalog):
    ProductFactory(sku="TAKEN-1")
    run = make_import(
        user=manager,
        kind="products",
        content=products_file(
            ["OK-1", "Fine", "Fasteners", "Acme Tools", "pcs", "1", "2"],
            ["", "No sku", "Fasteners", "Acme Tools", "pcs", "1", "2"],
            ["BAD-2", "", "Fasteners", "Acme Tools", "pcs", "1", "2"],
            ["BAD-3", "Unknown category", "Nails", "Acme Tools", "pcs", "1", "2"],
            ["BAD-4", "Unknown supplier", "Fasteners", "Nobody Ltd", "pcs", "1", "2"],
            ["BAD-5", "Unknown unit", "Fasteners", "Acme Tools", "bushel", "1", "2"],
            ["BAD-6", "Bad price", "Fasteners", "Acme Tools", "pcs", "abc", "-2"],
            ["TAKEN-1", "Exists", "Fasteners", "Acme Tools", "pcs", "1", "2"],
            ["OK-1", "Twice in the file", "Fasteners", "Acme Tools", "pcs", "1", "2"],
            ["BAD 7 ☃", "Bad sku", "Fasteners", "Acme Tools", "pcs", "1", "2"],
        ),
    )

    import_validate(run=run)

    assert (run.to_create, run.error_count) == (1, 9)
    by_row = {}
    for number, column, value, message in run.errors:
        by_row.setdefault(number, []).append((column, value, message))
    assert by_row[3] == [("SKU", "", "This field is required.")]
    assert by_row[4] == [("Product name", "", "This field is required.")]
    assert by_row[5][0][:2] == ("Category", "Nails") and "no category" in by_row[5][0][2]
    assert by_row[6][0][:2] == ("Supplier", "Nobody Ltd")
    assert by_row[7][0][:2] == ("Unit", "bushel")
    assert {(column, value) for column, value, _ in by_row[8]} == {
        ("Cost price", "abc"), ("Price", "-2")
    }  # fmt: skip
    assert "exists already" in by_row[9][0][2]
    assert "earlier row" in by_row[10][0][2]
    assert by_row[11][0][0] == "SKU"


def test_valid_rows_are_applied_and_bad_ones_skipped_without_all_or_nothing(manager, catalog):
    run = make_import(
        user=manager,
        kind="products",
        content=products_file(
            ["OK-1", "Fine", "Fasteners", "Acme Tools", "pcs", "1", "2"],
            ["BAD-1", "", "Fasteners", "Acme Tools", "pcs", "1", "2"],
        ),
    )
    import_validate(run=run)

    import_apply(run=run)

    assert list(Product.objects.values_list("sku", flat=True)) == ["OK-1"]
    assert (run.status, run.to_create, run.error_count) == ("done", 1, 1)


def test_all_or_nothing_with_one_bad_row_imports_nothing(manager, catalog):
    run = make_import(
        user=manager,
        kind="products",
        all_or_nothing=True,
        content=products_file(
            *[[f"OK-{n}", "Fine", "Fasteners", "Acme Tools", "pcs", "1", "2"] for n in range(700)],
            ["BAD-1", "", "Fasteners", "Acme Tools", "pcs", "1", "2"],
        ),
    )
    import_validate(run=run)

    import_apply(run=run)

    assert run.status == ImportRun.Status.REFUSED
    assert not Product.objects.exists()


def test_all_or_nothing_rolls_back_earlier_chunks_when_a_row_went_bad_since_the_dry_run(
    manager, catalog
):
    rows = [[f"OK-{n}", "Fine", "Fasteners", "Acme Tools", "pcs", "1", "2"] for n in range(600)]
    run = make_import(
        user=manager, kind="products", all_or_nothing=True, content=products_file(*rows)
    )
    import_validate(run=run)
    assert run.error_count == 0
    # Meanwhile someone adds a product the file's last chunk also creates.
    ProductFactory(sku="OK-599")

    import_apply(run=run)

    assert run.status == ImportRun.Status.REFUSED
    assert list(Product.objects.values_list("sku", flat=True)) == ["OK-599"]


def test_existing_products_are_updated_when_asked_and_unchanged_ones_counted(manager, catalog):
    category, supplier = catalog
    ProductFactory(
        sku="BOLT-1", name="Bolt", category=category, supplier=supplier, cost_price=Decimal("1"),
        sale_price=Decimal("2"),
    )  # fmt: skip
    ProductFactory(
        sku="NUT-1", name="Nut", category=category, supplier=supplier, cost_price=Decimal("1"),
        sale_price=Decimal("2"), description="Kept",
    )  # fmt: skip
    content = products_file(
        ["bolt-1", "Bolt", "Fasteners", "Acme Tools", "pcs", "1.00", "2.00"],
        ["nut-1", "Hex nut", "Fasteners", "Acme Tools", "pcs", "1.00", "2.50"],
    )
    refused = make_import(user=manager, kind="products", content=content)
    import_validate(run=refused)
    assert refused.error_count == 2

    run = make_import(user=manager, kind="products", content=content, update_existing=True)
    import_validate(run=run)
    assert (run.to_create, run.to_update, run.unchanged, run.error_count) == (0, 1, 1, 0)
    import_apply(run=run)

    nut = Product.objects.get(sku="NUT-1")
    assert (nut.name, nut.sale_price, nut.description) == ("Hex nut", Decimal("2.50"), "Kept")


def test_missing_categories_and_suppliers_are_created_on_the_way_when_asked(manager):
    content = products_file(
        ["A-1", "One", "Paint", "Colour Co", "", "1", "2"],
        ["A-2", "Two", "paint", "colour co", "", "1", "2"],
    )
    refused = make_import(user=manager, kind="products", content=content)
    import_validate(run=refused)
    assert refused.error_count == 2

    run = make_import(user=manager, kind="products", content=content, create_missing=True)
    import_validate(run=run)
    assert (run.to_create, run.error_count) == (2, 0)
    assert not Category.objects.filter(name__iexact="paint").exists()  # a dry run

    import_apply(run=run)

    assert list(Category.objects.values_list("name", flat=True)) == ["Paint"]
    assert list(Supplier.objects.values_list("name", flat=True)) == ["Colour Co"]
    assert Product.objects.filter(category__name="Paint").count() == 2


def test_tax_rate_given_by_name_or_percentage_and_blank_is_the_categorys(manager, catalog):
    reduced = TaxRate.objects.create(name="Reduced", percent=Decimal("5"))
    CategoryFactory(name="Food", tax_rate=TaxRate.objects.create(name="Std", percent=20))
    header = ["SKU", "Name", "Category", "Supplier", "VAT"]
    run = make_import(
        user=manager,
        kind="products",
        content=products_file(
            ["A-1", "One", "Food", "Acme Tools", "reduced"],
            ["A-2", "Two", "Food", "Acme Tools", "5%"],
            ["A-3", "Three", "Food", "Acme Tools", ""],
            ["A-4", "Four", "Food", "Acme Tools", "Luxury"],
            header=header,
        ),
    )
    import_validate(run=run)
    import_apply(run=run)

    taxes = dict(Product.objects.values_list("sku", "tax_rate__name"))
    assert taxes == {"A-1": reduced.name, "A-2": reduced.name, "A-3": "Std"}
    assert run.errors[0][1:] == ["VAT", "Luxury", "no tax rate is called “Luxury”"]


def test_a_semicolon_file_in_windows_1252_imports(manager, catalog):
    content = products_file(
        ["CR-1", "Crème brûlée", "Fasteners", "Acme Tools", "pcs", "1", "2"], delimiter=";"
    ).encode("cp1252")
    run = make_import(user=manager, kind="products", content=content)

    import_validate(run=run)
    import_apply(run=run)

    assert Product.objects.get().name == "Crème brûlée"


def test_an_excel_file_imports_and_its_error_file_is_a_csv(manager, catalog):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SKU", "Name", "Category", "Supplier", "Unit", "Cost", "Price", "Reorder level"])
    sheet.append(["XL-1", "From Excel", "Fasteners", "Acme Tools", "pcs", 0.5, 2, 10])
    sheet.append(["XL-2", "Half a piece", "Fasteners", "Acme Tools", "pcs", 0.5, 2, 2.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    run = make_import(
        user=manager, kind="products", content=buffer.getvalue(), file_name="products.xlsx"
    )

    import_validate(run=run)
    import_apply(run=run)

    product = Product.objects.get()
    assert (product.sku, product.cost_price, product.reorder_level) == (
        "XL-1", Decimal("0.50"), Decimal("10")
    )  # fmt: skip
    [row] = list(csv.reader(io.StringIO(error_file(run).decode("utf-8-sig"))))[1:]
    assert row[:2] == ["XL-2", "Half a piece"]
    assert "Reorder level" in row[-1] and "whole" in row[-1]


def test_an_absurd_number_in_a_tax_rate_cell_is_a_row_error_not_a_crash(manager, catalog):
    run = make_import(
        user=manager,
        kind="products",
        content=products_file(
            ["A-1", "One", "Fasteners", "Acme Tools", "1e999999999"],
            header=["SKU", "Name", "Category", "Supplier", "VAT"],
        ),
    )

    import_validate(run=run)

    assert (run.status, run.error_count) == (ImportRun.Status.VALIDATED, 1)
    assert run.errors[0][1:3] == ["VAT", "1e999999999"]


def test_a_category_name_too_long_to_create_is_a_row_error(manager, catalog):
    long_name = "Category " + "x" * 200
    run = make_import(
        user=manager,
        kind="products",
        content=products_file(["A-1", "One", long_name, "Acme Tools", "", "1", "2"]),
        create_missing=True,
    )

    import_validate(run=run)
    import_apply(run=run)

    assert run.error_count == 1 and "longer than a category name may be" in run.errors[0][3]
    assert not Product.objects.exists()
    assert not Category.objects.exclude(name="Fasteners").exists()
