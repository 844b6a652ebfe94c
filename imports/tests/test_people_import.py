"""Suppliers and customers: through SupplierForm and CustomerForm, matched by name."""

import pytest

from imports.services import import_apply, import_validate
from imports.tests.factories import csv_text, make_import
from people.models import Customer, Supplier
from people.tests.factories import CustomerFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def test_suppliers_are_created_with_their_contact_details(manager):
    run = make_import(
        user=manager,
        kind="suppliers",
        content=csv_text(
            [
                ["Supplier name", "Contact", "E-mail", "Telephone"],
                ["Acme Tools", "Jo Smith", "orders@acme.example", "+1 555 0100"],
                ["Bolt & Co", "", "", ""],
            ]
        ),
    )
    import_validate(run=run)
    assert (run.to_create, run.error_count) == (2, 0)
    assert not Supplier.objects.exists()

    import_apply(run=run)

    acme = Supplier.objects.get(name="Acme Tools")
    assert (acme.contact_person, acme.email, acme.phone) == (
        "Jo Smith", "orders@acme.example", "+1 555 0100"
    )  # fmt: skip
    assert Supplier.objects.count() == 2


def test_bad_supplier_rows_are_reported(manager):
    run = make_import(
        user=manager,
        kind="suppliers",
        content=csv_text(
            [["Name", "Email"], ["", "a@example.com"], ["Acme", "not-an-email"], ["acme", ""]]
        ),
    )

    import_validate(run=run)

    assert run.error_count == 3
    assert [error[:3] for error in run.errors] == [
        [2, "Name", ""],
        [3, "Email", "not-an-email"],
        [4, "Name", "acme"],  # the same name as row 3, case aside
    ]


def test_customers_are_updated_by_name_when_asked_and_unchanged_ones_counted(manager):
    CustomerFactory(name="Ann Lee", email="ann@example.com", phone="1")
    CustomerFactory(name="Bo Chan", email="bo@example.com", phone="2")
    content = csv_text(
        [
            ["Customer name", "Email", "Phone"],
            ["ann lee", "ann@new.example", "1"],
            ["Bo Chan", "bo@example.com", "2"],
            ["Cy Ng", "", ""],
        ]
    )
    refused = make_import(user=manager, kind="customers", content=content)
    import_validate(run=refused)
    assert (refused.to_create, refused.error_count) == (1, 2)

    run = make_import(user=manager, kind="customers", content=content, update_existing=True)
    import_validate(run=run)
    assert (run.to_create, run.to_update, run.unchanged, run.error_count) == (1, 1, 1, 0)
    import_apply(run=run)

    assert Customer.objects.get(name="Ann Lee").email == "ann@new.example"
    assert Customer.objects.count() == 3


def test_namesakes_are_refused_rather_than_guessed(manager):
    SupplierFactory(name="Acme")
    SupplierFactory(name="ACME")
    run = make_import(
        user=manager,
        kind="suppliers",
        update_existing=True,
        content=csv_text([["Name", "Phone"], ["Acme", "9"]]),
    )

    import_validate(run=run)
    import_apply(run=run)

    assert "several suppliers" in run.errors[0][3]
    assert set(Supplier.objects.values_list("phone", flat=True)) != {"9"}
