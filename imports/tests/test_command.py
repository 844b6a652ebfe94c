"""``manage.py import_data KIND FILE``: the same import, from a shell, with a progress bar."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from imports.models import ImportRun
from imports.tests.factories import csv_text
from products.models import Product
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

HEADER = ["SKU", "Name", "Category", "Supplier", "Price"]


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def products_file(tmp_path, *rows):
    path = tmp_path / "products.csv"
    path.write_text(csv_text([HEADER, *rows]))
    return str(path)


def test_dry_run_reports_and_writes_nothing(tmp_path, manager, catalog):
    path = products_file(
        tmp_path, ["A-1", "One", "Fasteners", "Acme Tools", "1"], ["A-2", "", "Fasteners", "X", "1"]
    )

    out, err = run_command("products", path, "--dry-run", "--user", manager.username)

    assert "1 to create" in out and "1 with errors" in out
    assert "row 3, Name “”: This field is required." in out
    assert "2 / 2 rows" in err  # the progress bar
    assert not Product.objects.exists()
    assert ImportRun.objects.get().created_by == manager  # recorded as on the pages


def test_import_and_update(tmp_path, manager, catalog):
    ProductFactory(sku="A-1", sale_price=Decimal("1"))
    path = products_file(
        tmp_path, ["A-1", "One", "Fasteners", "Acme Tools", "5"], ["A-2", "Two", "Fasteners",
                                                                    "Acme Tools", "1"]
    )  # fmt: skip

    out, _err = run_command("products", path, "--update", "--user", manager.username)

    assert "1 created, 1 updated" in out
    assert Product.objects.get(sku="A-1").sale_price == Decimal("5")


def test_all_or_nothing_with_errors_fails_and_imports_nothing(tmp_path, manager, catalog):
    path = products_file(
        tmp_path, ["A-1", "One", "Fasteners", "Acme Tools", "1"], ["A-2", "", "Fasteners", "X", "1"]
    )

    with pytest.raises(CommandError, match="Nothing imported"):
        run_command("products", path, "--all-or-nothing", "--user", manager.username)
    assert not Product.objects.exists()


def test_bad_files_and_headers_fail_with_a_message(tmp_path, manager):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Colour,Size\nred,L\n")

    with pytest.raises(CommandError, match="empty"):
        run_command("products", str(empty), "--user", manager.username)
    with pytest.raises(CommandError, match="holds the sku"):
        run_command("products", str(wrong), "--user", manager.username)
    with pytest.raises(CommandError, match="No file"):
        run_command("products", str(tmp_path / "missing.csv"), "--user", manager.username)
