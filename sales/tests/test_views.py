"""Sale pages: confirm (one or more lines, refused per line when short), list, detail, void."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.submissions import SUBMISSION_TOKEN_FIELD, new_token
from people.models import Customer
from people.tests.factories import CustomerFactory
from products import services
from products.models import Product, StockMovement
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import on_hand, stock_snapshot
from sales.models import Sale
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

CREATE_URL = reverse("sales:create")
LIST_URL = reverse("sales:list")


@pytest.fixture
def customer():
    return CustomerFactory(name="Dana Buyer")


@pytest.fixture
def widget(store):
    product = ProductFactory(name="Blue Widget", sale_price=Decimal("9.00"))
    stock_up(product, store, 3, unit_cost=Decimal("4.00"))
    return product


@pytest.fixture
def gadget(store):
    product = ProductFactory(name="Red Gadget", sale_price=Decimal("5.00"))
    stock_up(product, store, 10, unit_cost=Decimal("2.00"))
    return product


def sale_form_data(*, customer, store, lines) -> dict:
    """POST data for the new-sale page; ``lines`` are (product, quantity, unit_price) with
    raw values as a browser would send them (a product as its SKU; text; "" for blank)."""
    data = {
        "customer": customer.pk,
        "store": store.pk,
        "date": "2026-03-02",
        "notes": "Counter sale",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
    }
    for index, (product, quantity, unit_price) in enumerate(lines):
        data[f"lines-{index}-product"] = getattr(product, "sku", product)
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_price"] = unit_price
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# New sale


def test_sale_create_page_shows_one_line(manager_client):
    response = manager_client.get(CREATE_URL)

    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 1
    assert 'name="lines-0-unit_price"' in response.content.decode()


def test_sale_create_with_one_line_issues_stock(manager_client, manager, store, customer, widget):
    response = manager_client.post(
        CREATE_URL, sale_form_data(customer=customer, store=store, lines=[(widget, "2", "8.50")])
    )

    sale = Sale.objects.get()
    assert response.status_code == 302
    assert response.url == sale.get_absolute_url()
    assert (sale.customer, sale.store, sale.created_by) == (customer, store, manager)
    assert (sale.date, sale.notes) == (datetime.date(2026, 3, 2), "Counter sale")
    assert list(sale.lines.values_list("product_id", "quantity", "unit_price", "unit_cost")) == [
        (widget.pk, 2, Decimal("8.50"), Decimal("4.0000"))
    ]
    assert on_hand(widget, store) == 1
    movement = StockMovement.objects.get(kind=StockMovement.Kind.SALE)
    assert (movement.quantity, movement.document_id, movement.created_by) == (-2, sale.pk, manager)
    assert f"{sale} was recorded." in messages_of(manager_client.get(response.url))


def test_sale_create_with_two_lines_issues_both(manager_client, store, customer, widget, gadget):
    response = manager_client.post(
        CREATE_URL,
        sale_form_data(
            customer=customer, store=store, lines=[(widget, "3", ""), (gadget, "4", "")]
        ),
    )

    assert response.status_code == 302
    sale = Sale.objects.get()
    assert sale.lines.count() == 2
    assert (on_hand(widget, store), on_hand(gadget, store)) == (0, 6)


def test_sale_create_blank_unit_price_uses_the_sale_price(manager_client, store, customer, widget):
    manager_client.post(
        CREATE_URL, sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    )

    assert Sale.objects.get().lines.get().unit_price == Decimal("9.00")


def test_sale_create_short_line_shows_what_is_available_and_writes_nothing(
    manager_client, store, customer, widget, gadget
):
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL,
        sale_form_data(
            customer=customer, store=store, lines=[(gadget, "4", "6.25"), (widget, "5", "8.75")]
        ),
    )

    assert response.status_code == 200
    gadget_line, widget_line = response.context["formset"].forms
    assert not gadget_line.errors
    assert widget_line.errors["quantity"] == [
        "Only 3 pcs of Blue Widget in Main Street, 5 pcs requested."
    ]
    content = response.content.decode()
    assert "Only 3 pcs of Blue Widget in Main Street, 5 pcs requested" in content
    assert "Not enough stock: nothing was saved." in content
    # What the user typed is still there.
    assert 'name="lines-0-quantity" value="4"' in content
    assert 'name="lines-0-unit_price" value="6.25"' in content
    assert 'name="lines-1-quantity" value="5"' in content
    assert 'name="lines-1-unit_price" value="8.75"' in content
    # The product of each line too, as its SKU with its name under it.
    assert f'name="lines-1-product" value="{widget.sku}"' in content
    assert 'id="id_lines-1-product_helptext" class="form-text">Blue Widget<' in content
    assert stock_snapshot() == before


def test_sale_create_short_message_sits_on_the_short_line(
    manager_client, store, customer, widget, gadget
):
    response = manager_client.post(
        CREATE_URL,
        sale_form_data(
            customer=customer, store=store, lines=[(widget, "5", ""), (gadget, "1", "")]
        ),
    )

    content = response.content.decode()
    widget_error = content.index('id="id_lines-0-quantity_error"')
    assert content.index("Only 3 pcs of Blue Widget", widget_error) < content.index(
        'name="lines-1-product"'
    )
    assert 'id="id_lines-1-quantity_error"' not in content


def test_sale_create_every_short_line_gets_its_message(manager_client, store, customer, widget):
    never_stocked = ProductFactory(name="Green Gizmo")
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL,
        sale_form_data(
            customer=customer, store=store, lines=[(widget, "4", ""), (never_stocked, "1", "")]
        ),
    )

    first, second = response.context["formset"].forms
    assert first.errors["quantity"] == [
        "Only 3 pcs of Blue Widget in Main Street, 4 pcs requested."
    ]
    assert second.errors["quantity"] == [
        "Only 0 pcs of Green Gizmo in Main Street, 1 pcs requested."
    ]
    assert stock_snapshot() == before


def test_sale_create_two_lines_of_one_product_are_counted_together(
    manager_client, store, customer, widget
):
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL,
        sale_form_data(
            customer=customer, store=store, lines=[(widget, "2", ""), (widget, "2", "")]
        ),
    )

    assert response.status_code == 200
    for line in response.context["formset"].forms:
        assert line.errors["quantity"] == [
            "Only 3 pcs of Blue Widget in Main Street, 4 pcs requested."
        ]
    assert stock_snapshot() == before


def test_sale_create_stock_at_another_store_does_not_count(manager_client, customer, widget):
    elsewhere = StoreFactory(name="Harbour Road")
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL, sale_form_data(customer=customer, store=elsewhere, lines=[(widget, "1", "")])
    )

    assert response.context["formset"].forms[0].errors["quantity"] == [
        "Only 0 pcs of Blue Widget in Harbour Road, 1 pcs requested."
    ]
    assert stock_snapshot() == before


def test_sale_create_race_caught_by_the_database_is_shown_like_a_shortfall(
    manager_client, store, customer, widget, gadget, monkeypatch
):
    """If the check constraint fires (a race the locks should prevent), the page
    shows the shortfall on its line instead of a server error."""
    real_find_shortfalls = services._find_shortfalls
    calls = []

    def stale_check_first(*args, **kwargs):
        calls.append(args)
        return [] if len(calls) == 1 else real_find_shortfalls(*args, **kwargs)

    monkeypatch.setattr(services, "_find_shortfalls", stale_check_first)
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL,
        sale_form_data(
            customer=customer, store=store, lines=[(gadget, "1", ""), (widget, "5", "")]
        ),
    )

    assert response.status_code == 200
    assert len(calls) == 2  # the stale check, then the report after the constraint fired
    gadget_line, widget_line = response.context["formset"].forms
    assert not gadget_line.errors
    assert widget_line.errors["quantity"] == [
        "Only 3 pcs of Blue Widget in Main Street, 5 pcs requested."
    ]
    assert stock_snapshot() == before


BAD_LINES = {
    "negative quantity": ("quantity", "-1"),
    "zero quantity": ("quantity", "0"),
    "huge quantity": ("quantity", "99999999999999999999999"),
    "non-numeric quantity": ("quantity", "two"),
    "decimal quantity": ("quantity", "2.5"),
    "empty quantity": ("quantity", ""),
    "unknown product": ("product", "999999"),
    "non-numeric product": ("product", "1 OR 1=1"),
    "empty product": ("product", ""),
    "unknown SKU": ("product", "NO-SUCH-SKU"),
    "over-long SKU": ("product", "X" * 300),
    "negative unit price": ("unit_price", "-5"),
    "huge unit price": ("unit_price", "99999999999999999999999"),
    "non-numeric unit price": ("unit_price", "free"),
    "not a number unit price": ("unit_price", "NaN"),
}


@pytest.mark.parametrize("field, value", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_sale_create_bad_line_shows_the_error_and_writes_nothing(
    manager_client, store, customer, widget, field, value
):
    line = {"product": widget, "quantity": "1", "unit_price": "9.00", field: value}
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL,
        sale_form_data(
            customer=customer,
            store=store,
            lines=[(line["product"], line["quantity"], line["unit_price"])],
        ),
    )

    assert response.status_code == 200
    assert field in response.context["formset"].forms[0].errors
    assert stock_snapshot() == before


def test_sale_create_takes_the_sku_in_any_case(manager_client, store, customer, widget):
    response = manager_client.post(
        CREATE_URL,
        sale_form_data(customer=customer, store=store, lines=[(widget.sku.lower(), "1", "")]),
    )

    assert response.status_code == 302
    assert Sale.objects.get().lines.get().product == widget


def test_sale_create_takes_the_product_key_from_scripts(manager_client, store, customer, widget):
    response = manager_client.post(
        CREATE_URL, sale_form_data(customer=customer, store=store, lines=[(widget.pk, "1", "")])
    )

    assert response.status_code == 302
    assert Sale.objects.get().lines.get().product == widget


def test_sale_create_a_numeric_sku_wins_over_a_product_key(manager_client, store, customer):
    keyed = ProductFactory(name="Keyed")
    numbered = ProductFactory(sku=str(keyed.pk), name="Numbered")
    stock_up(numbered, store, 5)

    response = manager_client.post(
        CREATE_URL, sale_form_data(customer=customer, store=store, lines=[(str(keyed.pk), "1", "")])
    )

    assert response.status_code == 302
    assert Sale.objects.get().lines.get().product == numbered


def test_sale_create_unknown_sku_says_so_and_keeps_what_was_typed(
    manager_client, store, customer, widget
):
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL, sale_form_data(customer=customer, store=store, lines=[("blu-9", "1", "")])
    )

    assert response.context["formset"].forms[0].errors["product"] == [
        "No active product with SKU blu-9."
    ]
    content = response.content.decode()
    assert 'name="lines-0-product" value="blu-9"' in content
    assert "No active product with SKU blu-9." in content
    assert stock_snapshot() == before


def test_sale_create_archived_product_says_so(manager_client, store, customer, widget):
    widget.archive()
    before = stock_snapshot()

    response = manager_client.post(
        CREATE_URL, sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    )

    assert response.context["formset"].forms[0].errors["product"] == [
        f"Blue Widget ({widget.sku}) is archived: it can no longer be bought or sold."
    ]
    assert stock_snapshot() == before


def test_sale_create_product_name_is_escaped_under_the_field(manager_client, store, customer):
    product = ProductFactory(name="<b>Bold</b> & co")
    data = sale_form_data(customer=customer, store=store, lines=[(product, "1", "")])
    data["customer"] = "999999"  # an error elsewhere, so the line is shown again

    response = manager_client.post(CREATE_URL, data)

    content = response.content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in content
    assert "<b>Bold</b>" not in content


# Rendering the new-sale page: the session, the user, the permissions, the user's profile
# (the default store), the stores of the header's <select>. No customer or product is
# read: the pickers search for them.
SALE_CREATE_PAGE_QUERIES = 6


@pytest.mark.parametrize("count", [0, 500])
def test_sale_create_page_queries_do_not_grow_with_the_catalogue_or_the_customers(
    manager_client, django_assert_num_queries, count
):
    template = ProductFactory()
    Product.objects.bulk_create(
        Product(
            sku=f"BULK-{number}",
            name=f"Bulk {number}",
            category=template.category,
            supplier=template.supplier,
            unit=template.unit,
        )
        for number in range(count)
    )
    Customer.objects.bulk_create(Customer(name=f"Shopper {number}") for number in range(count))

    with django_assert_num_queries(SALE_CREATE_PAGE_QUERIES):
        response = manager_client.get(CREATE_URL)

    assert response.status_code == 200
    assert "Shopper" not in response.content.decode()


def test_sale_create_bad_header_writes_nothing(manager_client, store, customer, widget):
    before = stock_snapshot()
    data = sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    data["customer"] = "999999"

    response = manager_client.post(CREATE_URL, data)

    assert response.status_code == 200
    assert "customer" in response.context["form"].errors
    assert stock_snapshot() == before


def test_sale_create_archived_customer_refused(manager_client, store, customer, widget):
    customer.archive()

    response = manager_client.post(
        CREATE_URL, sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    )

    assert response.context["form"].errors["customer"] == [
        "Dana Buyer is archived: choose an active customer."
    ]
    assert not Sale.objects.exists()


def test_sale_create_takes_the_customer_by_name_in_any_case(
    manager_client, store, customer, widget
):
    data = sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    data["customer"] = "  dana BUYER "

    response = manager_client.post(CREATE_URL, data)

    assert response.status_code == 302
    assert Sale.objects.get().customer == customer


def test_sale_create_unknown_customer_name_is_a_field_error(
    manager_client, store, customer, widget
):
    data = sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    data["customer"] = "Nobody Known"

    response = manager_client.post(CREATE_URL, data)

    assert response.status_code == 200
    assert response.context["form"].errors["customer"] == ["No customer is called “Nobody Known”."]
    assert 'value="Nobody Known"' in response.content.decode()
    assert not Sale.objects.exists()


def test_sale_create_shared_name_asks_to_pick_one(manager_client, store, customer, widget):
    namesake = CustomerFactory(name="Dana Buyer")
    data = sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    data["customer"] = "Dana Buyer"

    response = manager_client.post(CREATE_URL, data)

    assert response.context["form"].errors["customer"] == [
        "Several customers are called “Dana Buyer”: pick the one you mean from the list "
        f"(type part of the name), or type its number (#{customer.pk}, #{namesake.pk})."
    ]
    assert not Sale.objects.exists()


def test_sale_create_namesake_picked_from_the_list_is_the_one_recorded(
    manager_client, store, customer, widget
):
    namesake = CustomerFactory(name="Dana Buyer")
    data = sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    data |= {"customer": "Dana Buyer", "customer_pk": namesake.pk}

    response = manager_client.post(CREATE_URL, data)

    assert response.status_code == 302
    assert Sale.objects.get().customer == namesake


def test_sale_create_picked_key_is_ignored_once_the_name_was_changed(
    manager_client, store, customer, widget
):
    other = CustomerFactory(name="Other Shopper")
    data = sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    data |= {"customer": "Dana Buyer", "customer_pk": other.pk}  # picked Other, then retyped

    manager_client.post(CREATE_URL, data)

    assert Sale.objects.get().customer == customer


def test_sale_create_form_shows_the_customer_chosen_by_number_by_name(
    manager_client, store, customer, widget
):
    data = sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    data["date"] = "2999-01-01"  # an error elsewhere, so the form is shown again

    response = manager_client.post(CREATE_URL, data)

    content = response.content.decode()
    assert 'value="Dana Buyer"' in content
    assert f'name="customer_pk" value="{customer.pk}"' in content
    assert f"#{customer.pk} · {customer.email}" in content  # under the field


def test_sale_create_needs_the_add_permission(user_client, store, customer, widget):
    response = user_client.post(
        CREATE_URL, sale_form_data(customer=customer, store=store, lines=[(widget, "1", "")])
    )

    assert response.status_code == 403
    assert not Sale.objects.exists()


# List


def test_sale_list_is_reverse_chronological(manager_client, store, gadget):
    older = make_sale(store=store, lines=[(gadget, 1)], date=datetime.date(2026, 1, 5))
    newer = make_sale(store=store, lines=[(gadget, 1)], date=datetime.date(2026, 2, 5))
    newest_first_recorded = make_sale(
        store=store, lines=[(gadget, 1)], date=datetime.date(2026, 3, 5)
    )
    oldest = make_sale(store=store, lines=[(gadget, 1)], date=datetime.date(2025, 12, 5))

    response = manager_client.get(LIST_URL)

    assert list(response.context["object_list"]) == [newest_first_recorded, newer, older, oldest]


def test_sale_list_rows_show_line_count_total_and_gross_profit(
    manager_client, store, widget, gadget
):
    make_sale(store=store, lines=[(widget, 2, Decimal("9.00")), (gadget, 3, Decimal("5.00"))])

    response = manager_client.get(LIST_URL)

    [row] = response.context["object_list"]
    # Value 2 × 9 + 3 × 5 = 33; cost 2 × 4 + 3 × 2 = 14.
    assert (row.line_count, row.total_value, row.gross_profit) == (
        2,
        Decimal("33.00"),
        Decimal("19.00"),
    )
    content = response.content.decode()
    assert "$33.00" in content and "$19.00" in content


def listed(client, **params) -> set[int]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return {sale.pk for sale in response.context["object_list"]}


def test_sale_list_filters_by_customer_store_dates_and_status(
    manager_client, store, customer, gadget
):
    harbour = StoreFactory(name="Harbour Road")
    stock_up(gadget, harbour, 10)
    jan = make_sale(
        store=store, customer=customer, lines=[(gadget, 1)], date=datetime.date(2026, 1, 10)
    )
    feb = make_sale(store=store, lines=[(gadget, 1)], date=datetime.date(2026, 2, 10))
    mar = make_sale(
        store=harbour, customer=customer, lines=[(gadget, 1)], date=datetime.date(2026, 3, 10)
    )
    voided = make_sale(store=store, lines=[(gadget, 1)], date=datetime.date(2026, 2, 11))
    manager_client.post(reverse("sales:void", args=[voided.pk]), {"reason": "Test"})
    jan, feb, mar, voided = jan.pk, feb.pk, mar.pk, voided.pk

    assert listed(manager_client) == {jan, feb, mar, voided}
    assert listed(manager_client, status="valid") == {jan, feb, mar}
    assert listed(manager_client, customer=customer.pk) == {jan, mar}
    assert listed(manager_client, store=harbour.pk) == {mar}
    assert listed(manager_client, date_from="2026-02-01", status="valid") == {feb, mar}
    assert listed(manager_client, date_to="2026-01-31") == {jan}
    assert listed(manager_client, date_from="2026-02-10", date_to="2026-02-10") == {feb}
    assert listed(manager_client, status="voided") == {voided}
    assert listed(manager_client, store=store.pk) == {jan, feb, voided}


def test_sale_list_filters_by_customer_name_or_number_and_shows_the_name(
    manager_client, store, customer, gadget
):
    mine = make_sale(store=store, customer=customer, lines=[(gadget, 1)]).pk
    make_sale(store=store, customer=CustomerFactory(name="Someone Else"), lines=[(gadget, 1)])

    assert listed(manager_client, customer="DANA buyer") == {mine}
    response = manager_client.get(LIST_URL, {"customer": customer.pk})
    assert {sale.pk for sale in response.context["object_list"]} == {mine}
    content = response.content.decode()
    assert 'name="customer" value="Dana Buyer"' in content
    assert f'name="customer_pk" value="{customer.pk}"' in content
    assert 'data-record-search="/customers/search/"' in content  # archived ones too


def test_sale_list_filters_by_an_archived_customer(manager_client, store, customer, gadget):
    mine = make_sale(store=store, customer=customer, lines=[(gadget, 1)]).pk
    make_sale(store=store, lines=[(gadget, 1)])
    customer.archive()

    assert listed(manager_client, customer=customer.pk) == {mine}
    assert listed(manager_client, customer="Dana Buyer") == {mine}


def test_sale_list_filter_keeps_the_namesake_shown(manager_client, store, customer, gadget):
    namesake = CustomerFactory(name="Dana Buyer")
    theirs = make_sale(store=store, customer=namesake, lines=[(gadget, 1)]).pk
    make_sale(store=store, customer=customer, lines=[(gadget, 1)])

    # What the form sends again after a link with ?customer=<number> (or a pick in the list).
    assert listed(manager_client, customer="Dana Buyer", customer_pk=namesake.pk) == {theirs}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Nobody", "No customer is called “Nobody”."),
        ("999999", "No customer is called “999999”."),
        ("-1", "No customer is called “-1”."),
        ("9" * 40, f"No customer is called “{'9' * 40}”."),
        ("Dana Buyer", "Several customers are called “Dana Buyer”"),
    ],
)
def test_sale_list_unknown_or_shared_customer_is_a_message_and_no_filter(
    manager_client, store, customer, gadget, value, message
):
    CustomerFactory(name="Dana Buyer")
    every_sale = {make_sale(store=store, customer=customer, lines=[(gadget, 1)]).pk}

    response = manager_client.get(LIST_URL, {"customer": value, "customer_pk": "x"})

    assert response.status_code == 200
    assert response.context["filter_form"].errors["customer"][0].startswith(message)
    assert {sale.pk for sale in response.context["object_list"]} == every_sale
    assert message in response.content.decode()


def test_sale_list_customer_with_a_null_character_is_a_message(manager_client):
    response = manager_client.get(LIST_URL, {"customer": "a\x00b"})

    assert response.status_code == 200
    assert "customer" in response.context["filter_form"].errors


# Session, user, 2 × permissions, count, the page's rows, the store filter's options. The
# customer filter is a picker: no customer is read to draw it.
LIST_QUERIES = 7


@pytest.mark.parametrize("rows", [1, 25])
def test_sale_list_query_count_does_not_grow_with_rows(
    manager_client, django_assert_num_queries, store, customer, gadget, rows
):
    stock_up(gadget, store, 100)
    for _ in range(rows):
        make_sale(store=store, customer=CustomerFactory(), lines=[(gadget, 1), (gadget, 2)])

    with django_assert_num_queries(LIST_QUERIES):
        response = manager_client.get(LIST_URL)

    assert len(response.context["object_list"]) == rows


def test_sale_list_query_count_does_not_grow_with_the_customers(
    manager_client, django_assert_num_queries, store, gadget
):
    Customer.objects.bulk_create(Customer(name=f"Shopper {number}") for number in range(2000))
    make_sale(store=store, lines=[(gadget, 1)])

    with django_assert_num_queries(LIST_QUERIES):
        response = manager_client.get(LIST_URL)

    assert "Shopper" not in response.content.decode()


# Filtering by a customer adds its look-up: by name, then by number (a link's ?customer=).
FILTERED_LIST_QUERIES = LIST_QUERIES + 2


def test_sale_list_filtered_by_customer_runs_a_constant_number_of_queries(
    manager_client, django_assert_num_queries, store, customer, gadget
):
    Customer.objects.bulk_create(Customer(name=f"Shopper {number}") for number in range(500))
    make_sale(store=store, customer=customer, lines=[(gadget, 1)])

    with django_assert_num_queries(FILTERED_LIST_QUERIES):
        response = manager_client.get(LIST_URL, {"customer": customer.pk})

    assert len(response.context["object_list"]) == 1


# Detail


def test_sale_detail_shows_total_and_gross_profit(manager_client, store, customer, widget, gadget):
    sale = make_sale(
        store=store,
        customer=customer,
        lines=[(widget, 2, Decimal("9.00")), (gadget, 3, Decimal("5.00"))],
    )

    response = manager_client.get(sale.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="document-total">$33.00<' in content
    assert 'data-testid="document-profit">$19.00<' in content
    assert "Dana Buyer" in content and "Main Street" in content
    assert response.context["can_void"]


def test_sale_detail_gross_profit_keeps_the_cost_at_the_time_of_sale(manager_client, store, widget):
    sale = make_sale(store=store, lines=[(widget, 1, Decimal("9.00"))])
    stock_up(widget, store, 1, unit_cost=Decimal("8.00"))
    assert Product.objects.get(pk=widget.pk).average_cost == Decimal("5.3333")  # it moved

    response = manager_client.get(sale.get_absolute_url())

    assert 'data-testid="document-profit">$5.00<' in response.content.decode()


def test_sale_detail_needs_the_view_permission(user_client, store, gadget):
    sale = make_sale(store=store, lines=[(gadget, 1)])

    assert user_client.get(sale.get_absolute_url()).status_code == 403


# Void


def test_sale_void_with_reason_returns_the_stock(manager_client, manager, store, widget):
    sale = make_sale(store=store, lines=[(widget, 3)])

    response = manager_client.post(
        reverse("sales:void", args=[sale.pk]), {"reason": "Customer returned it"}, follow=True
    )

    sale.refresh_from_db()
    assert sale.is_voided
    assert (sale.voided_by, sale.void_reason) == (manager, "Customer returned it")
    assert on_hand(widget, store) == 3
    movement = StockMovement.objects.get(kind=StockMovement.Kind.SALE_VOID)
    assert (movement.quantity, movement.document_id) == (3, sale.pk)
    assert f"{sale} was voided; its stock movements were reversed." in messages_of(response)
    assert "Voided" in response.content.decode()


def test_sale_void_without_reason_writes_nothing(manager_client, store, widget):
    sale = make_sale(store=store, lines=[(widget, 3)])
    before = stock_snapshot()

    response = manager_client.post(reverse("sales:void", args=[sale.pk]), {}, follow=True)

    assert "Give a reason for voiding." in messages_of(response)
    assert stock_snapshot() == before


def test_sale_void_twice_warns_and_writes_nothing(manager_client, store, widget):
    sale = make_sale(store=store, lines=[(widget, 3)])
    url = reverse("sales:void", args=[sale.pk])
    manager_client.post(url, {"reason": "First"})
    before = stock_snapshot()

    response = manager_client.post(url, {"reason": "Second"}, follow=True)

    assert f"{sale} was already voided." in messages_of(response)
    assert stock_snapshot() == before


def test_sale_void_needs_the_void_permission(client, django_user_model, store, widget):
    clerk = django_user_model.objects.create_user("clerk")
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_sale", "add_sale"]))
    client.force_login(clerk)
    sale = make_sale(store=store, lines=[(widget, 3)])
    before = stock_snapshot()

    response = client.post(reverse("sales:void", args=[sale.pk]), {"reason": "Mine"})

    assert response.status_code == 403
    assert stock_snapshot() == before


# Query bound of confirming a sale with N lines (distinct products, all in stock).
# Fixed: session, user, 2 × permissions, the customer by name then by number (the test
# posts its number), the store choice, 2 × their existence checks, 2 savepoints + 2
# releases, the products' tax rates, the sale, the product locks, the stock-row locks,
# the movements, the lines, the products' units, the products' sales totals, the day's
# totals, then its number (the store's counter upserted, read, and written on the
# sale), the user's profile (the stores they act in: accounts.access), the store's
# stock totals (products.models.StoreStock) = 27.
# Per line: the product choice, its stock update, the product's on-hand total = 3. A
# sale leaves average costs alone.
# + 1: the sale's "created" entry in the audit history (audit.tracking; the
# entry's content type is cached after the first, as the test warms it below).
# + 4: the form's one-time token (core.submissions): its row inserted first and given
# the document's page last, in one more transaction level (a savepoint and its release).
SALE_CREATE_FIXED_QUERIES = 32
SALE_CREATE_QUERIES_PER_LINE = 3


@pytest.mark.parametrize("line_count", [1, 5, 10])
def test_sale_create_query_count_is_bounded_by_lines(
    manager_client, django_assert_num_queries, store, customer, line_count
):
    products = ProductFactory.create_batch(line_count)
    for product in products:
        stock_up(product, store, 5, unit_cost=product.cost_price)
    data = sale_form_data(
        customer=customer, store=store, lines=[(product, "2", "") for product in products]
    )

    data[SUBMISSION_TOKEN_FIELD] = new_token()  # as the page gives it (core.submissions)
    ContentType.objects.get_for_model(Sale)  # read once per process, as the app runs
    with django_assert_num_queries(
        SALE_CREATE_FIXED_QUERIES + SALE_CREATE_QUERIES_PER_LINE * line_count
    ):
        response = manager_client.post(CREATE_URL, data)

    assert response.status_code == 302
    assert Sale.objects.get().lines.count() == line_count
