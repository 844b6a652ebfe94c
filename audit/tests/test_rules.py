"""Replenishment rules in the history (audit.rules): written with an UPDATE auditlog never
sees, each changed stock row is recorded as an entry of its product, from the product's
rules page and from the rules CSV import."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.rules import RULE_ENTRY
from audit.tests.factories import entries_of
from products.models import StockLevel, StockRule
from products.tests.factories import ProductFactory, stock_up

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("replenishment:rules-import")


def rules_url(product) -> str:
    return reverse("products:replenishment", args=[product.pk])


def rule_entries(product) -> list[LogEntry]:
    return [entry for entry in entries_of(product) if RULE_ENTRY in (entry.additional_data or {})]


@pytest.fixture
def bolt(store, other_store):
    product = ProductFactory(name="Bolt", sku="BOLT", reorder_level=Decimal("3"))
    stock_up(product, store, 5)
    return product


def test_the_rules_page_records_each_changed_store_with_who_and_old_and_new(
    manager_client, manager, bolt, store, other_store
):
    StockLevel.objects.set_rules([StockRule(bolt.pk, store.pk, Decimal(2), None, None)])
    LogEntry.objects.all().delete()

    manager_client.post(
        rules_url(bolt),
        {
            f"store-{store.pk}-minimum": "4",
            f"store-{store.pk}-maximum": "12",
            f"store-{store.pk}-multiple": "",
            # Harbour Road: left at the defaults, as it was: no entry.
            f"store-{other_store.pk}-minimum": "",
            f"store-{other_store.pk}-maximum": "",
            f"store-{other_store.pk}-multiple": "",
        },
    )

    [entry] = rule_entries(bolt)
    assert entry.actor == manager
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.object_repr == "Bolt (BOLT)"
    assert entry.changes_dict == {
        "minimum at Main Street": ["2", "4"],
        "maximum at Main Street": [None, "12"],
    }
    assert entry.additional_data == {RULE_ENTRY: {"store": store.pk}}


def test_a_new_stock_row_for_a_rule_is_recorded_from_the_defaults(
    manager_client, bolt, other_store
):
    manager_client.post(
        rules_url(bolt),
        {
            f"store-{other_store.pk}-minimum": "1",
            f"store-{other_store.pk}-maximum": "",
            f"store-{other_store.pk}-multiple": "6",
        },
    )

    [entry] = rule_entries(bolt)
    assert entry.changes_dict == {
        "minimum at Harbour Road": [None, "1"],
        "order multiple at Harbour Road": [None, "6"],
    }


def test_saving_the_same_rules_again_records_nothing(manager_client, bolt, store):
    data = {
        f"store-{store.pk}-minimum": "4",
        f"store-{store.pk}-maximum": "",
        f"store-{store.pk}-multiple": "",
    }
    manager_client.post(rules_url(bolt), data)
    manager_client.post(rules_url(bolt), data)

    assert len(rule_entries(bolt)) == 1


def test_a_refused_rules_form_records_nothing(manager_client, bolt, store):
    manager_client.post(rules_url(bolt), {f"store-{store.pk}-minimum": "-1"})

    assert rule_entries(bolt) == []


def test_rule_changes_show_in_the_products_history_and_in_the_audit_list(
    manager_client, bolt, store
):
    manager_client.post(rules_url(bolt), {f"store-{store.pk}-minimum": "4"})

    page = manager_client.get(bolt.get_absolute_url()).content.decode()
    assert "Minimum at Main Street:</span>\n    — → 4" in page
    listed = manager_client.get(reverse("audit:list"), {"model": "products.product"})
    [row] = [row for row in listed.context["rows"] if row.entry.additional_data]
    assert (row.who, row.action, row.record) == ("manager", "Changed", "Bolt (BOLT)")
    assert [(c.name, c.old, c.new) for c in row.changes] == [("Minimum at Main Street", "—", "4")]
    assert row.url == bolt.get_absolute_url()


def test_the_rules_import_records_one_entry_per_changed_row(
    manager_client, manager, bolt, store, other_store
):
    store.code, other_store.code = "S-MAIN", "S-HBR"
    store.save()
    other_store.save()
    nut = ProductFactory(name="Nut", sku="NUT")
    StockLevel.objects.set_rules([StockRule(nut.pk, store.pk, Decimal(1), None, None)])
    LogEntry.objects.all().delete()
    text = (
        "sku,store,minimum,maximum,multiple\n"
        "BOLT,S-MAIN,4,,\n"
        "BOLT,S-HBR,2,8,2\n"
        "NUT,S-MAIN,1,,\n"  # unchanged
    )

    response = manager_client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("rules.csv", text.encode())}
    )

    assert response.status_code == 302
    entries = rule_entries(bolt)
    assert [entry.changes_dict for entry in entries] == [
        {"minimum at Main Street": [None, "4"]},
        {
            "minimum at Harbour Road": [None, "2"],
            "maximum at Harbour Road": [None, "8"],
            "order multiple at Harbour Road": [None, "2"],
        },
    ]
    assert {entry.actor for entry in entries} == {manager}
    assert rule_entries(nut) == []


def test_a_refused_import_records_nothing(manager_client, bolt, store):
    store.code = "S-MAIN"
    store.save()
    text = "sku,store,minimum,maximum,multiple\nBOLT,S-MAIN,4,,\nNOPE,S-MAIN,1,,\n"

    manager_client.post(IMPORT_URL, {"file": SimpleUploadedFile("rules.csv", text.encode())})

    assert rule_entries(bolt) == []


def test_rules_set_outside_a_request_are_recorded_as_the_system(bolt, store):
    StockLevel.objects.set_rules([StockRule(bolt.pk, store.pk, None, Decimal(9), None)])

    [entry] = rule_entries(bolt)
    assert entry.actor is None
    assert entry.changes_dict == {"maximum at Main Street": [None, "9"]}
