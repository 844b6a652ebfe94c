"""A sale's receipt: the printable page and the PDF, with the shop's letterhead, what came
back since, and who may see them."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.roles import CLERK
from core.tests.pdf_checks import pdf_text
from people.tests.factories import CustomerFactory
from products.models import Unit
from products.tests.factories import ProductFactory, stock_up
from sales.returns import ReturnLineInput, sale_return
from sales.services import sale_void
from sales.tests.factories import make_sale

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

SHOP_ADDRESS = "12 Harbour Road\nPort Town 4021"
SHOP_TAX_NUMBER = "GB 123 4567 89"


def url(route: str, sale) -> str:
    return reverse(route, args=[sale.pk])


@pytest.fixture
def shop(settings):
    """The shop's letterhead as a shop would set it."""
    settings.SITE_NAME = "Corner Hardware"
    settings.SHOP_ADDRESS = SHOP_ADDRESS
    settings.SHOP_TAX_NUMBER = SHOP_TAX_NUMBER
    return settings


@pytest.fixture
def clerk_client(client, django_user_model):
    user = django_user_model.objects.create_user("counter-clerk")
    user.groups.add(Group.objects.get(name=CLERK))
    client.force_login(user)
    return client


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
def sold(store, widget, cable):
    """5 widgets at 10.00 and 2.5 m of cable at 3.00: 57.50, to Dana Buyer at Main Street."""
    store.address = "1 Main Street\nSpringfield"
    store.phone = "555 0100"
    store.save()
    return make_sale(
        store=store,
        customer=CustomerFactory(name="Dana Buyer", email="dana@example.com"),
        lines=[(widget, 5, Decimal("10.00")), (cable, Decimal("2.5"), Decimal("3.00"))],
        date=timezone.localdate() - datetime.timedelta(days=3),
    )


def take_back(sale, product, quantity):
    return sale_return(
        sale=sale,
        lines=[ReturnLineInput(sale.lines.get(product=product), Decimal(quantity))],
        user=sale.created_by,
    )


# The printable page


def test_the_receipt_names_the_shop_store_customer_lines_and_total(clerk_client, shop, sold):
    response = clerk_client.get(url("sales:receipt", sold))

    assert response.status_code == 200
    content = response.content.decode()
    assert f"Corner Hardware: receipt {sold.number}" in content
    assert "12 Harbour Road<br>Port Town 4021" in content
    assert f'data-testid="shop-tax-number">Tax number: {SHOP_TAX_NUMBER}<' in content
    assert "Main Street<br>1 Main Street<br>Springfield<br>555 0100" in content
    assert f'data-testid="receipt-number">{sold.number}<' in content
    assert date_format(sold.date, "DATE_FORMAT") in content
    assert "Dana Buyer" in content and "dana@example.com" in content
    assert '<code>WID-1</code></td><td>Blue Widget</td><td class="num">5 pcs</td>' in content
    assert '<code>CAB-2</code></td><td>Copper cable</td><td class="num">2.5 m</td>' in content
    assert "$10.00" in content and "$50.00" in content and "$7.50" in content
    assert 'data-testid="total-gross">$57.50<' in content
    assert "VOIDED" not in content
    assert 'data-testid="receipt-returns"' not in content


def test_without_an_address_or_tax_number_the_letterhead_is_the_shop_name(
    clerk_client, settings, sold
):
    settings.SHOP_ADDRESS = settings.SHOP_TAX_NUMBER = ""

    content = clerk_client.get(url("sales:receipt", sold)).content.decode()

    assert f'<div class="fw-bold fs-5">{settings.SITE_NAME}</div>' in content
    assert "Tax number" not in content


def test_a_voided_sale_s_receipt_says_it_is_not_valid(clerk_client, manager, sold):
    sale_void(sale=sold, user=manager, reason="Entered twice")

    page = clerk_client.get(url("sales:receipt", sold)).content.decode()
    pdf = clerk_client.get(url("sales:pdf", sold)).content

    assert 'data-testid="receipt-voided">VOIDED — not valid as a receipt<' in page
    assert "VOIDED — not valid as a receipt".encode("cp1252") in pdf_text(pdf)


def test_the_receipt_lists_the_credit_notes_of_what_came_back(clerk_client, sold, widget, cable):
    first = take_back(sold, widget, 2)
    second = take_back(sold, cable, "0.5")

    page = clerk_client.get(url("sales:receipt", sold)).content.decode()
    text = pdf_text(clerk_client.get(url("sales:pdf", sold)).content)

    assert 'data-testid="receipt-returns"' in page
    for credit_note, refund in [(first, "$20.00"), (second, "$1.50")]:
        day = date_format(credit_note.date, "DATE_FORMAT")
        assert f"Credit note {credit_note.number} of {day}: refund {refund}" in page
        assert f"Credit note {credit_note.number} of {day}: refund {refund}".encode() in text
    # What was sold stays what the receipt says.
    assert 'data-testid="total-gross">$57.50<' in page


# The PDF


def test_the_pdf_is_a_pdf_of_the_receipt(clerk_client, shop, sold):
    response = clerk_client.get(url("sales:pdf", sold))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{sold.number}.pdf"'
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert f"Receipt {sold.number}".encode() in text
    assert b"Corner Hardware" in text
    assert b"12 Harbour Road" in text and b"Port Town 4021" in text
    assert f"Tax number: {SHOP_TAX_NUMBER}".encode() in text
    assert b"Dana Buyer" in text and b"Main Street" in text
    assert b"WID-1" in text and b"Blue Widget" in text and b"2.5 m" in text
    assert b"$57.50" in text
    assert b"VOIDED" not in text


def test_the_pdf_prints_characters_the_builtin_font_lacks_as_question_marks(clerk_client, store):
    product = ProductFactory(name="Café crème 東京 €")
    stock_up(product, store, 1)
    sale = make_sale(store=store, lines=[(product, 1)])

    response = clerk_client.get(url("sales:pdf", sale))

    assert response.status_code == 200
    assert "Café crème ?? €".encode("cp1252") in pdf_text(response.content)


# The sale's page


def test_the_sale_page_offers_the_receipt_and_its_pdf(clerk_client, sold):
    content = clerk_client.get(sold.get_absolute_url()).content.decode()

    assert f'href="{url("sales:receipt", sold)}" data-testid="receipt">Receipt</a>' in content
    assert f'href="{url("sales:pdf", sold)}" data-testid="receipt-pdf">PDF</a>' in content


# Who may see it


@pytest.mark.parametrize("route", ["sales:receipt", "sales:pdf"])
def test_a_visitor_is_sent_to_log_in(client, sold, route):
    response = client.get(url(route, sold))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("route", ["sales:receipt", "sales:pdf"])
def test_a_user_without_view_sale_is_refused(user_client, sold, route):
    assert user_client.get(url(route, sold)).status_code == 403


@pytest.mark.parametrize("route", ["sales:receipt", "sales:pdf"])
def test_view_sale_alone_is_enough(client, django_user_model, sold, route):
    viewer = django_user_model.objects.create_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_sale"))
    client.force_login(viewer)

    assert client.get(url(route, sold)).status_code == 200


@pytest.mark.parametrize("route", ["sales:receipt", "sales:pdf"])
def test_an_unknown_sale_is_404(manager_client, route):
    assert manager_client.get(reverse(route, args=[999999])).status_code == 404


@pytest.mark.parametrize("route", ["sales:receipt", "sales:pdf"])
def test_the_receipt_and_its_pdf_take_no_post(manager_client, sold, route):
    assert manager_client.post(url(route, sold)).status_code == 405


# Queries

# Session, user, permissions (group + user), the sale, its lines, its credit notes.
RECEIPT_QUERIES = 7


@pytest.mark.parametrize("route", ["sales:receipt", "sales:pdf"])
@pytest.mark.parametrize("count", [1, 10])
def test_the_receipt_runs_the_same_queries_for_one_line_or_ten(
    manager_client, django_assert_num_queries, store, route, count
):
    products = [ProductFactory() for _ in range(count)]
    for product in products:
        stock_up(product, store, 10)
    sale = make_sale(store=store, lines=[(product, 5) for product in products])
    for product in products:
        take_back(sale, product, 1)

    with django_assert_num_queries(RECEIPT_QUERIES):
        response = manager_client.get(url(route, sale))

    assert response.status_code == 200
