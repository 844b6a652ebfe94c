"""What the history records: who, when, and each field's old and new value."""

from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Profile
from accounts.roles import CLERK, MANAGER, ROLES
from accounts.tests.factories import staff_user
from audit.changes import history_rows
from audit.tests.factories import entries_of, latest_entry_of
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import ENGINE_FIELDS
from products.tests.factories import CategoryFactory, ProductFactory, TaxRateFactory, stock_up
from purchases.tests.factories import make_order, make_purchase
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory
from transfers.tests.factories import make_transfer

pytestmark = pytest.mark.django_db

Action = LogEntry.Action


def product_form(product, **changes) -> dict:
    """The product's edit form as the page posts it, with ``changes``."""
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category_id,
        "supplier": product.supplier_id,
        "unit": product.unit.symbol,
        "cost_price": str(product.cost_price),
        "sale_price": str(product.sale_price),
        "tax_rate": product.tax_rate_id or "",
        "reorder_level": str(product.reorder_level),
        "pack_size": "",
        "pack_name": "",
        "description": product.description,
        **changes,
    }


# Master data ---------------------------------------------------------------------------------


def test_product_price_change_records_old_and_new_value_and_who(manager_client, manager):
    product = ProductFactory(sale_price=Decimal("10.00"))

    response = manager_client.post(
        product.get_absolute_url(), product_form(product, sale_price="12.50")
    )

    assert response.status_code == 302
    entry = latest_entry_of(product)
    assert entry.action == Action.UPDATE
    assert entry.actor == manager
    # Only what changed: the rest of the form came back as it was.
    assert entry.changes_dict == {"sale_price": ["10.00", "12.50"]}
    [row] = history_rows([entry])
    assert (row.who, row.action) == ("manager", "Changed")
    assert [(c.name, c.old, c.new) for c in row.changes] == [("Sale price", "10.00", "12.50")]


def test_product_changes_of_cost_reorder_level_and_tax_rate_are_recorded(manager_client):
    product = ProductFactory(cost_price=Decimal("4.00"), reorder_level=5)
    # Above 5 and at most 8: the stored at_reorder_level flag flips with the level,
    # a figure the database derives, not a change anyone made.
    stock_up(product, StoreFactory(), 6)
    vat = TaxRateFactory(name="VAT 20 %")

    manager_client.post(
        product.get_absolute_url(),
        product_form(product, cost_price="4.40", reorder_level="8", tax_rate=vat.pk),
    )

    entry = latest_entry_of(product)
    assert entry.changes_dict == {
        "cost_price": ["4.00", "4.40"],
        "reorder_level": ["5.000", "8.000"],
        "tax_rate": ["None", str(vat.pk)],
    }
    [row] = history_rows([entry])
    assert ("Tax rate", "—", "VAT 20 %") in [(c.name, c.old, c.new) for c in row.changes]


def test_a_new_product_is_recorded_without_the_figures_the_stock_engine_keeps(manager):
    with set_actor(manager):
        product = ProductFactory()

    [entry] = entries_of(product)
    assert entry.action == Action.CREATE
    assert entry.actor == manager
    assert not ENGINE_FIELDS & set(entry.changes_dict)
    assert entry.changes_dict["sku"] == ["None", product.sku]


@pytest.mark.parametrize(
    ("factory", "namespace"),
    [
        (CategoryFactory, "categories"),
        (SupplierFactory, "suppliers"),
        (lambda: StoreFactory(name="Harbour"), "stores"),
        (ProductFactory, "products"),
    ],
)
def test_archive_and_restore_are_recorded(manager_client, manager, factory, namespace):
    record = factory()

    manager_client.post(reverse(f"{namespace}:archive", args=[record.pk]))
    manager_client.post(reverse(f"{namespace}:restore", args=[record.pk]))

    archived, restored = entries_of(record)[-2:]
    assert archived.changes_dict == {"is_active": ["True", "False"]}
    assert restored.changes_dict == {"is_active": ["False", "True"]}
    assert archived.actor == restored.actor == manager
    assert [row.action for row in history_rows([archived, restored])] == ["Archived", "Restored"]


def test_a_deleted_record_is_recorded_with_what_it_held(manager_client, manager):
    category = CategoryFactory(name="Seasonal")

    manager_client.post(reverse("categories:delete", args=[category.pk]))

    entry = LogEntry.objects.latest("pk")
    assert (entry.action, entry.object_repr, entry.actor) == (Action.DELETE, "Seasonal", manager)
    [row] = history_rows([entry])
    assert ("Name", "Seasonal", "—") in [(c.name, c.old, c.new) for c in row.changes]
    assert row.url is None  # nothing left to link to


def test_editing_a_record_without_changing_it_records_nothing(manager_client):
    product = ProductFactory()
    before = len(entries_of(product))

    manager_client.post(product.get_absolute_url(), product_form(product))

    assert len(entries_of(product)) == before


# The stock engine ----------------------------------------------------------------------------


def test_a_sale_records_its_creation_and_nothing_on_its_products(store):
    product, other = ProductFactory(), ProductFactory()
    stock_up(product, store, 10)
    stock_up(other, store, 10)
    customer, user = CustomerFactory(), staff_user()
    before = [len(entries_of(product)), len(entries_of(other))]

    with CaptureQueriesContext(connection) as queries:
        sale = make_sale(
            store=store, customer=customer, user=user, lines=[(product, 2), (other, 1)]
        )

    assert [len(entries_of(product)), len(entries_of(other))] == before
    [created] = entries_of(sale)
    assert created.action == Action.CREATE
    # auditlog read no product (nor any row) before a save: the sale's own entry is its
    # one statement on the history's table.
    history = [q["sql"] for q in queries.captured_queries if "auditlog_logentry" in q["sql"]]
    assert len(history) == 1 and history[0].startswith("INSERT")


def test_a_purchase_records_its_creation_and_nothing_on_its_products(store):
    product = ProductFactory()
    before = len(entries_of(product))

    purchase = make_purchase(store=store, lines=[(product, 5)])

    assert len(entries_of(product)) == before
    assert [entry.action for entry in entries_of(purchase)] == [Action.CREATE]


def test_a_sale_void_is_an_update_of_the_sale(manager_client, manager, store):
    product = ProductFactory()
    stock_up(product, store, 10)
    sale = make_sale(store=store, lines=[(product, 2)])

    manager_client.post(reverse("sales:void", args=[sale.pk]), {"reason": "Entered twice"})

    entry = latest_entry_of(sale)
    assert (entry.action, entry.actor) == (Action.UPDATE, manager)
    assert entry.changes_dict["void_reason"] == ["", "Entered twice"]
    assert entry.changes_dict["voided_at"][0] == "None"
    [row] = history_rows([entry])
    assert ("Void reason", "", "Entered twice") not in [(c.name, c.old, c.new) for c in row.changes]
    assert ("Void reason", "—", "Entered twice") in [(c.name, c.old, c.new) for c in row.changes]


def test_transfer_steps_are_recorded_as_status_changes(store, other_store):
    product = ProductFactory()
    stock_up(product, store, 5)

    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(product, 2)], receive=True
    )

    statuses = [entry.changes_dict.get("status") for entry in entries_of(transfer)]
    assert statuses == [["None", "draft"], ["draft", "dispatched"], ["dispatched", "received"]]
    rows = history_rows(entries_of(transfer))
    assert [(c.old, c.new) for c in rows[1].changes] == [("Draft", "In transit")]


def test_a_purchase_order_placed_is_a_status_change(store):
    order = make_order(store=store, lines=[(ProductFactory(), 5)], place=True)

    assert [entry.changes_dict["status"] for entry in entries_of(order)] == [
        ["None", "draft"],
        ["draft", "ordered"],
    ]


# Users: roles and stores ----------------------------------------------------------------------


def roles(*names):
    return list(Group.objects.filter(name__in=names))


def test_a_users_role_and_stores_changes_are_recorded(manager, store, other_store):
    user = get_user_model().objects.create_user("pat")

    with set_actor(manager):
        user.groups.add(*roles(CLERK))
        # What /users/ does to make someone a manager: every other role removed, this added.
        user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=MANAGER))
        user.groups.add(*roles(MANAGER))
        profile = Profile.objects.create(user=user, all_stores=True)
        profile.all_stores = False
        profile.save()
        profile.stores.set([store])
        profile.stores.set([other_store])

    groups = [entry.changes_dict["groups"] for entry in entries_of(user)[1:]]
    assert [(g["operation"], g["objects"]) for g in groups] == [
        ("add", [CLERK]),
        ("delete", [CLERK]),
        ("add", [MANAGER]),
    ]
    stores = [entry.changes_dict for entry in entries_of(profile)[1:]]
    assert stores[0] == {"all_stores": ["True", "False"]}
    assert [(s["stores"]["operation"], s["stores"]["objects"]) for s in stores[1:]] == [
        ("add", ["Main Street"]),
        ("delete", ["Main Street"]),
        ("add", ["Harbour Road"]),
    ]
    # All but the user's creation, before.
    assert {entry.actor for entry in entries_of(user)[1:] + entries_of(profile)} == {manager}
    rows = history_rows(entries_of(user))
    assert [(c.name, c.added, c.removed, c.old or c.new) for c in rows[2].changes] == [
        ("Groups", False, True, CLERK)
    ]


def test_removing_a_role_the_user_does_not_hold_records_nothing(manager):
    user = get_user_model().objects.create_user("pat")
    user.groups.add(*roles(MANAGER))
    before = len(entries_of(user))

    # Every save at /users/ removes the roles other than the one chosen.
    user.groups.remove(*roles(CLERK))

    assert len(entries_of(user)) == before


def test_passwords_and_logins_are_never_recorded(client):
    user = get_user_model().objects.create_user("pat", password="first-pass-123")
    user.set_password("second-pass-456")
    user.save()
    client.login(username="pat", password="second-pass-456")

    entries = entries_of(user)
    assert [entry.action for entry in entries] == [Action.CREATE]
    assert "password" not in entries[0].changes_dict
    assert "last_login" not in entries[0].changes_dict
