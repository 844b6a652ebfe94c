"""Customer return pages: the return against a sale, the returns list and CSV, the credit
note (page, print, PDF), and what the sale's page shows of its returns."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CLERK
from core.tests.pdf_checks import pdf_text
from people.tests.factories import CustomerFactory
from products.models import StockMovement, Unit
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import on_hand, stock_snapshot
from sales.models import ReturnDay, SaleReturn, SaleReturnLine
from sales.returns import ReturnLineInput, ReturnRefused, sale_return
from sales.services import sale_void
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

LIST_URL = reverse("returns:list")
CSV_URL = reverse("returns:lines-csv")


def url(route: str, record) -> str:
    return reverse(route, args=[record.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def written() -> dict:
    """Everything a return (or a refused one) could write."""
    return {
        **stock_snapshot(),
        "returns": list(SaleReturn.objects.order_by("pk").values()),
        "return_lines": list(SaleReturnLine.objects.order_by("pk").values()),
        "return_days": list(ReturnDay.objects.order_by("pk").values()),
    }


@pytest.fixture
def customer():
    return CustomerFactory(name="Dana Buyer", email="dana@example.com")


@pytest.fixture
def widget(store):
    product = ProductFactory(name="Blue Widget", sku="WID-1", sale_price=Decimal("10.00"))
    stock_up(product, store, 10, unit_cost=Decimal("4.00"))
    return product


@pytest.fixture
def cable(store):
    product = ProductFactory(
        name="Copper cable", sku="CAB-2", unit=Unit.objects.standard()["m"],
        sale_price=Decimal("3.00"),
    )  # fmt: skip
    stock_up(product, store, 20, unit_cost=Decimal("1.00"))
    return product


@pytest.fixture
def sold(store, customer, widget, cable):
    """5 widgets at 10.00 (cost 4.00) and 2.5 m of cable at 3.00 (cost 1.00)."""
    return make_sale(
        store=store,
        customer=customer,
        lines=[(widget, 5, Decimal("10.00")), (cable, Decimal("2.5"), Decimal("3.00"))],
        date=timezone.localdate() - datetime.timedelta(days=3),
    )


@pytest.fixture
def clerk_client(client, django_user_model):
    return signed_in_clerk(client, django_user_model)


def signed_in_clerk(client, django_user_model):
    """``client`` signed in as a user holding the Clerk role."""
    user = django_user_model.objects.create_user("counter-clerk")
    user.groups.add(Group.objects.get(name=CLERK))
    client.force_login(user)
    return client


def line_of(sale, product):
    return sale.lines.get(product=product)


def return_data(sale, quantities: dict, *, written_off=(), reasons=None, **header) -> dict:
    """POST data for the return page: ``quantities`` by product (raw text); every line
    is back on the shelf unless its product is in ``written_off``."""
    reasons = reasons or {}
    data = {"date": timezone.localdate().isoformat(), "notes": "", **header}
    for line in sale.lines.select_related("product"):
        data[f"quantity_{line.pk}"] = quantities.get(line.product, "")
        if line.product not in written_off:
            data[f"restock_{line.pk}"] = "on"
        data[f"reason_{line.pk}"] = reasons.get(line.product, "")
    return data


def take_back(sale, product, quantity, *, restock=True, reason=""):
    """A return made through the service, as another clerk would."""
    return sale_return(
        sale=sale,
        lines=[ReturnLineInput(line_of(sale, product), Decimal(quantity), restock, reason)],
        user=sale.created_by,
    )


# The return page


def test_the_return_page_shows_each_line_with_what_can_still_come_back(
    clerk_client, sold, widget, cable
):
    take_back(sold, widget, 2)
    widget_line, cable_line = line_of(sold, widget), line_of(sold, cable)

    response = clerk_client.get(url("sales:return", sold))

    assert response.status_code == 200
    rows = {
        line.product: (returnable, line.returned)
        for line, returnable, *_ in response.context["form"].rows
    }
    assert rows == {widget: (Decimal("3"), Decimal("2")), cable: (Decimal("2.5"), Decimal("0"))}
    page = response.content.decode()
    assert f'name="quantity_{widget_line.pk}"' in page
    assert f'name="quantity_{cable_line.pk}"' in page
    # Nothing typed in yet; back on the shelf unless unticked; today's date.
    form = response.context["form"]
    assert form[f"quantity_{widget_line.pk}"].value() is None
    assert form[f"restock_{widget_line.pk}"].value() is True
    assert re.search(rf'name="restock_{widget_line.pk}"[^>]*checked', page)
    assert form["date"].value() == timezone.localdate()
    assert "Dana Buyer" in page and "Main Street" in page


def test_a_clerk_returns_units_to_the_shelf_and_writes_damaged_ones_off(
    clerk_client, sold, store, widget, cable
):
    response = clerk_client.post(
        url("sales:return", sold),
        return_data(
            sold,
            {widget: "2", cable: "1.25"},
            written_off=[cable],
            reasons={widget: "Wrong colour", cable: "Cut badly"},
            notes="Refunded in cash",
        ),
        follow=True,
    )

    credit_note = SaleReturn.objects.get()
    assert response.redirect_chain[-1][0] == url("returns:detail", credit_note)
    assert messages_of(response) == [
        f"Credit note {credit_note.label} was recorded: 2 pcs back on the shelf at Main Street, "
        "1.25 m written off; refund $23.75."
    ]
    assert (credit_note.sale, credit_note.customer, credit_note.store) == (
        sold,
        sold.customer,
        store,
    )
    assert credit_note.notes == "Refunded in cash"
    assert credit_note.created_by.username == "counter-clerk"
    assert sorted(
        credit_note.lines.values_list("product__sku", "quantity", "restock", "reason", "unit_price")
    ) == [
        ("CAB-2", Decimal("1.25"), False, "Cut badly", Decimal("3.00")),
        ("WID-1", Decimal("2"), True, "Wrong colour", Decimal("10.00")),
    ]
    # 10 - 5 sold + 2 back; the damaged cable stays out of stock.
    assert on_hand(widget, store) == 7
    assert on_hand(cable, store) == Decimal("17.5")
    movement = StockMovement.objects.get(kind=StockMovement.Kind.SALE_RETURN)
    assert (movement.product, movement.quantity, movement.document_id) == (
        widget,
        Decimal("2"),
        sold.pk,
    )
    assert credit_note.number.startswith(f"CN-{store.code}-")
    day = ReturnDay.objects.get()
    assert (day.units, day.value, day.written_off) == (
        Decimal("3.25"),
        Decimal("23.75"),
        Decimal("1.25"),
    )
    content = response.content.decode()
    assert "Wrong colour" in content and "Written off" in content
    assert 'data-testid="return-refund">$23.75<' in content


def test_the_return_takes_the_date_given(clerk_client, sold, widget):
    day = sold.date + datetime.timedelta(days=1)

    clerk_client.post(
        url("sales:return", sold), return_data(sold, {widget: "1"}, date=day.isoformat())
    )

    assert SaleReturn.objects.get().date == day


@pytest.mark.parametrize("typed", ["", "0", "0.000"])
def test_a_return_of_nothing_is_refused(clerk_client, sold, widget, cable, typed):
    before = written()

    response = clerk_client.post(
        url("sales:return", sold), return_data(sold, {widget: typed, cable: typed})
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Enter the quantity coming back on at least one line."
    ]
    assert "Enter the quantity coming back on at least one line." in response.content.decode()
    assert written() == before


BAD_QUANTITIES = {
    "negative": ("-1", "Ensure this value is greater than or equal to 0."),
    "non-numeric": ("two", "Enter a number."),
    "not a number": ("NaN", "Enter a number."),
    "huge": ("123456789012345678901234", "Ensure this value is less than or equal to 1000000."),
    "over the most": ("1e9", "Ensure this value is less than or equal to 1000000."),
    "finer than the unit": (
        "2.5",
        "Blue Widget is counted in whole pieces: 2.5 is not a whole number.",
    ),
    "finer than any quantity": ("1.0001", "Quantities have at most 3 decimal places."),
    "more than was sold": ("6", "Only 5 pcs can still come back: 5 pcs sold, 0 pcs already "
                                "returned."),
}  # fmt: skip


@pytest.mark.parametrize(("typed", "error"), BAD_QUANTITIES.values(), ids=BAD_QUANTITIES.keys())
def test_a_bad_quantity_is_a_field_error_and_nothing_is_written(
    clerk_client, sold, widget, cable, typed, error
):
    before = written()

    response = clerk_client.post(
        url("sales:return", sold), return_data(sold, {widget: typed, cable: "1"})
    )

    assert response.status_code == 200
    assert response.context["form"].errors[f"quantity_{line_of(sold, widget).pk}"] == [error]
    assert error.replace("'", "&#x27;") in response.content.decode()
    assert written() == before


def test_more_than_is_left_after_an_earlier_return_is_refused(clerk_client, sold, widget):
    take_back(sold, widget, 2)
    before = written()

    response = clerk_client.post(url("sales:return", sold), return_data(sold, {widget: "4"}))

    assert response.context["form"].errors[f"quantity_{line_of(sold, widget).pk}"] == [
        "Only 3 pcs can still come back: 5 pcs sold, 2 pcs already returned."
    ]
    assert written() == before


def test_a_metre_of_cable_comes_back_in_its_precision(clerk_client, sold, store, cable):
    response = clerk_client.post(url("sales:return", sold), return_data(sold, {cable: "0.125"}))

    assert response.status_code == 302
    assert on_hand(cable, store) == Decimal("17.625")

    response = clerk_client.post(url("sales:return", sold), return_data(sold, {cable: "0.1234"}))

    assert response.context["form"].errors[f"quantity_{line_of(sold, cable).pk}"] == [
        "Quantities have at most 3 decimal places."
    ]


def test_an_over_long_reason_is_a_field_error(clerk_client, sold, widget):
    before = written()

    response = clerk_client.post(
        url("sales:return", sold), return_data(sold, {widget: "1"}, reasons={widget: "x" * 256})
    )

    assert response.context["form"].errors[f"reason_{line_of(sold, widget).pk}"] == [
        "Ensure this value has at most 255 characters (it has 256)."
    ]
    assert written() == before


@pytest.mark.parametrize(
    ("days", "error"),
    [
        (1, "The date cannot be in the future."),
        (-4, "Goods cannot come back before the sale date"),
    ],
)
def test_a_date_in_the_future_or_before_the_sale_is_refused(
    clerk_client, sold, widget, days, error
):
    day = timezone.localdate() + datetime.timedelta(days=days)
    before = written()

    response = clerk_client.post(
        url("sales:return", sold), return_data(sold, {widget: "1"}, date=day.isoformat())
    )

    assert response.context["form"].errors["date"][0].startswith(error)
    assert written() == before


@pytest.mark.parametrize("typed", ["", "yesterday", "2024-02-30"])
def test_a_missing_or_bad_date_is_refused(clerk_client, sold, widget, typed):
    response = clerk_client.post(
        url("sales:return", sold), return_data(sold, {widget: "1"}, date=typed)
    )

    assert response.context["form"].errors["date"]
    assert not SaleReturn.objects.exists()


def test_a_line_of_another_sale_posted_is_ignored(clerk_client, sold, store, widget):
    other = make_sale(store=store, lines=[(widget, 2)])
    data = return_data(sold, {})
    data[f"quantity_{other.lines.get().pk}"] = "1"
    before = written()

    response = clerk_client.post(url("sales:return", sold), data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Enter the quantity coming back on at least one line."
    ]
    assert written() == before


def test_a_refusal_by_the_service_is_a_form_error_never_a_server_error(
    clerk_client, sold, widget, monkeypatch
):
    """What changed between the page's check and the locked sale: another return, a void."""

    def refuse(**kwargs):
        raise ReturnRefused("Blue Widget: 2 pcs asked, only 1 pcs can still come back")

    monkeypatch.setattr("sales.return_views.sale_return", refuse)

    response = clerk_client.post(url("sales:return", sold), return_data(sold, {widget: "2"}))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Nothing was returned: Blue Widget: 2 pcs asked, only 1 pcs can still come back."
    ]
    # What was typed is still there.
    assert f'name="quantity_{line_of(sold, widget).pk}" value="2"' in response.content.decode()


def test_a_voided_sale_offers_no_form_and_refuses_a_post(clerk_client, manager, sold, widget):
    sale_void(sale=sold, user=manager, reason="Entered twice")
    before = written()

    page = clerk_client.get(url("sales:return", sold))
    post = clerk_client.post(
        url("sales:return", sold), return_data(sold, {widget: "1"}), follow=True
    )

    assert page.status_code == 200
    assert 'data-testid="return-closed"' in page.content.decode()
    assert f"Sale {sold.label} was voided: nothing can come back from it." in page.content.decode()
    assert 'id="return-form"' not in page.content.decode()
    assert post.redirect_chain[-1][0] == sold.get_absolute_url()
    assert messages_of(post) == [
        f"Nothing was returned: Sale {sold.label} was voided: nothing can come back from it."
    ]
    assert written() == before
    assert 'data-testid="return-items"' not in post.content.decode()


def test_a_fully_returned_sale_offers_no_form(clerk_client, sold, widget, cable):
    take_back(sold, widget, 5)
    take_back(sold, cable, "2.5", restock=False)
    before = written()

    page = clerk_client.get(url("sales:return", sold))
    post = clerk_client.post(
        url("sales:return", sold), return_data(sold, {widget: "1"}), follow=True
    )

    assert f"Everything sold on sale {sold.label} has already come back." in page.content.decode()
    assert 'id="return-form"' not in page.content.decode()
    assert messages_of(post) == [
        f"Nothing was returned: Everything sold on sale {sold.label} has already come back."
    ]
    assert written() == before
    assert not post.context["can_return"]


def test_a_fully_returned_line_is_shown_disabled(clerk_client, sold, widget, cable):
    take_back(sold, widget, 5)

    page = clerk_client.get(url("sales:return", sold)).content.decode()

    widget_input = re.search(rf'<input[^>]*name="quantity_{line_of(sold, widget).pk}"[^>]*>', page)
    cable_input = re.search(rf'<input[^>]*name="quantity_{line_of(sold, cable).pk}"[^>]*>', page)
    assert "disabled" in widget_input.group(0)
    assert "disabled" not in cable_input.group(0)


def test_a_sale_with_a_return_cannot_be_voided_and_its_page_says_why(manager_client, sold, widget):
    assert manager_client.get(sold.get_absolute_url()).context["can_void"]
    take_back(sold, widget, 1)

    response = manager_client.get(sold.get_absolute_url())

    assert not response.context["can_void"]
    content = response.content.decode()
    assert url("sales:void", sold) not in content
    assert 'data-testid="void-refused"' in content


# Who may do it


def test_a_visitor_is_sent_to_log_in_everywhere(client, sold, widget):
    credit_note = take_back(sold, widget, 1)

    for method, address in every_url(sold, credit_note):
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response.url.startswith(reverse("login")), address


def every_url(sale, credit_note) -> list[tuple[str, str]]:
    return [
        ("get", url("sales:return", sale)),
        ("post", url("sales:return", sale)),
        ("get", LIST_URL),
        ("get", CSV_URL),
        ("get", url("returns:detail", credit_note)),
        ("get", url("returns:print", credit_note)),
        ("get", url("returns:pdf", credit_note)),
    ]


def test_a_user_without_permissions_is_refused_everywhere(user_client, sold, widget):
    credit_note = take_back(sold, widget, 1)
    before = written()

    for method, address in every_url(sold, credit_note):
        response = getattr(user_client, method)(address, {})
        assert response.status_code == 403, address
    assert written() == before


def test_taking_a_return_needs_the_add_permission(client, django_user_model, sold, widget):
    viewer = django_user_model.objects.create_user("viewer")
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_sale", "view_salereturn"])
    )
    client.force_login(viewer)
    before = written()

    assert client.get(url("sales:return", sold)).status_code == 403
    assert (
        client.post(url("sales:return", sold), return_data(sold, {widget: "1"})).status_code == 403
    )
    assert written() == before
    # Nor is it offered on the sale's page, which the viewer may open.
    page = client.get(sold.get_absolute_url())
    assert not page.context["can_return"]
    assert url("sales:return", sold) not in page.content.decode()


def test_the_return_post_needs_the_csrf_token(django_user_model, sold, widget):
    user = django_user_model.objects.create_user("csrf-clerk")
    user.groups.add(Group.objects.get(name=CLERK))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    before = written()

    response = client.post(url("sales:return", sold), return_data(sold, {widget: "1"}))

    assert response.status_code == 403
    assert written() == before
    token = client.get(url("sales:return", sold)).cookies["csrftoken"].value
    response = client.post(
        url("sales:return", sold),
        {**return_data(sold, {widget: "1"}), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_unknown_sales_and_returns_are_404(manager_client):
    for route in ("sales:return", "returns:detail", "returns:print", "returns:pdf"):
        assert manager_client.get(reverse(route, args=[999999])).status_code == 404, route
    assert manager_client.post(reverse("sales:return", args=[999999]), {}).status_code == 404


# The sale's page


def test_the_sale_page_shows_what_came_back_and_offers_a_return(clerk_client, sold, widget, cable):
    first = take_back(sold, widget, 2, reason="Too big")
    second = take_back(sold, widget, 1, restock=False)

    response = clerk_client.get(sold.get_absolute_url())

    assert response.context["can_return"]
    assert [credit_note.pk for credit_note in response.context["returns"]] == [
        first.pk,
        second.pk,
    ]
    returned = {line.product: line.returned for line in response.context["lines"]}
    assert returned == {widget: Decimal("2") + Decimal("1"), cable: Decimal("0")}
    content = response.content.decode()
    assert f'href="{url("sales:return", sold)}" data-testid="return-items"' in content
    assert 'data-testid="line-returned">3 pcs<' in content
    assert f'href="{first.get_absolute_url()}">{first.label}</a>' in content
    assert "refund $20.00" in content and "refund $10.00" in content


def test_a_fully_returned_sale_offers_no_return_button(clerk_client, sold, widget, cable):
    take_back(sold, widget, 5)
    take_back(sold, cable, "2.5")

    response = clerk_client.get(sold.get_absolute_url())

    assert not response.context["can_return"]
    assert 'data-testid="return-items"' not in response.content.decode()


# Session, user, permissions (group + user), the sale, its lines with their returns,
# its returns, the user's profile (the stores they act in: accounts.access), the
# History section's entries (audit.sections).
SALE_DETAIL_QUERIES = 9


@pytest.mark.parametrize("count", [1, 6])
def test_the_sale_page_runs_the_same_queries_for_few_lines_and_returns_or_many(
    manager_client, django_assert_num_queries, store, count
):
    products = [ProductFactory() for _ in range(count)]
    for product in products:
        stock_up(product, store, 10)
    sale = make_sale(store=store, lines=[(product, 5) for product in products])
    for product in products:
        take_back(sale, product, 1)

    with django_assert_num_queries(SALE_DETAIL_QUERIES):
        response = manager_client.get(sale.get_absolute_url())

    assert len(response.context["returns"]) == count
    assert not response.context["can_void"]


# The list and its CSV


def test_the_list_shows_each_return_with_its_totals(
    manager_client, django_user_model, sold, widget, cable
):
    credit_note = sale_return(
        sale=sold,
        lines=[
            ReturnLineInput(line_of(sold, widget), Decimal("2")),
            ReturnLineInput(line_of(sold, cable), Decimal("0.5"), restock=False),
        ],
        user=sold.created_by,
    )

    response = manager_client.get(LIST_URL)

    [row] = response.context["object_list"]
    # Refund 2 × 10 + 0.5 × 3 = 21.50; cost 2 × 4 + 0.5 × 1 = 8.50.
    assert (row.line_count, row.total_units, row.refund, row.total_cost) == (
        2,
        Decimal("2.5"),
        Decimal("21.50"),
        Decimal("8.50"),
    )
    content = response.content.decode()
    assert f'href="{credit_note.get_absolute_url()}">{credit_note.label}</a>' in content
    assert f'href="{sold.get_absolute_url()}">{sold.label}</a>' in content
    assert "Dana Buyer" in content and "Main Street" in content
    assert "$21.50" in content and "$8.50" in content
    assert f'href="{CSV_URL}?"' in content
    # Returns are taken on a sale's page: the list offers no "new" button.
    assert not response.context["can_add"]
    # Costs are need-to-know (products.costs): a clerk sees the refund, not the cost.
    clerk_content = signed_in_clerk(manager_client, django_user_model).get(LIST_URL).content
    assert "$21.50" in clerk_content.decode() and "$8.50" not in clerk_content.decode()


def listed(client, **params) -> set[int]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return {credit_note.pk for credit_note in response.context["object_list"]}


def test_the_list_searches_and_filters(clerk_client, store, customer, widget):
    harbour = StoreFactory(name="Harbour Road")
    stock_up(widget, harbour, 10)
    other_customer = CustomerFactory(name="Someone Else")
    jan_sale = make_sale(
        store=store, customer=customer, lines=[(widget, 3)], date=datetime.date(2026, 1, 5)
    )
    mar_sale = make_sale(
        store=harbour, customer=other_customer, lines=[(widget, 3)],
        date=datetime.date(2026, 3, 5),
    )  # fmt: skip
    jan = sale_return(
        sale=jan_sale, lines=[ReturnLineInput(jan_sale.lines.get(), Decimal(1), True, "Scratched")],
        user=jan_sale.created_by, date=datetime.date(2026, 1, 10),
    ).pk  # fmt: skip
    feb = sale_return(
        sale=jan_sale, lines=[ReturnLineInput(jan_sale.lines.get(), Decimal(1))],
        user=jan_sale.created_by, date=datetime.date(2026, 2, 10), notes="Second visit",
    ).pk  # fmt: skip
    mar = sale_return(
        sale=mar_sale, lines=[ReturnLineInput(mar_sale.lines.get(), Decimal(1))],
        user=mar_sale.created_by, date=datetime.date(2026, 3, 10),
    ).pk  # fmt: skip

    assert listed(clerk_client) == {jan, feb, mar}
    assert listed(clerk_client, customer=customer.pk) == {jan, feb}
    assert listed(clerk_client, customer="someone else") == {mar}
    assert listed(clerk_client, store=harbour.pk) == {mar}
    assert listed(clerk_client, date_from="2026-02-01") == {feb, mar}
    assert listed(clerk_client, date_to="2026-01-31") == {jan}
    assert listed(clerk_client, date_from="2026-02-10", date_to="2026-02-10") == {feb}
    mar_number = SaleReturn.objects.get(pk=mar).number
    assert listed(clerk_client, q=mar_number) == {mar}
    assert listed(clerk_client, q=mar_number.lower()) == {mar}
    assert listed(clerk_client, q=mar_sale.number) == {mar}
    assert listed(clerk_client, q=jan_sale.number) == {jan, feb}
    assert listed(clerk_client, q=f"#{mar}") >= {mar}  # a key, for returns before numbering
    assert listed(clerk_client, q="scratch") == {jan}
    assert listed(clerk_client, q="second visit") == {feb}
    assert listed(clerk_client, q="nothing like it") == set()
    # Newest first.
    response = clerk_client.get(LIST_URL)
    assert [credit_note.pk for credit_note in response.context["object_list"]] == [mar, feb, jan]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "CN-"},
        {"q": "CN-" + "9" * 30},
        {"q": "9" * 30},
        {"q": "a\x00b"},
        {"customer": "Nobody"},
        {"store": "x"},
        {"date_from": "not a date"},
        {"page": "999"},
        {"status": "voided"},
    ],
)
def test_the_list_takes_odd_filters_without_error(clerk_client, sold, widget, params):
    take_back(sold, widget, 1)

    assert clerk_client.get(LIST_URL, params).status_code == 200
    assert clerk_client.get(CSV_URL, params).status_code == 200


# Session, user, permissions (group + user), count, the page's rows, the store filter's
# options. The customer filter is a picker: no customer is read to draw it.
LIST_QUERIES = 7


@pytest.mark.parametrize("rows", [1, 25])
def test_the_list_runs_the_same_queries_for_one_return_or_many(
    manager_client, django_assert_num_queries, store, widget, cable, rows
):
    stock_up(widget, store, 100)
    for _ in range(rows):
        sale = make_sale(store=store, customer=CustomerFactory(), lines=[(widget, 2), (cable, 1)])
        sale_return(
            sale=sale,
            lines=[ReturnLineInput(line, Decimal(1)) for line in sale.lines.all()],
            user=sale.created_by,
        )

    with django_assert_num_queries(LIST_QUERIES):
        response = manager_client.get(LIST_URL)

    assert len(response.context["object_list"]) == rows


def csv_rows(response) -> list[str]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_the_csv_has_a_row_per_line_and_honours_the_filters(
    manager_client, django_user_model, sold, store, widget, cable
):
    credit_note = sale_return(
        sale=sold,
        lines=[
            ReturnLineInput(line_of(sold, widget), Decimal("2"), True, "=HYPERLINK(1)"),
            ReturnLineInput(line_of(sold, cable), Decimal("0.5"), False, "Cut badly"),
        ],
        user=sold.created_by,
    )
    other_store = StoreFactory(name="Harbour Road")
    stock_up(widget, other_store, 5)
    elsewhere = make_sale(store=other_store, lines=[(widget, 1)])
    take_back(elsewhere, widget, 1)

    response = manager_client.get(CSV_URL, {"store": store.pk})

    assert response["Content-Disposition"] == (
        f'attachment; filename="return-lines-{timezone.localdate().isoformat()}.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == (
        "Credit note,Date,Sale,Customer,Store,SKU,Product,Unit,Quantity,Restocked,Reason,"
        "Unit price,Net,Tax,Gross,Unit cost,Cost"
    )
    start = (
        f"{credit_note.number},{credit_note.date.isoformat()},{sold.number},Dana Buyer,Main Street,"
    )
    assert sorted(rows[1:]) == [
        start + "CAB-2,Copper cable,m,0.5,no,Cut badly,3.00,1.50,0.00,1.50,1.0000,0.50",
        # A reason a spreadsheet would run as a formula is kept as text.
        start + "WID-1,Blue Widget,pcs,2,yes,'=HYPERLINK(1),10.00,20.00,0.00,20.00,4.0000,8.00",
    ]
    assert len(csv_rows(manager_client.get(CSV_URL))) == 1 + 3
    # Costs are need-to-know (products.costs): a clerk's CSV leaves their columns out.
    clerk_rows = csv_rows(signed_in_clerk(manager_client, django_user_model).get(CSV_URL))
    assert clerk_rows[0] == (
        "Credit note,Date,Sale,Customer,Store,SKU,Product,Unit,Quantity,Restocked,Reason,"
        "Unit price,Net,Tax,Gross"
    )
    assert start + "CAB-2,Copper cable,m,0.5,no,Cut badly,3.00,1.50,0.00,1.50" in clerk_rows


# The credit note


@pytest.fixture
def credit_note(sold, widget, cable):
    return sale_return(
        sale=sold,
        lines=[
            ReturnLineInput(line_of(sold, widget), Decimal("2"), True, "Wrong size"),
            ReturnLineInput(line_of(sold, cable), Decimal("1.5"), False, "Café crème 東京"),
        ],
        user=sold.created_by,
        notes="Paid back by card",
    )


def test_the_credit_note_page_shows_its_lines_and_refund(clerk_client, credit_note, sold):
    response = clerk_client.get(credit_note.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    assert f"Credit note {credit_note.number}" in content
    assert (
        f'href="{sold.get_absolute_url()}" data-testid="return-sale">Sale {sold.number}</a>'
        in content
    )
    assert "Dana Buyer" in content and "Main Street" in content
    assert "2 pcs" in content and "1.5 m" in content
    assert "Back on the shelf" in content and "Written off" in content
    assert "Wrong size" in content and "Paid back by card" in content
    # 2 × 10.00 + 1.5 × 3.00
    assert 'data-testid="return-refund">$24.50<' in content
    assert f'href="{url("returns:print", credit_note)}"' in content
    assert f'href="{url("returns:pdf", credit_note)}"' in content


def test_the_printable_credit_note_names_the_shop_customer_and_lines(
    clerk_client, credit_note, store, customer, settings
):
    settings.SHOP_ADDRESS = "12 Harbour Road\nPort Town"
    settings.SHOP_TAX_NUMBER = "GB 123 4567 89"
    store.address = "1 Main Street\nSpringfield"
    store.save()
    customer.address = "4 Elm Road"
    customer.save()

    response = clerk_client.get(url("returns:print", credit_note))

    content = response.content.decode()
    assert f"{settings.SITE_NAME}: credit note {credit_note.number}" in content
    assert "12 Harbour Road<br>Port Town" in content
    assert 'data-testid="shop-tax-number">Tax number: GB 123 4567 89<' in content
    assert "1 Main Street<br>Springfield" in content
    assert "4 Elm Road" in content and "dana@example.com" in content
    assert "WID-1" in content and "Written off" in content
    assert 'data-testid="return-refund">$24.50<' in content
    assert "Paid back by card" in content


def test_the_pdf_is_a_pdf_of_the_credit_note(clerk_client, credit_note, sold, settings):
    settings.SHOP_ADDRESS = "12 Harbour Road\nPort Town"
    settings.SHOP_TAX_NUMBER = "GB 123 4567 89"

    response = clerk_client.get(url("returns:pdf", credit_note))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="credit-note-{credit_note.number}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert f"Credit note {credit_note.number}".encode() in text
    assert f"Against sale {sold.number}".encode() in text
    assert b"Blue Widget" in text and b"1.5 m" in text
    assert b"Dana Buyer" in text and b"Main Street" in text
    assert b"$24.50" in text
    assert b"12 Harbour Road" in text and b"Tax number: GB 123 4567 89" in text
    # cp1252: é kept (as its single byte), the Japanese as "?".
    assert "Café crème ??".encode("cp1252") in text


def test_the_nav_links_to_returns_for_those_who_may_see_them(clerk_client, user):
    page = clerk_client.get(LIST_URL).content.decode()
    assert f'nav-link active" href="{LIST_URL}">Returns</a>' in page
    without_role = Client()
    without_role.force_login(user)
    page = without_role.get(reverse("password_change")).content.decode()
    assert f'href="{LIST_URL}"' not in page
