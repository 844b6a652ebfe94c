"""Prices, discounts and tax on sales: what is charged, who may change it, what is recorded,
and what the pages and totals show."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import CLERK
from people.tests.factories import CustomerFactory
from products.tests.factories import ProductFactory, TaxRateFactory, stock_up
from products.tests.stock_checks import stock_snapshot
from sales.models import ProductSales, Sale, SaleDay
from sales.pricing import Discount
from sales.services import PriceRefused, SaleLineInput, sale_confirm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

CREATE_URL = reverse("sales:create")


@pytest.fixture
def vat():
    return TaxRateFactory(name="VAT 20 %", percent=D("20"))


@pytest.fixture
def widget(store, vat):
    product = ProductFactory(name="Blue Widget", sale_price=D("10.00"), tax_rate=vat)
    stock_up(product, store, 20, unit_cost=D("4.00"))
    return product


@pytest.fixture
def bread(store):
    reduced = TaxRateFactory(name="Reduced 5 %", percent=D("5"))
    product = ProductFactory(name="Bread", sale_price=D("0.35"), tax_rate=reduced)
    stock_up(product, store, 20, unit_cost=D("0.20"))
    return product


@pytest.fixture
def till_clerk(django_user_model):
    user = django_user_model.objects.create_user("till-clerk")
    user.groups.add(Group.objects.get(name=CLERK))
    return user


def sell(user, store, *lines, discount=None):
    return sale_confirm(
        customer=CustomerFactory(),
        store=store,
        user=user,
        lines=[SaleLineInput(*line) for line in lines],
        discount=discount,
    )


# What is charged and recorded


def test_a_line_without_a_price_is_sold_at_the_products_price_plus_its_tax(
    till_clerk, store, widget, bread
):
    sale = sell(till_clerk, store, (widget, D("2")), (bread, D("3")))

    widget_line, bread_line = sale.lines.order_by("pk")
    assert (widget_line.unit_price, widget_line.list_price) == (D("10.00"), D("10.00"))
    assert (widget_line.tax_percent, widget_line.net_amount, widget_line.tax_amount) == (
        D("20.00"),
        D("20.00"),
        D("4.00"),
    )
    # 3 × 0.35 = 1.05; 5 % of it is 0.0525, rounded on the line to 0.05.
    assert (bread_line.net_amount, bread_line.tax_amount) == (D("1.05"), D("0.05"))
    assert widget_line.price_set_by is None and bread_line.price_set_by is None
    totals = Sale.objects.with_totals().get(pk=sale.pk)
    assert (totals.total_value, totals.total_tax, totals.total_gross) == (
        D("21.05"),
        D("4.05"),
        D("25.10"),
    )
    assert not sale.prices_include_tax


def test_with_prices_including_tax_the_tax_is_taken_out(settings, manager, store, widget):
    settings.PRICES_INCLUDE_TAX = True

    sale = sell(manager, store, (widget, D("1"), D("9.99")))

    line = sale.lines.get()
    assert (line.net_amount, line.tax_amount) == (D("8.33"), D("1.66"))
    assert Sale.objects.get(pk=sale.pk).prices_include_tax


def test_sales_totals_and_product_totals_are_net_of_tax(till_clerk, store, widget):
    sale = sell(till_clerk, store, (widget, D("3")))

    assert SaleDay.objects.get(date=sale.date).value == D("30.00")
    assert ProductSales.objects.get(product=widget).value == D("30.00")


def test_a_manager_changes_a_price_and_gives_discounts_and_each_is_recorded(
    manager, store, widget, bread
):
    sale = sell(
        manager,
        store,
        (widget, D("2"), D("12.00"), Discount(percent=D("10"))),
        (bread, D("4")),
        discount=Discount(amount=D("1.00")),
    )

    widget_line, bread_line = sale.lines.order_by("pk")
    # 24.00 less 2.40 = 21.60 and 1.40: the sale's 1.00 shared 0.94 / 0.06.
    assert (widget_line.list_price, widget_line.unit_price) == (D("10.00"), D("12.00"))
    assert (widget_line.discount, widget_line.discount_percent) == (D("2.40"), D("10.00"))
    assert (widget_line.document_discount, bread_line.document_discount) == (D("0.94"), D("0.06"))
    assert (widget_line.net_amount, bread_line.net_amount) == (D("20.66"), D("1.34"))
    assert widget_line.price_set_by == manager and bread_line.price_set_by == manager
    stored = Sale.objects.get(pk=sale.pk)
    assert (stored.discount, stored.discount_percent) == (D("1.00"), None)


def test_a_clerk_may_not_change_a_price_and_nothing_is_written(till_clerk, store, widget):
    before = stock_snapshot()

    with pytest.raises(PriceRefused, match=r"Blue Widget: the price is \$10\.00"):
        sell(till_clerk, store, (widget, D("1"), D("8.00")))

    assert stock_snapshot() == before
    assert not Sale.objects.exists()


def test_a_clerk_gives_a_discount_up_to_the_shops_limit_only(settings, till_clerk, store, widget):
    with pytest.raises(PriceRefused, match="needs a manager"):
        sell(till_clerk, store, (widget, D("1"), None, Discount(percent=D("5"))))

    settings.CLERK_MAX_DISCOUNT_PERCENT = 5
    sale = sell(till_clerk, store, (widget, D("1"), None, Discount(percent=D("5"))))
    assert sale.lines.get().price_set_by == till_clerk  # still recorded as an override
    with pytest.raises(PriceRefused, match=r"a discount of 5\.5% needs a manager"):
        sell(till_clerk, store, (widget, D("2"), None, Discount(amount=D("1.10"))))
    assert Sale.objects.count() == 1


def test_below_cost_is_refused_without_the_permission(settings, till_clerk, store, widget):
    settings.CLERK_MAX_DISCOUNT_PERCENT = 100
    before = stock_snapshot()

    # Cost 4.00; 10.00 less 65 % is 3.50 net.
    with pytest.raises(PriceRefused, match="Below cost, which needs a manager: Blue Widget"):
        sell(till_clerk, store, (widget, D("1"), None, Discount(percent=D("65"))))

    assert stock_snapshot() == before
    assert not Sale.objects.exists()


def test_below_cost_is_allowed_with_the_permission_and_reported(manager, store, widget):
    sale = sell(manager, store, (widget, D("1"), D("3.00")))

    assert len(sale.below_cost) == 1 and "Blue Widget" in sale.below_cost[0]


def test_a_discount_larger_than_the_line_is_refused(manager, store, widget):
    with pytest.raises(PriceRefused, match="more than the line's amount"):
        sell(manager, store, (widget, D("1"), None, Discount(amount=D("10.01"))))
    assert not Sale.objects.exists()


def test_a_change_of_tax_rate_leaves_what_was_sold_alone(till_clerk, store, widget, vat):
    sale = sell(till_clerk, store, (widget, D("1")))
    vat.percent = D("25")
    vat.save()

    line = sale.lines.get()
    assert (line.tax_percent, line.tax_amount) == (D("20.00"), D("2.00"))


# The pages


def sale_data(store, *lines, discount=""):
    data = {
        "customer": CustomerFactory().pk,
        "store": store.pk,
        "date": "2026-03-02",
        "discount": discount,
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
    }
    for index, (product, quantity, price, line_discount) in enumerate(lines):
        data[f"lines-{index}-product"] = product.sku
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_price"] = price
        data[f"lines-{index}-discount"] = line_discount
    return data


@pytest.fixture
def till_client(client, till_clerk):
    client.force_login(till_clerk)
    return client


def test_a_clerks_changed_price_is_shown_on_the_form_and_nothing_is_saved(
    till_client, store, widget
):
    response = till_client.post(CREATE_URL, sale_data(store, (widget, "1", "8.00", "")))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Nothing was saved" in errors and "changing it needs a manager" in errors
    assert not Sale.objects.exists()


@pytest.mark.parametrize(
    ("line_discount", "message"),
    [
        ("abc", "is not a discount"),
        ("-1", "cannot be negative"),
        ("150%", "more than 100%"),
        ("1" * 30, "at most 20 characters"),
    ],
)
def test_a_discount_that_is_not_one_is_a_form_error(
    manager_client, store, widget, line_discount, message
):
    response = manager_client.post(CREATE_URL, sale_data(store, (widget, "1", "", line_discount)))

    assert response.status_code == 200
    assert message in str(response.context["formset"].forms[0].errors["discount"])
    assert not Sale.objects.exists()


def test_a_bad_sale_discount_is_a_form_error(manager_client, store, widget):
    response = manager_client.post(
        CREATE_URL, sale_data(store, (widget, "1", "", ""), discount="ten")
    )

    assert response.status_code == 200
    assert "is not a discount" in str(response.context["form"].errors["discount"])
    assert not Sale.objects.exists()


def test_a_manager_sells_with_discounts_and_the_sale_page_shows_net_tax_and_total(
    manager_client, store, widget, bread
):
    response = manager_client.post(
        CREATE_URL,
        sale_data(store, (widget, "2", "", "10%"), (bread, "3", "", ""), discount="1.00"),
        follow=True,
    )

    sale = Sale.objects.get()
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == sale.get_absolute_url()
    # 18.00 and 1.05, less the sale's 1.00 (0.94 / 0.06): 17.06 + 0.99 = 18.05 net.
    assert 'data-testid="total-net">$18.05<' in content
    assert "Tax 5% on $0.99" in content and "Tax 20% on $17.06" in content
    # 3.41 + 0.05 = 3.46 tax; 21.51 to pay.
    assert 'data-testid="total-gross">$21.51<' in content
    assert 'data-testid="sale-discount">$1.00<' in content
    assert "list $10.00, set by manager" in content


def test_a_manager_selling_below_cost_is_warned(manager_client, store, widget):
    response = manager_client.post(
        CREATE_URL, sale_data(store, (widget, "1", "3.00", "")), follow=True
    )

    messages = [str(message) for message in response.context["messages"]]
    assert any(message.startswith("Sold below cost: Blue Widget") for message in messages)
    assert Sale.objects.count() == 1


def test_the_receipt_shows_the_tax_per_rate(manager_client, manager, store, widget, bread):
    sale = sell(manager, store, (widget, D("1")), (bread, D("2")))

    content = manager_client.get(reverse("sales:receipt", args=[sale.pk])).content.decode()
    assert "Tax 5% on $0.70" in content and "Tax 20% on $10.00" in content
    assert 'data-testid="total-gross">$12.74<' in content
    assert "prices exclude tax" in content
