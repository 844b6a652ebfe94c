"""What a return gives back: each line's share of what was paid (net and tax), the last units
getting exactly what is left, and a refund that may be less but never more."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from people.tests.factories import CustomerFactory
from products.tests.factories import ProductFactory, TaxRateFactory, stock_up
from products.tests.stock_checks import stock_snapshot
from sales.models import ProductSales, ReturnDay, SaleReturn
from sales.pricing import Discount
from sales.returns import ReturnLineInput, ReturnRefused, sale_return
from sales.services import SaleLineInput, sale_confirm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]


@pytest.fixture
def sold(manager, store):
    """3 widgets at 10.00 less 10 %, taxed 20 %: 27.00 net, 5.40 tax; 3 × 1.00 / 5 %."""
    widget = ProductFactory(
        name="Blue Widget", sale_price=D("10.00"), tax_rate=TaxRateFactory(percent=D("20"))
    )
    stock_up(widget, store, 10, unit_cost=D("4.00"))
    return sale_confirm(
        customer=CustomerFactory(),
        store=store,
        user=manager,
        lines=[SaleLineInput(widget, D("3"), discount=Discount(percent=D("10")))],
        discount=Discount(amount=D("0.01")),
    )


def back(sale, quantity, **kwargs):
    return ReturnLineInput(sale.lines.get(), D(quantity), **kwargs)


def test_each_return_gets_its_share_and_the_last_gets_what_is_left(sold, manager):
    line = sold.lines.get()
    assert (line.net_amount, line.tax_amount) == (D("26.99"), D("5.40"))

    returns = [sale_return(sale=sold, lines=[back(sold, "1")], user=manager) for _ in range(3)]

    amounts = [(r.lines.get().net_amount, r.lines.get().tax_amount) for r in returns]
    # A third of 26.99 is 9.00, two thirds 17.99: 9.00, 8.99, then the 9.00 left.
    assert amounts == [(D("9.00"), D("1.80")), (D("8.99"), D("1.80")), (D("9.00"), D("1.80"))]
    assert [r.refund for r in returns] == [D("10.80"), D("10.79"), D("10.80")]
    assert sum(net + tax for net, tax in amounts) == line.net_amount + line.tax_amount
    # Everything came back: the product's all-time sales are nothing again.
    assert ProductSales.objects.get(product=line.product).value == D("0")
    assert sum(day.value for day in ReturnDay.objects.all()) == D("26.99")


def test_a_smaller_refund_is_kept_as_given(sold, manager):
    credit_note = sale_return(sale=sold, lines=[back(sold, "1")], user=manager, refund=D("9.00"))

    assert SaleReturn.objects.get(pk=credit_note.pk).refund == D("9.00")
    # What the units sold for still leaves the totals: the fee is not a sale.
    assert ReturnDay.objects.get().value == D("9.00")


def test_a_refund_above_what_was_paid_is_refused_and_nothing_is_written(sold, manager):
    before = stock_snapshot()

    with pytest.raises(
        ReturnRefused, match=r"cannot be more than was paid for these units \(\$10.80\)"
    ):
        sale_return(sale=sold, lines=[back(sold, "1")], user=manager, refund=D("10.81"))

    assert stock_snapshot() == before
    assert not SaleReturn.objects.exists()


def test_the_return_page_takes_a_refund_and_the_credit_note_shows_what_was_kept(
    manager_client, sold
):
    line = sold.lines.get()
    data = {
        "date": sold.date.isoformat(),
        "refund": "8.00",
        "notes": "",
        f"quantity_{line.pk}": "1",
        f"restock_{line.pk}": "on",
        f"reason_{line.pk}": "",
    }

    response = manager_client.post(reverse("sales:return", args=[sold.pk]), data, follow=True)

    credit_note = SaleReturn.objects.get()
    content = response.content.decode()
    assert credit_note.refund == D("8.00")
    assert 'data-testid="return-kept">$2.80<' in content
    assert 'data-testid="return-refund">$8.00<' in content
    assert 'data-testid="return-net">$9.00<' in content


@pytest.mark.parametrize(
    ("refund", "message"),
    [
        ("11.00", "cannot be more than was paid"),
        ("-1", "greater than or equal to 0"),
        ("x", "number"),
    ],
)
def test_a_bad_refund_is_a_form_error(manager_client, sold, refund, message):
    line = sold.lines.get()
    data = {
        "date": sold.date.isoformat(),
        "refund": refund,
        f"quantity_{line.pk}": "1",
        f"restock_{line.pk}": "on",
    }

    response = manager_client.post(reverse("sales:return", args=[sold.pk]), data)

    assert response.status_code == 200
    assert message in str(response.context["form"].errors)
    assert not SaleReturn.objects.exists()


def test_verify_finds_a_return_line_worth_more_than_its_sale_line(sold, manager):
    from sales.models import SaleReturnLine
    from sales.services import totals_differences_from_lines

    credit_note = sale_return(sale=sold, lines=[back(sold, "3")], user=manager)
    assert totals_differences_from_lines() == []
    # Written behind the services' back.
    tampered = SaleReturnLine.objects.filter(sale_return=credit_note)
    tampered.update(net_amount=D("27.50"))

    differences = totals_differences_from_lines()

    assert any("27.50 net and 5.40 tax came back of 26.99 and 5.40 paid" in d for d in differences)
    tampered.update(net_amount=D("26.99"))  # as it was, for the ledger check after the test


def test_returns_of_a_line_worth_a_few_cents_never_give_back_more_than_it_cost(store, manager):
    # 4 × 0.01 less 0.02 = 0.02: a quarter of it is half a cent, which rounding up
    # each time would refund 4 times.
    penny = ProductFactory(name="Washer", sale_price=D("0.01"))
    stock_up(penny, store, 10, unit_cost=D("0.00"))
    sale = sale_confirm(
        customer=CustomerFactory(),
        store=store,
        user=manager,
        lines=[SaleLineInput(penny, D("4"), discount=Discount(amount=D("0.02")))],
    )
    assert sale.lines.get().net_amount == D("0.02")

    returns = [sale_return(sale=sale, lines=[back(sale, "1")], user=manager) for _ in range(4)]

    nets = [r.lines.get().net_amount for r in returns]
    assert nets == [D("0.01"), D("0.00"), D("0.01"), D("0.00")]
    assert sum(nets) == D("0.02") and all(r.refund >= 0 for r in returns)
