"""Pages write figures one way (core.templatetags.listing): money "-$18.00" and "$1,234.00",
quantities "1,347 pcs", dates "Dec. 2, 2026"; and the wording around them reads as English."""

import datetime
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from people.tests.factories import CustomerFactory
from products.tests.factories import ProductFactory, stock_up
from sales.tests.factories import make_sale

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 2)


@pytest.fixture
def big_sale(store):
    product = ProductFactory(name="Bolt", sale_price=Decimal("1234.00"))
    stock_up(product, store, 2000)
    return make_sale(store=store, lines=[(product, Decimal("1347"))], date=DAY)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_sale_detail_writes_quantities_money_and_the_date_formatted(manager_client, big_sale):
    html = page(manager_client, big_sale.get_absolute_url())

    assert "1,347 pcs" in html
    assert "$1,234.00" in html
    assert "$1,662,198.00" in html  # 1,347 × 1,234.00
    assert "Dec. 2, 2026" in html
    assert "12/02/2026" not in html and "1347 pcs" not in html


def test_sale_list_writes_the_same_date_as_the_detail(manager_client, big_sale):
    html = page(manager_client, reverse("sales:list"))

    assert "Dec. 2, 2026" in html
    assert "12/02/2026" not in html


def test_document_filters_offer_all_stores(manager_client, big_sale):
    html = page(manager_client, reverse("sales:list"))

    assert '<option value="" selected>All stores</option>' in html
    assert "---------" not in html


def test_products_list_groups_thousands_on_hand(manager_client, big_sale):
    html = page(manager_client, reverse("products:list"))

    assert "653" in html  # 2,000 - 1,347
    product = ProductFactory(name="Washer")
    stock_up(product, big_sale.store, 1347)
    html = page(manager_client, reverse("products:list"))
    assert "1,347" in html
    assert ">1347<" not in html


def test_stock_adjustment_error_names_the_field_by_its_label(manager_client, store):
    product = ProductFactory()
    data = {
        "adjust-store": store.pk,
        "adjust-mode": "counted",
        "adjust-quantity": "-1",
        "adjust-reason": "count",
    }
    response = manager_client.post(reverse("products:adjust", args=[product.pk]), data, follow=True)

    shown = [str(message) for message in response.context["messages"]]
    assert shown == [
        "The adjustment was not saved. Quantity: A counted quantity cannot be negative."
    ]


def test_an_empty_sale_asks_for_a_line(manager_client, store):
    data = {
        "customer": CustomerFactory().pk,
        "store": store.pk,
        "date": "2026-03-02",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
    }
    response = manager_client.post(reverse("sales:create"), data)

    html = response.content.decode()
    assert "Add at least one line." in html
    assert "Please submit at least" not in html


def test_dashboard_custom_period_shows_its_dates_once(manager_client):
    query = {"period": "custom", "start": "2026-11-03", "end": "2026-12-02"}
    html = page(
        manager_client,
        reverse("dashboard:index")
        + "?"
        + "&".join(f"{key}={value}" for key, value in query.items()),
    )

    label = html.split('data-testid="period-label">', 1)[1].split("</div>", 1)[0]
    assert label == "Nov. 3, 2026 – Dec. 2, 2026"


def test_return_lines_csv_starts_with_a_bom(manager_client, big_sale):
    response = manager_client.get(reverse("returns:lines-csv"))

    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeffCredit note,".encode())
