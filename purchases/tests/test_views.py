"""Purchase pages: record (one or more lines), list with filters, detail, void."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.submissions import SUBMISSION_TOKEN_FIELD, new_token
from people.models import Supplier
from people.tests.factories import SupplierFactory
from products.models import StockMovement
from products.services import stock_adjust
from products.tests.factories import ProductFactory
from products.tests.stock_checks import on_hand, stock_snapshot
from purchases.models import Purchase
from purchases.tests.factories import make_purchase
from stores.tests.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

CREATE_URL = reverse("purchases:create")
LIST_URL = reverse("purchases:list")


@pytest.fixture
def supplier():
    return SupplierFactory(name="Acme Supplies")


@pytest.fixture
def widget():
    return ProductFactory(name="Blue Widget", cost_price=Decimal("2.50"))


@pytest.fixture
def gadget():
    return ProductFactory(name="Red Gadget", cost_price=Decimal("1.25"))


def purchase_form_data(*, supplier, store, lines, **header) -> dict:
    """POST data for the new-purchase page; ``lines`` are (product, quantity, unit_cost) with
    raw values as a browser would send them (a product as its SKU; text; "" for blank)."""
    data = {
        "supplier": supplier.pk,
        "store": store.pk,
        "reference": "INV-100",
        "date": "2026-03-02",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
        **header,
    }
    for index, (product, quantity, unit_cost) in enumerate(lines):
        data[f"lines-{index}-product"] = getattr(product, "sku", product)
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_cost"] = unit_cost
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# New purchase


def test_purchase_create_page_shows_one_line_and_the_line_template(manager_client):
    response = manager_client.get(CREATE_URL)

    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 1
    content = response.content.decode()
    assert 'name="lines-0-product"' in content
    assert 'id="empty-line"' in content
    assert 'name="lines-TOTAL_FORMS"' in content


def test_purchase_create_page_prefills_a_reorder(manager_client, widget):
    response = manager_client.get(CREATE_URL, {"product": widget.pk})

    assert response.context["form"].initial["supplier"] == widget.supplier_id
    assert response.context["formset"].forms[0].initial == {
        "product": widget,
        "unit_cost": Decimal("2.50"),
    }
    content = response.content.decode()
    assert f'name="lines-0-product" value="{widget.sku}"' in content
    assert 'id="id_lines-0-product_helptext" class="form-text">Blue Widget<' in content
    assert f'name="supplier" value="{widget.supplier.name}"' in content
    assert f'name="supplier_pk" value="{widget.supplier_id}"' in content


# Rendering the new-purchase page: the session, the user, the permissions, the user's
# profile (the default store), the stores of the header's <select>. No supplier or product
# is read: the pickers search for them.
PURCHASE_CREATE_PAGE_QUERIES = 6


@pytest.mark.parametrize("supplier_count", [0, 500])
def test_purchase_create_page_queries_do_not_grow_with_the_suppliers(
    manager_client, django_assert_num_queries, supplier_count
):
    Supplier.objects.bulk_create(
        Supplier(name=f"Wholesaler {number}") for number in range(supplier_count)
    )

    with django_assert_num_queries(PURCHASE_CREATE_PAGE_QUERIES):
        response = manager_client.get(CREATE_URL)

    assert response.status_code == 200
    assert "Wholesaler" not in response.content.decode()
    assert 'data-record-search="/suppliers/search/?active=1"' in response.content.decode()


def test_purchase_create_takes_the_supplier_by_name(manager_client, store, supplier, widget):
    data = purchase_form_data(supplier=supplier, store=store, lines=[(widget, "1", "")])
    data["supplier"] = "acme supplies"

    response = manager_client.post(CREATE_URL, data)

    assert response.status_code == 302
    assert Purchase.objects.get().supplier == supplier


@pytest.mark.parametrize("by", ["number", "name"])
def test_purchase_create_archived_supplier_refused(manager_client, store, supplier, widget, by):
    supplier.archive()
    data = purchase_form_data(supplier=supplier, store=store, lines=[(widget, "1", "")])
    data["supplier"] = supplier.pk if by == "number" else supplier.name
    before = stock_snapshot()

    response = manager_client.post(CREATE_URL, data)

    assert response.context["form"].errors["supplier"] == [
        "Acme Supplies is archived: choose an active supplier."
    ]
    assert stock_snapshot() == before


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "99999999999999999999999", ""])
def test_purchase_create_page_ignores_a_bad_reorder_product(manager_client, value):
    response = manager_client.get(CREATE_URL, {"product": value})

    assert response.status_code == 200
    assert response.context["formset"].forms[0].initial == {}


def test_purchase_create_page_ignores_an_archived_reorder_product(manager_client, widget):
    widget.archive()

    response = manager_client.get(CREATE_URL, {"product": widget.pk})

    assert response.context["formset"].forms[0].initial == {}


def test_purchase_create_with_one_line_receives_stock(
    manager_client, manager, store, supplier, widget
):
    response = manager_client.post(
        CREATE_URL,
        purchase_form_data(supplier=supplier, store=store, lines=[(widget, "10", "3.00")]),
    )

    purchase = Purchase.objects.get()
    assert response.status_code == 302
    assert response.url == purchase.get_absolute_url()
    assert (purchase.supplier, purchase.store, purchase.created_by) == (supplier, store, manager)
    assert purchase.reference == "INV-100"
    assert purchase.date == datetime.date(2026, 3, 2)
    assert list(purchase.lines.values_list("product_id", "quantity", "unit_cost")) == [
        (widget.pk, 10, Decimal("3.00"))
    ]
    assert on_hand(widget, store) == 10
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.document_id, movement.created_by) == (
        StockMovement.Kind.PURCHASE,
        purchase.pk,
        manager,
    )
    followed = manager_client.get(response.url)
    assert f"{purchase} was recorded." in messages_of(followed)


def test_purchase_create_with_two_lines_receives_both(
    manager_client, store, supplier, widget, gadget
):
    response = manager_client.post(
        CREATE_URL,
        purchase_form_data(
            supplier=supplier, store=store, lines=[(widget, "10", "3.00"), (gadget, "4", "1.00")]
        ),
    )

    assert response.status_code == 302
    purchase = Purchase.objects.get()
    assert purchase.lines.count() == 2
    assert on_hand(widget, store) == 10
    assert on_hand(gadget, store) == 4


def test_purchase_create_blank_unit_cost_uses_the_cost_price(
    manager_client, store, supplier, widget
):
    manager_client.post(
        CREATE_URL, purchase_form_data(supplier=supplier, store=store, lines=[(widget, "2", "")])
    )

    assert Purchase.objects.get().lines.get().unit_cost == Decimal("2.50")


def test_purchase_create_ignores_an_untouched_extra_line(manager_client, store, supplier, widget):
    response = manager_client.post(
        CREATE_URL,
        purchase_form_data(supplier=supplier, store=store, lines=[(widget, "2", ""), ("", "", "")]),
    )

    assert response.status_code == 302
    assert Purchase.objects.get().lines.count() == 1


BAD_LINES = {
    "negative quantity": ("quantity", "-1"),
    "zero quantity": ("quantity", "0"),
    "huge quantity": ("quantity", "123456789012345678901234"),
    "non-numeric quantity": ("quantity", "ten"),
    "decimal quantity": ("quantity", "1.5"),
    "empty quantity": ("quantity", ""),
    "unknown product": ("product", "999999"),
    "non-numeric product": ("product", "abc"),
    "empty product": ("product", ""),
    "negative unit cost": ("unit_cost", "-0.01"),
    "huge unit cost": ("unit_cost", "123456789012345678901234"),
    "non-numeric unit cost": ("unit_cost", "cheap"),
    "too many decimals": ("unit_cost", "1.001"),
}


@pytest.mark.parametrize("field, value", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_purchase_create_bad_line_shows_the_error_and_writes_nothing(
    manager_client, store, supplier, widget, field, value
):
    line = {"product": widget, "quantity": "5", "unit_cost": "3.00", field: value}
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL,
        purchase_form_data(
            supplier=supplier,
            store=store,
            lines=[(line["product"], line["quantity"], line["unit_cost"])],
        ),
    )

    assert response.status_code == 200
    assert field in response.context["formset"].forms[0].errors
    assert stock_snapshot() == before


def test_purchase_create_bad_second_line_keeps_what_was_typed(
    manager_client, store, supplier, widget, gadget
):
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL,
        purchase_form_data(
            supplier=supplier, store=store, lines=[(widget, "7", "3.10"), (gadget, "-2", "1.00")]
        ),
    )

    assert response.status_code == 200
    first, second = response.context["formset"].forms
    assert not first.errors
    assert "quantity" in second.errors
    content = response.content.decode()
    assert 'name="lines-0-quantity" value="7"' in content
    assert 'name="lines-0-unit_cost" value="3.10"' in content
    assert 'name="lines-1-quantity" value="-2"' in content
    assert stock_snapshot() == before


@pytest.mark.parametrize(
    "header",
    [{"supplier": ""}, {"store": "999999"}, {"date": "not a date"}, {"date": ""}],
    ids=["no supplier", "unknown store", "bad date", "no date"],
)
def test_purchase_create_bad_header_writes_nothing(manager_client, store, supplier, widget, header):
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL,
        purchase_form_data(supplier=supplier, store=store, lines=[(widget, "5", "")]) | header,
    )

    assert response.status_code == 200
    assert set(header) <= set(response.context["form"].errors)
    assert stock_snapshot() == before


def test_purchase_create_without_lines_writes_nothing(manager_client, store, supplier):
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL, purchase_form_data(supplier=supplier, store=store, lines=[])
    )

    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert stock_snapshot() == before


def test_purchase_create_with_only_a_blank_line_writes_nothing(manager_client, store, supplier):
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL, purchase_form_data(supplier=supplier, store=store, lines=[("", "", "")])
    )

    assert response.status_code == 200
    assert "product" in response.context["formset"].forms[0].errors
    assert stock_snapshot() == before


def test_purchase_create_without_management_form_is_an_error_not_a_crash(
    manager_client, store, supplier, widget
):
    data = purchase_form_data(supplier=supplier, store=store, lines=[(widget, "5", "")])
    del data["lines-TOTAL_FORMS"], data["lines-INITIAL_FORMS"]

    response = manager_client.post(CREATE_URL, data)

    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert not Purchase.objects.exists()


def test_purchase_create_more_than_a_hundred_lines_refused(manager_client, store, supplier, widget):
    response = manager_client.post(
        CREATE_URL,
        purchase_form_data(supplier=supplier, store=store, lines=[(widget, "1", "")] * 101),
    )

    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert not Purchase.objects.exists()


def test_purchase_create_archived_product_refused(manager_client, store, supplier, widget):
    widget.archive()

    response = manager_client.post(
        CREATE_URL, purchase_form_data(supplier=supplier, store=store, lines=[(widget, "1", "")])
    )

    assert response.context["formset"].forms[0].errors["product"] == [
        f"Blue Widget ({widget.sku}) is archived: it can no longer be bought or sold."
    ]
    assert not Purchase.objects.exists()


def test_purchase_create_takes_the_sku_in_any_case(manager_client, store, supplier, widget):
    typed = f"  {widget.sku.lower()} "

    response = manager_client.post(
        CREATE_URL, purchase_form_data(supplier=supplier, store=store, lines=[(typed, "2", "")])
    )

    assert response.status_code == 302
    assert Purchase.objects.get().lines.get().product == widget


def test_purchase_create_takes_the_product_key_from_scripts(
    manager_client, store, supplier, widget
):
    response = manager_client.post(
        CREATE_URL,
        purchase_form_data(supplier=supplier, store=store, lines=[(str(widget.pk), "2", "")]),
    )

    assert response.status_code == 302
    assert Purchase.objects.get().lines.get().product == widget


def test_purchase_create_unknown_sku_refused(manager_client, store, supplier):
    response = manager_client.post(
        CREATE_URL, purchase_form_data(supplier=supplier, store=store, lines=[("nope-1", "1", "")])
    )

    assert response.context["formset"].forms[0].errors["product"] == [
        "No active product with SKU nope-1."
    ]
    assert 'name="lines-0-product" value="nope-1"' in response.content.decode()
    assert not Purchase.objects.exists()


def test_purchase_create_needs_the_add_permission(user_client, store, supplier, widget):
    assert user_client.get(CREATE_URL).status_code == 403
    response = user_client.post(
        CREATE_URL, purchase_form_data(supplier=supplier, store=store, lines=[(widget, "1", "")])
    )

    assert response.status_code == 403
    assert not Purchase.objects.exists()


# List


def test_purchase_list_is_reverse_chronological(manager_client, store, widget):
    middle = make_purchase(store=store, lines=[(widget, 1)], date=datetime.date(2026, 2, 1))
    newest = make_purchase(store=store, lines=[(widget, 1)], date=datetime.date(2026, 3, 1))
    oldest = make_purchase(store=store, lines=[(widget, 1)], date=datetime.date(2026, 1, 1))
    same_day_later = make_purchase(store=store, lines=[(widget, 1)], date=datetime.date(2026, 3, 1))

    response = manager_client.get(LIST_URL)

    assert list(response.context["object_list"]) == [same_day_later, newest, middle, oldest]


def test_purchase_list_rows_show_line_count_and_total(manager_client, store, widget, gadget):
    make_purchase(store=store, lines=[(widget, 3, Decimal("2.50")), (gadget, 4, Decimal("1.25"))])

    response = manager_client.get(LIST_URL)

    [row] = response.context["object_list"]
    assert (row.line_count, row.total_value) == (2, Decimal("12.50"))
    assert "$12.50" in response.content.decode()


@pytest.fixture
def filter_cases(store, widget):
    other_store = StoreFactory(name="Harbour Road")
    acme = SupplierFactory(name="Acme")
    return {
        "acme_main_jan": make_purchase(
            store=store, supplier=acme, lines=[(widget, 1)], date=datetime.date(2026, 1, 10)
        ),
        "other_main_feb": make_purchase(
            store=store, lines=[(widget, 1)], date=datetime.date(2026, 2, 10)
        ),
        "acme_harbour_mar": make_purchase(
            store=other_store, supplier=acme, lines=[(widget, 1)], date=datetime.date(2026, 3, 10)
        ),
        "acme": acme,
        "other_store": other_store,
    }


def listed(client, **params) -> set[int]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return {purchase.pk for purchase in response.context["object_list"]}


def test_purchase_list_filters_by_supplier_store_and_dates(manager_client, store, filter_cases):
    jan, feb, mar = (
        filter_cases[k].pk for k in ("acme_main_jan", "other_main_feb", "acme_harbour_mar")
    )

    assert listed(manager_client) == {jan, feb, mar}
    assert listed(manager_client, supplier=filter_cases["acme"].pk) == {jan, mar}
    assert listed(manager_client, store=store.pk) == {jan, feb}
    assert listed(manager_client, store=filter_cases["other_store"].pk) == {mar}
    assert listed(manager_client, date_from="2026-02-10") == {feb, mar}
    assert listed(manager_client, date_to="2026-02-10") == {jan, feb}
    assert listed(manager_client, date_from="2026-02-01", date_to="2026-02-28") == {feb}
    assert listed(manager_client, supplier=filter_cases["acme"].pk, store=store.pk) == {jan}


def test_purchase_list_filters_by_voided_status(manager_client, manager, store, widget):
    kept = make_purchase(store=store, lines=[(widget, 1)])
    voided = make_purchase(store=store, lines=[(widget, 1)])
    manager_client.post(reverse("purchases:void", args=[voided.pk]), {"reason": "Duplicate"})

    # Voided purchases stay visible (marked) unless only valid ones are asked for.
    assert listed(manager_client) == {kept.pk, voided.pk}
    assert listed(manager_client, status="valid") == {kept.pk}
    assert listed(manager_client, status="voided") == {voided.pk}


def test_purchase_list_bad_filter_values_are_ignored_not_a_crash(manager_client, store, widget):
    purchase = make_purchase(store=store, lines=[(widget, 1)])

    response = manager_client.get(
        LIST_URL, {"store": "abc", "date_from": "yesterday", "status": "bogus", "supplier": "-1"}
    )

    assert response.status_code == 200
    assert response.context["filter_form"].errors
    assert list(response.context["object_list"]) == [purchase]


def test_purchase_list_unknown_page_shows_the_nearest_page(manager_client, store, widget):
    purchase = make_purchase(store=store, lines=[(widget, 1)])

    for page in ("x", "999", "last"):
        response = manager_client.get(LIST_URL, {"page": page})
        assert response.status_code == 200
        assert list(response.context["object_list"]) == [purchase]


def test_purchase_list_needs_the_view_permission(user_client):
    assert user_client.get(LIST_URL).status_code == 403


# Session, user, 2 × permissions, count, page rows, the store filter's options. The
# supplier filter is a picker: no supplier is read to draw it.
LIST_QUERIES = 7


@pytest.mark.parametrize("rows", [1, 25])
def test_purchase_list_query_count_does_not_grow_with_rows(
    manager_client, django_assert_num_queries, store, widget, gadget, rows
):
    for index in range(rows):
        make_purchase(store=StoreFactory(), lines=[(widget, 1 + index), (gadget, 2)])

    with django_assert_num_queries(LIST_QUERIES):
        response = manager_client.get(LIST_URL)

    assert len(response.context["object_list"]) == rows


def test_purchase_list_query_count_does_not_grow_with_the_suppliers(
    manager_client, django_assert_num_queries, store, widget
):
    Supplier.objects.bulk_create(Supplier(name=f"Wholesaler {number}") for number in range(2000))
    make_purchase(store=store, lines=[(widget, 1)])

    with django_assert_num_queries(LIST_QUERIES):
        response = manager_client.get(LIST_URL)

    assert "Wholesaler" not in response.content.decode()


def test_purchase_list_filters_by_supplier_name_and_by_an_archived_one(
    manager_client, store, supplier, widget
):
    acme = make_purchase(store=store, supplier=supplier, lines=[(widget, 1)]).pk
    make_purchase(store=store, lines=[(widget, 1)])
    supplier.archive()

    assert listed(manager_client, supplier="ACME SUPPLIES") == {acme}
    response = manager_client.get(LIST_URL, {"supplier": supplier.pk})
    assert 'name="supplier" value="Acme Supplies"' in response.content.decode()


def test_purchase_list_unknown_supplier_is_a_message(manager_client, store, widget):
    purchase = make_purchase(store=store, lines=[(widget, 1)])

    response = manager_client.get(LIST_URL, {"supplier": "Nobody & Co"})

    assert response.context["filter_form"].errors["supplier"] == [
        "No supplier is called “Nobody & Co”."
    ]
    assert "No supplier is called “Nobody &amp; Co”." in response.content.decode()
    assert list(response.context["object_list"]) == [purchase]


# Detail


def test_purchase_detail_shows_lines_and_total(manager_client, store, supplier, widget, gadget):
    purchase = make_purchase(
        store=store,
        supplier=supplier,
        lines=[(widget, 3, Decimal("2.50")), (gadget, 4, Decimal("1.25"))],
        reference="INV-77",
    )

    response = manager_client.get(purchase.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="document-total">$12.50<' in content
    assert "Blue Widget" in content and "Red Gadget" in content
    assert "INV-77" in content and "Acme Supplies" in content and "Main Street" in content
    assert response.context["can_void"]
    assert 'name="reason"' in content


def test_purchase_detail_of_voided_purchase_is_marked(manager_client, store, widget):
    purchase = make_purchase(store=store, lines=[(widget, 3)])
    manager_client.post(reverse("purchases:void", args=[purchase.pk]), {"reason": "Duplicate"})

    response = manager_client.get(purchase.get_absolute_url())

    content = response.content.decode()
    assert "Voided" in content and "Duplicate" in content
    assert not response.context["can_void"]
    assert 'name="reason"' not in content


def test_purchase_detail_hides_void_without_the_permission(
    client, django_user_model, store, widget
):
    clerk = django_user_model.objects.create_user("viewer")
    clerk.user_permissions.add(Permission.objects.get(codename="view_purchase"))
    client.force_login(clerk)
    purchase = make_purchase(store=store, lines=[(widget, 3)])

    response = client.get(purchase.get_absolute_url())

    assert response.status_code == 200
    assert not response.context["can_void"]


def test_purchase_detail_unknown_id_is_404(manager_client):
    assert manager_client.get(reverse("purchases:detail", args=[999999])).status_code == 404


# Void


def test_purchase_void_with_reason_reverses_the_stock(manager_client, manager, store, widget):
    purchase = make_purchase(store=store, lines=[(widget, 10)])

    response = manager_client.post(
        reverse("purchases:void", args=[purchase.pk]), {"reason": "Wrong delivery"}, follow=True
    )

    purchase.refresh_from_db()
    assert purchase.is_voided
    assert (purchase.voided_by, purchase.void_reason) == (manager, "Wrong delivery")
    assert on_hand(widget, store) == 0
    assert f"{purchase} was voided; its stock movements were reversed." in messages_of(response)


@pytest.mark.parametrize("reason", [None, "", "   "], ids=["missing", "empty", "blank"])
def test_purchase_void_without_reason_writes_nothing(manager_client, store, widget, reason):
    purchase = make_purchase(store=store, lines=[(widget, 10)])
    before = stock_snapshot()

    response = manager_client.post(
        reverse("purchases:void", args=[purchase.pk]),
        {} if reason is None else {"reason": reason},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == purchase.get_absolute_url()
    assert "Give a reason for voiding." in messages_of(response)
    assert stock_snapshot() == before


def test_purchase_void_with_overlong_reason_says_so_and_writes_nothing(
    manager_client, store, widget
):
    purchase = make_purchase(store=store, lines=[(widget, 10)])
    before = stock_snapshot()

    response = manager_client.post(
        reverse("purchases:void", args=[purchase.pk]), {"reason": "x" * 256}, follow=True
    )

    assert "Keep the reason for voiding to 255 characters or fewer." in messages_of(response)
    assert stock_snapshot() == before


def test_purchase_void_of_unknown_purchase_is_404(manager_client):
    response = manager_client.post(reverse("purchases:void", args=[999999]), {"reason": "x"})

    assert response.status_code == 404


def test_purchase_void_refused_lists_the_products_lacking_stock(
    manager_client, manager, store, widget, gadget
):
    purchase = make_purchase(store=store, lines=[(widget, 10), (gadget, 5)])
    # Stock leaves the store after the purchase (as a sale would take it).
    stock_adjust(product=widget, store=store, user=manager, reason="Taken out", change=-4)
    stock_adjust(product=gadget, store=store, user=manager, reason="Taken out", change=-5)
    before = stock_snapshot()

    response = manager_client.post(
        reverse("purchases:void", args=[purchase.pk]), {"reason": "Returned"}, follow=True
    )

    [message] = messages_of(response)
    assert message.startswith(f"{purchase} cannot be voided: ")
    assert "Only 6 pcs of Blue Widget in Main Street, 10 pcs requested" in message
    assert "Only 0 pcs of Red Gadget in Main Street, 5 pcs requested" in message
    assert stock_snapshot() == before


def test_purchase_void_twice_warns_and_writes_nothing(manager_client, store, widget):
    purchase = make_purchase(store=store, lines=[(widget, 10)])
    url = reverse("purchases:void", args=[purchase.pk])
    manager_client.post(url, {"reason": "First"})
    make_purchase(store=store, lines=[(widget, 10)])
    before = stock_snapshot()

    response = manager_client.post(url, {"reason": "Second"}, follow=True)

    assert f"{purchase} was already voided." in messages_of(response)
    assert stock_snapshot() == before


def test_purchase_void_is_post_only(manager_client, store, widget):
    purchase = make_purchase(store=store, lines=[(widget, 10)])

    assert manager_client.get(reverse("purchases:void", args=[purchase.pk])).status_code == 405


def test_purchase_void_needs_the_void_permission(client, django_user_model, store, widget):
    clerk = django_user_model.objects.create_user("clerk")
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_purchase", "add_purchase"])
    )
    client.force_login(clerk)
    purchase = make_purchase(store=store, lines=[(widget, 10)])
    before = stock_snapshot()

    response = client.post(reverse("purchases:void", args=[purchase.pk]), {"reason": "Mine"})

    assert response.status_code == 403
    assert stock_snapshot() == before


# Query bound of recording a purchase with N lines (distinct products, first receipt at the
# store, so every average cost moves and every stock row is created: the worst case).
# Fixed: session, user, 2 × permissions, the supplier by name then by number (the test
# posts its number), the store choice, 2 × their existence checks, 2 savepoints + 2
# releases, the purchase, the product locks, the stock-row locks, the products' units,
# the new stock rows and their listing, the movements, the products' tax rates, the lines,
# the day's totals, the user's profile (the stores they act in: accounts.access), the
# revalued products' stock rows at every store and the store's stock totals
# (products.models.StoreStock) = 26.
# Per line: the product choice, its average-cost update, its stock update, the value of
# its stock rows at the new average, the product's on-hand total = 5.
# + 1: the purchase's "created" entry in the audit history (audit.tracking; the
# entry's content type is cached after the first, as the test warms it below).
# + 4: the form's one-time token (core.submissions): its row inserted first and given
# the document's page last, in one more transaction level (a savepoint and its release).
PURCHASE_CREATE_FIXED_QUERIES = 31
PURCHASE_CREATE_QUERIES_PER_LINE = 5


@pytest.mark.parametrize("line_count", [1, 5, 10])
def test_purchase_create_query_count_is_bounded_by_lines(
    manager_client, django_assert_num_queries, store, supplier, line_count
):
    products = ProductFactory.create_batch(line_count)
    data = purchase_form_data(
        supplier=supplier, store=store, lines=[(product, "2", "1.50") for product in products]
    )

    data[SUBMISSION_TOKEN_FIELD] = new_token()  # as the page gives it (core.submissions)
    ContentType.objects.get_for_model(Purchase)  # read once per process, as the app runs
    with django_assert_num_queries(
        PURCHASE_CREATE_FIXED_QUERIES + PURCHASE_CREATE_QUERIES_PER_LINE * line_count
    ):
        response = manager_client.post(CREATE_URL, data)

    assert response.status_code == 302
    assert Purchase.objects.get().lines.count() == line_count
