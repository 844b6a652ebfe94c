"""Store-scoped staff (accounts.access): a user limited to store A records and acts on
documents of A only. Every document type and action is tried against store B with the
page a browser would use and with a crafted POST: a form error on the store, or a 403,
and nothing written. B's documents stay visible read-only (unless HIDE_OTHER_STORES).
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.access import may_act_in, store_ids
from accounts.models import Profile
from accounts.roles import CLERK, MANAGER
from imports.services import import_apply, import_validate
from imports.tests.factories import csv_text, make_import
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import StockLevel, StockMovement, StockRule
from products.tests.factories import ProductFactory, stock_up
from purchases.models import Purchase, PurchaseOrder, PurchaseReturn
from purchases.tests.factories import make_order, make_purchase
from purchases.tests.test_views import purchase_form_data
from sales.models import Sale, SaleReturn
from sales.tests.factories import make_sale
from sales.tests.test_views import sale_form_data
from stores.tests.factories import StoreFactory
from transfers.models import Transfer
from transfers.tests.factories import make_transfer
from transfers.tests.test_views import form_data as transfer_form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]


def works_in(user, *stores):
    """Limit ``user`` to ``stores`` (none: no store at all)."""
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"all_stores": False})
    profile.stores.set(stores)
    return user


def staff(django_user_model, username, role, *stores):
    user = django_user_model.objects.create_user(username, password=f"pw-{username}-123")
    user.groups.add(Group.objects.get(name=role))
    return works_in(user, *stores)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def home(store):
    """Store A, where the scoped staff work."""
    return store


@pytest.fixture
def away(other_store):
    """Store B, where they do not."""
    return other_store


@pytest.fixture
def clerk_a(django_user_model, home):
    return staff(django_user_model, "clerk-a", CLERK, home)


@pytest.fixture
def manager_a(django_user_model, home):
    return staff(django_user_model, "manager-a", MANAGER, home)


@pytest.fixture
def drill(home, away):
    product = ProductFactory(name="Cordless Drill", sale_price=Decimal("50.00"))
    stock_up(product, home, 20, unit_cost=Decimal("30.00"))
    stock_up(product, away, 20, unit_cost=Decimal("30.00"))
    return product


def written() -> dict:
    """Everything a refused action could have written."""
    return {
        "sales": Sale.objects.count(),
        "voided sales": Sale.objects.filter(voided_at__isnull=False).count(),
        "sale returns": SaleReturn.objects.count(),
        "purchases": Purchase.objects.count(),
        "voided purchases": Purchase.objects.filter(voided_at__isnull=False).count(),
        "purchase returns": PurchaseReturn.objects.count(),
        "orders": list(PurchaseOrder.objects.order_by("pk").values_list("status", flat=True)),
        "transfers": list(Transfer.objects.order_by("pk").values_list("status", flat=True)),
        "movements": StockMovement.objects.count(),
        "stock": list(StockLevel.objects.order_by("pk").values_list("quantity", flat=True)),
    }


# The rule


def test_who_works_where(django_user_model, home, away):
    nobody_set = django_user_model.objects.create_user("no-profile")
    everywhere = works_in(django_user_model.objects.create_user("everywhere"))
    Profile.objects.filter(user=everywhere).update(all_stores=True)
    everywhere = django_user_model.objects.get(pk=everywhere.pk)
    only_a = works_in(django_user_model.objects.create_user("only-a"), home)
    none = works_in(django_user_model.objects.create_user("none"))
    root = works_in(django_user_model.objects.create_superuser("root", password="x"))

    # Users from before stores were scoped, and superusers, keep every store.
    assert store_ids(nobody_set) is None and may_act_in(nobody_set, away)
    assert store_ids(everywhere) is None and may_act_in(everywhere, home, away)
    assert store_ids(root) is None
    assert store_ids(only_a) == {home.pk}
    assert may_act_in(only_a, home) and not may_act_in(only_a, away)
    assert not may_act_in(only_a, home, away)  # a transfer's both ends: not both theirs
    assert store_ids(none) == frozenset() and not may_act_in(none, home)
    assert not may_act_in(AnonymousUser(), home)


# New documents: the pickers offer the user's stores; another posted is a form error.


def test_the_sale_page_offers_and_preselects_the_clerks_only_store(clerk_a, home, away):
    response = client_of(clerk_a).get(reverse("sales:create"))

    field = response.context["form"]["store"]
    assert list(field.field.queryset) == [home]
    assert field.value() == home.pk


def test_a_clerk_sells_in_their_store(clerk_a, home, drill):
    customer = CustomerFactory()
    data = sale_form_data(customer=customer, store=home, lines=[(drill, "2", "50.00")])

    response = client_of(clerk_a).post(reverse("sales:create"), data)

    sale = Sale.objects.get()
    assert response.status_code == 302 and response.url == sale.get_absolute_url()
    assert sale.store == home and sale.created_by == clerk_a


@pytest.mark.parametrize(
    "route, make_data",
    [
        (
            "sales:create",
            lambda away, drill: sale_form_data(
                customer=CustomerFactory(), store=away, lines=[(drill, "2", "50.00")]
            ),
        ),
        (
            "purchases:create",
            lambda away, drill: purchase_form_data(
                supplier=SupplierFactory(), store=away, lines=[(drill, "2", "30.00")]
            ),
        ),
        (
            "purchase_orders:create",
            lambda away, drill: {
                **purchase_form_data(
                    supplier=SupplierFactory(), store=away, lines=[(drill, "2", "30.00")]
                ),
                "expected_date": "",
            },
        ),
    ],
    ids=["sale", "purchase", "purchase order"],
)
def test_a_new_document_for_another_store_is_a_form_error(clerk_a, away, drill, route, make_data):
    before = written()

    response = client_of(clerk_a).post(reverse(route), make_data(away, drill))

    assert response.status_code == 200
    assert response.context["form"].errors["store"] == [
        "Choose one of your stores (you do not work in the others)."
    ]
    assert written() == before


def test_a_transfer_leaves_from_the_clerks_store_only(clerk_a, home, away, drill):
    client = client_of(clerk_a)
    before = written()

    refused = client.post(
        reverse("transfers:create"),
        transfer_form_data(from_store=away, to_store=home, lines=[(drill, "1")]),
    )
    assert refused.status_code == 200 and "from_store" in refused.context["form"].errors
    assert written() == before

    sent = client.post(
        reverse("transfers:create"),
        transfer_form_data(from_store=home, to_store=away, lines=[(drill, "1")]),
    )
    assert sent.status_code == 302
    assert Transfer.objects.get().from_store == home


# Actions on existing documents: 403 for another store's, nothing written.


def post_refused(client, url, data=None) -> None:
    before = written()
    response = client.post(url, data or {})
    assert response.status_code == 403, url
    assert written() == before


def test_a_clerk_takes_no_return_of_another_stores_sale(clerk_a, home, away, drill):
    theirs = make_sale(store=away, lines=[(drill, 2, Decimal("50.00"))])
    ours = make_sale(store=home, lines=[(drill, 2, Decimal("50.00"))])
    client = client_of(clerk_a)
    url = reverse("sales:return", args=[theirs.pk])

    assert client.get(url).status_code == 403
    post_refused(client, url, {f"quantity_{theirs.lines.get().pk}": "1"})
    assert client.get(reverse("sales:return", args=[ours.pk])).status_code == 200


def test_a_clerk_receives_no_order_of_another_store(clerk_a, home, away, drill):
    theirs = make_order(store=away, lines=[(drill, 5)], place=True)
    ours = make_order(store=home, lines=[(drill, 5)], place=True)
    client = client_of(clerk_a)
    url = reverse("purchase_orders:receive", args=[theirs.pk])

    assert client.get(url).status_code == 403
    post_refused(client, url, {f"quantity_{theirs.lines.get().pk}": "5"})
    assert client.get(reverse("purchase_orders:receive", args=[ours.pk])).status_code == 200


def test_a_clerk_edits_no_draft_order_of_another_store(clerk_a, away, drill):
    theirs = make_order(store=away, lines=[(drill, 5)])
    client = client_of(clerk_a)
    url = reverse("purchase_orders:edit", args=[theirs.pk])

    assert client.get(url).status_code == 403
    post_refused(
        client,
        url,
        purchase_form_data(supplier=theirs.supplier, store=away, lines=[(drill, "9", "1.00")]),
    )


@pytest.mark.parametrize("route", ["place", "cancel", "delete"])
def test_a_manager_of_one_store_steps_no_order_of_another(manager_a, away, drill, route):
    theirs = make_order(store=away, lines=[(drill, 5)])

    post_refused(
        client_of(manager_a),
        reverse(f"purchase_orders:{route}", args=[theirs.pk]),
        {"reason": "Not needed"},
    )


def test_a_manager_of_one_store_voids_only_their_stores_documents(manager_a, home, away, drill):
    client = client_of(manager_a)
    their_sale = make_sale(store=away, lines=[(drill, 1, Decimal("50.00"))])
    their_purchase = make_purchase(store=away, lines=[(drill, 1, Decimal("30.00"))])
    reason = {"reason": "Keyed twice"}

    post_refused(client, reverse("sales:void", args=[their_sale.pk]), reason)
    post_refused(client, reverse("purchases:void", args=[their_purchase.pk]), reason)
    post_refused(client, reverse("purchases:return", args=[their_purchase.pk]))

    our_sale = make_sale(store=home, lines=[(drill, 1, Decimal("50.00"))])
    client.post(reverse("sales:void", args=[our_sale.pk]), reason)
    our_sale.refresh_from_db()
    assert our_sale.is_voided


def test_a_clerk_dispatches_from_and_receives_into_their_store_only(clerk_a, home, away, drill):
    client = client_of(clerk_a)
    outgoing_from_b = make_transfer(from_store=away, to_store=StoreFactory(), lines=[(drill, 1)])
    incoming_to_b = make_transfer(from_store=home, to_store=away, lines=[(drill, 1)], dispatch=True)
    incoming_to_a = make_transfer(from_store=away, to_store=home, lines=[(drill, 1)], dispatch=True)

    post_refused(client, reverse("transfers:dispatch", args=[outgoing_from_b.pk]))
    post_refused(client, reverse("transfers:delete", args=[outgoing_from_b.pk]))
    assert client.get(reverse("transfers:edit", args=[outgoing_from_b.pk])).status_code == 403
    post_refused(client, reverse("transfers:receive", args=[incoming_to_b.pk]))

    # What B sent to A is A's to receive.
    line = incoming_to_a.lines.get()
    response = client.post(
        reverse("transfers:receive", args=[incoming_to_a.pk]),
        {f"receive-received_{line.pk}": "1", "receive-reason": ""},
    )
    assert response.status_code in (200, 302)
    incoming_to_a.refresh_from_db()
    assert incoming_to_a.is_received


def test_a_manager_of_one_store_adjusts_stock_there_only(manager_a, away, drill):
    before = written()

    response = client_of(manager_a).post(
        reverse("products:adjust", args=[drill.pk]),
        {
            "adjust-store": away.pk,
            "adjust-mode": "counted",
            "adjust-quantity": "3",
            "adjust-reason": "Count",
        },
        follow=True,
    )

    assert "Choose one of your stores" in response.content.decode()
    assert written() == before


def test_replenishment_drafts_only_for_the_users_stores(manager_a, away, drill):
    level = StockLevel.objects.get(product=drill, store=away)

    post_refused(
        client_of(manager_a),
        reverse("replenishment:drafts"),
        {"line": str(level.pk), f"action-{level.pk}": "order", f"quantity-{level.pk}": "5"},
    )


# Reading: another store's documents are shown read-only, or hidden by the setting.


def test_another_stores_sale_is_shown_without_its_actions(manager_a, away, drill):
    theirs = make_sale(store=away, lines=[(drill, 2, Decimal("50.00"))])

    response = client_of(manager_a).get(theirs.get_absolute_url())

    assert response.status_code == 200
    assert response.context["can_void"] is False and response.context["can_return"] is False
    assert reverse("sales:void", args=[theirs.pk]) not in response.content.decode()


def test_another_stores_transfer_and_order_are_shown_without_their_steps(manager_a, away, drill):
    client = client_of(manager_a)
    transfer = make_transfer(from_store=away, to_store=StoreFactory(), lines=[(drill, 1)])
    order = make_order(store=away, lines=[(drill, 5)])

    assert not any(client.get(transfer.get_absolute_url()).context["can"].values())
    assert not any(client.get(order.get_absolute_url()).context["can"].values())


@pytest.mark.parametrize("hidden", [False, True])
def test_hide_other_stores_setting(settings, clerk_a, home, away, drill, hidden):
    settings.HIDE_OTHER_STORES = hidden
    ours = make_sale(store=home, lines=[(drill, 1, Decimal("50.00"))])
    theirs = make_sale(store=away, lines=[(drill, 1, Decimal("50.00"))])
    transfer = make_transfer(from_store=away, to_store=StoreFactory(), lines=[(drill, 1)])
    client = client_of(clerk_a)

    listed = {sale.pk for sale in client.get(reverse("sales:list")).context["object_list"]}
    assert listed == ({ours.pk} if hidden else {ours.pk, theirs.pk})
    assert client.get(theirs.get_absolute_url()).status_code == (404 if hidden else 200)
    assert client.get(transfer.get_absolute_url()).status_code == (404 if hidden else 200)
    assert client.get(ours.get_absolute_url()).status_code == 200


# Replenishment rules and drafts: only for the user's stores.


def rule_of(product, store) -> tuple:
    level = StockLevel.objects.filter(product=product, store=store).first()
    if level is None:
        return None
    return (level.reorder_point, level.order_up_to, level.order_multiple)


def rules_form(*stores, minimum="4", maximum="12", multiple="2") -> dict:
    data = {}
    for store in stores:
        data |= {
            f"store-{store.pk}-minimum": minimum,
            f"store-{store.pk}-maximum": maximum,
            f"store-{store.pk}-multiple": multiple,
        }
    return data


def test_the_rules_page_shows_other_stores_read_only(manager_a, home, away, drill):
    response = client_of(manager_a).get(reverse("products:replenishment", args=[drill.pk]))

    rows = {row["store"]: row for row in response.context["rows"]}
    assert rows[home]["editable"] and not rows[away]["editable"]
    assert not any(field.disabled for field in rows[home]["form"].fields.values())
    assert all(field.disabled for field in rows[away]["form"].fields.values())
    html = response.content.decode()
    assert html.count('data-testid="rules-read-only"') == 1
    assert f'name="store-{away.pk}-minimum"' in html  # shown, disabled: never posted
    assert "Read-only: not one of your stores" in html


def test_a_manager_of_one_store_sets_rules_there(manager_a, home, away, drill):
    response = client_of(manager_a).post(
        reverse("products:replenishment", args=[drill.pk]), rules_form(home)
    )

    assert response.status_code == 302
    assert rule_of(drill, home) == (Decimal(4), Decimal(12), Decimal(2))
    assert rule_of(drill, away) == (None, None, None)


def test_a_crafted_post_of_another_stores_rule_is_refused(manager_a, home, away, drill):
    before = (rule_of(drill, home), rule_of(drill, away))

    response = client_of(manager_a).post(
        reverse("products:replenishment", args=[drill.pk]), rules_form(home, away)
    )

    assert response.status_code == 403
    assert (rule_of(drill, home), rule_of(drill, away)) == before


def test_the_rules_import_refuses_other_stores_rows(manager_a, home, away, drill):
    home.code, away.code = "S-A", "S-B"
    home.save()
    away.save()
    text = f"sku,store,minimum,maximum,multiple\n{drill.sku},S-A,4,12,2\n{drill.sku},S-B,4,12,2\n"

    response = client_of(manager_a).post(
        reverse("replenishment:rules-import"),
        {"file": SimpleUploadedFile("rules.csv", text.encode())},
    )

    assert response.status_code == 200
    [error] = response.context["errors"]
    assert (error.row, error.value) == (3, "S-B")
    assert f"You do not work in {away.name}" in error.message
    assert rule_of(drill, home) == (None, None, None)  # all or nothing
    assert rule_of(drill, away) == (None, None, None)


def low_at_home_with_surplus_away(home, away):
    """A product below its minimum at home, with stock to spare at ``away``."""
    product = ProductFactory(name="Hammer", reorder_level=Decimal("0"))
    stock_up(product, home, 1)
    stock_up(product, away, 30)
    StockLevel.objects.set_rules([StockRule(product.pk, home.pk, Decimal(5), Decimal(10), None)])
    return product


def test_replenishment_drafts_no_transfer_from_a_store_the_user_does_not_work_in(
    manager_a, home, away
):
    low_at_home_with_surplus_away(home, away)
    client = client_of(manager_a)
    [row] = client.get(reverse("replenishment:list")).context["object_list"]
    assert row.transfer_from == away.pk
    before = written()

    response = client.post(
        reverse("replenishment:drafts"),
        {
            "line": str(row.pk),
            f"action-{row.pk}": "transfer",
            f"transfer-quantity-{row.pk}": str(row.transfer_quantity),
            f"transfer-from-{row.pk}": str(away.pk),
        },
        follow=True,
    )

    [message] = [str(message) for message in response.context["messages"]]
    assert message.startswith("Nothing was created")
    assert f"you do not work in {away.name}, the store the transfer would come from" in message
    assert written() == before


def test_replenishment_drafts_an_order_for_the_users_store(manager_a, home, away):
    low_at_home_with_surplus_away(home, away)
    client = client_of(manager_a)
    [row] = client.get(reverse("replenishment:list")).context["object_list"]

    client.post(
        reverse("replenishment:drafts"),
        {
            "line": str(row.pk),
            f"action-{row.pk}": "order",
            f"quantity-{row.pk}": str(row.suggested),
        },
    )

    assert PurchaseOrder.objects.get().store == home


@pytest.mark.parametrize("hidden", [False, True])
def test_hide_other_stores_on_the_product_pages_stock_table(
    settings, clerk_a, manager, home, away, drill, hidden
):
    settings.HIDE_OTHER_STORES = hidden

    response = client_of(clerk_a).get(drill.get_absolute_url())
    everywhere = client_of(manager).get(drill.get_absolute_url())

    shown = [level.store for level in response.context["stock_levels"]]
    assert shown == ([home] if hidden else sorted([home, away], key=lambda s: s.name))
    assert response.context["on_hand"] == (20 if hidden else 40)
    # Staff of every store see every store, whatever the setting.
    assert len(everywhere.context["stock_levels"]) == 2


def test_the_opening_stock_import_refuses_other_stores_rows(manager_a, home, away):
    product = ProductFactory(sku="NAIL-1")
    rows = [["SKU", "Store", "Quantity"], ["NAIL-1", home.name, "5"], ["NAIL-1", away.name, "7"]]
    run = make_import(user=manager_a, kind="opening_stock", content=csv_text(rows))

    import_validate(run=run)
    import_apply(run=run)

    assert (run.to_create, run.error_count) == (1, 1)
    assert run.errors[0][0] == 3 and "You do not work in this store" in run.errors[0][3]
    assert StockLevel.objects.get(product=product, store=home).quantity == 5
    assert not StockLevel.objects.filter(product=product, store=away).exclude(quantity=0).exists()
