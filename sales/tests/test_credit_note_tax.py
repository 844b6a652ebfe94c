"""The credit note's tax per rate: its page, print view and PDF show net, the tax at each rate
and the total, summed from the return lines' own shares of what was paid (each at its sale
line's rate), and read it in the same queries however many lines it has."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from core.tests.pdf_checks import pdf_text
from people.tests.factories import CustomerFactory
from products.tests.factories import ProductFactory, TaxRateFactory, stock_up
from sales.returns import ReturnLineInput, sale_return
from sales.tests.factories import make_sale

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]


@pytest.fixture
def widget(store):
    """10.00 a piece, taxed 20 %."""
    product = ProductFactory(
        name="Blue Widget", sale_price=D("10.00"), tax_rate=TaxRateFactory(percent=D("20"))
    )
    stock_up(product, store, 10)
    return product


@pytest.fixture
def nut(store):
    """0.35 a piece, taxed 5 %: 3 of them carry 0.0525 of tax, 0.05 rounded."""
    product = ProductFactory(
        name="Hex Nut", sale_price=D("0.35"), tax_rate=TaxRateFactory(percent=D("5"))
    )
    stock_up(product, store, 10)
    return product


@pytest.fixture
def sold(store, widget, nut):
    """3 widgets (30.00 + 6.00 tax) and 3 nuts (1.05 + 0.05 tax) on one sale."""
    return make_sale(
        store=store,
        customer=CustomerFactory(name="Dana Buyer"),
        lines=[(widget, 3), (nut, 3)],
    )


@pytest.fixture
def credit_note(sold, widget, nut):
    """1 widget and 1 nut back: 10.00 + 2.00 at 20 %, 0.35 + 0.02 at 5 % (a third of the
    line's 0.05, rounded half-up)."""
    return sale_return(
        sale=sold,
        lines=[
            ReturnLineInput(sold.lines.get(product=widget), D("1")),
            ReturnLineInput(sold.lines.get(product=nut), D("1")),
        ],
        user=sold.created_by,
    )


def url(route: str, record) -> str:
    return reverse(route, args=[record.pk])


def test_the_return_lines_carry_their_share_of_each_rate(credit_note):
    lines = credit_note.lines.order_by("pk")

    assert [(line.net_amount, line.tax_amount) for line in lines] == [
        (D("10.00"), D("2.00")),
        (D("0.35"), D("0.02")),
    ]


def test_the_credit_note_page_shows_net_tax_per_rate_and_total(manager_client, credit_note):
    response = manager_client.get(credit_note.get_absolute_url())

    content = response.content.decode()
    bands = response.context["tax_bands"]
    assert [(band.percent, band.net, band.tax) for band in bands] == [
        (D("5"), D("0.35"), D("0.02")),
        (D("20"), D("10.00"), D("2.00")),
    ]
    assert 'data-testid="total-net">$10.35<' in content
    assert "Tax 5% on $0.35</th>" in content and "Tax 20% on $10.00</th>" in content
    assert content.count('data-testid="tax-band"') == 2
    assert 'data-testid="tax-band">$0.02<' in content
    assert 'data-testid="tax-band">$2.00<' in content
    assert 'data-testid="total-gross">$12.37<' in content
    # Each line's tax with its rate, and the refund under the summary.
    assert 'data-testid="line-tax">$0.02 <span class="small text-body-secondary">5%<' in content
    assert 'data-testid="return-refund">$12.37<' in content


def test_the_printable_credit_note_shows_the_tax_per_rate(manager_client, credit_note):
    content = manager_client.get(url("returns:print", credit_note)).content.decode()

    assert 'data-testid="total-net">$10.35<' in content
    assert "Tax 5% on $0.35</th>" in content and "Tax 20% on $10.00</th>" in content
    assert content.count('data-testid="tax-band"') == 2
    assert 'data-testid="total-gross">$12.37<' in content
    assert 'data-testid="return-refund">$12.37<' in content


def test_the_credit_note_pdf_shows_the_tax_per_rate(manager_client, credit_note):
    response = manager_client.get(url("returns:pdf", credit_note))

    text = pdf_text(response.content)
    assert b"Tax 5% on $0.35" in text and b"$0.02" in text
    assert b"Tax 20% on $10.00" in text and b"$2.00" in text
    assert b"$10.35" in text and b"$12.37" in text


def test_a_credit_note_with_a_kept_fee_shows_the_total_then_what_was_kept(
    manager_client, sold, widget
):
    credit_note = sale_return(
        sale=sold,
        lines=[ReturnLineInput(sold.lines.get(product=widget), D("1"))],
        user=sold.created_by,
        refund=D("10.00"),
    )

    content = manager_client.get(credit_note.get_absolute_url()).content.decode()
    text = pdf_text(manager_client.get(url("returns:pdf", credit_note)).content)

    assert 'data-testid="total-gross">$12.00<' in content
    assert 'data-testid="return-kept">$2.00<' in content
    assert 'data-testid="return-refund">$10.00<' in content
    assert b"Kept by the shop" in text and b"Refund" in text


def test_the_last_returns_of_a_line_give_back_exactly_its_tax(manager_client, sold, nut):
    # Three nuts one at a time: a third of 0.05 each time would be 0.02 three times.
    line = sold.lines.get(product=nut)
    notes = [
        sale_return(sale=sold, lines=[ReturnLineInput(line, D("1"))], user=sold.created_by)
        for _ in range(3)
    ]

    taxes = [
        manager_client.get(note.get_absolute_url()).context["tax_bands"][0].tax for note in notes
    ]

    assert taxes == [D("0.02"), D("0.01"), D("0.02")]
    assert sum(taxes) == line.tax_amount == D("0.05")


def test_an_untaxed_credit_note_shows_no_tax_band(manager_client, store):
    leaflet = ProductFactory(sale_price=D("1.00"), tax_rate=None)
    stock_up(leaflet, store, 5)
    sale = make_sale(store=store, lines=[(leaflet, 2)])
    credit_note = sale_return(
        sale=sale, lines=[ReturnLineInput(sale.lines.get(), D("2"))], user=sale.created_by
    )

    content = manager_client.get(credit_note.get_absolute_url()).content.decode()

    assert 'data-testid="tax-band"' not in content
    assert 'data-testid="total-net">$2.00<' in content
    assert 'data-testid="total-gross">$2.00<' in content


# Session, user, permissions (user + group), the return (with its sale, customer and
# store, and its totals on the page), its lines with their products, units and rates in
# one; on the page, the History section's entries (audit.sections) too.
CREDIT_NOTE_QUERIES = {"returns:detail": 7, "returns:print": 6, "returns:pdf": 6}


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize("route", ["returns:detail", "returns:print", "returns:pdf"])
def test_the_credit_note_runs_the_same_queries_for_one_line_or_many(
    manager_client, django_assert_num_queries, store, route, count
):
    rates = [TaxRateFactory(percent=D("20")), TaxRateFactory(percent=D("5"))]
    products = [ProductFactory(tax_rate=rates[i % 2]) for i in range(count)]
    for product in products:
        stock_up(product, store, 5)
    sale = make_sale(store=store, lines=[(product, 3) for product in products])
    credit_note = sale_return(
        sale=sale,
        lines=[ReturnLineInput(line, D("2")) for line in sale.lines.all()],
        user=sale.created_by,
    )

    with django_assert_num_queries(CREDIT_NOTE_QUERIES[route]):
        response = manager_client.get(url(route, credit_note))

    assert response.status_code == 200
