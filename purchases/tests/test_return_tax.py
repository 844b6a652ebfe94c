"""The supplier's tax on returns to suppliers: each return line carries its purchase line's
rate and its share of the line's tax, rounded half-up to cents cumulatively, so the returns
of a line never claim back more tax than the supplier charged on it; the debit note (page,
print view, PDF) shows net, tax per rate and gross, in the same queries however many lines.
"""

import csv
import io
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from core.money import percent_of
from core.tests.pdf_checks import pdf_text
from people.tests.factories import SupplierFactory
from products.models import Unit
from products.tests.factories import ProductFactory, TaxRateFactory
from purchases.models import PurchaseReturn, PurchaseReturnLine
from purchases.returns import PurchaseReturnLineInput, purchase_return
from purchases.services import totals_differences_from_lines
from purchases.tests.factories import make_purchase

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]


@pytest.fixture
def vat():
    return TaxRateFactory(name="VAT 20 %", percent=D("20"))


@pytest.fixture
def reduced():
    return TaxRateFactory(name="Reduced 5 %", percent=D("5"))


@pytest.fixture
def widget(vat):
    return ProductFactory(name="Blue Widget", sku="WID-1", tax_rate=vat)


@pytest.fixture
def nut(reduced):
    return ProductFactory(name="Hex Nut", sku="NUT-5", tax_rate=reduced)


@pytest.fixture
def purchase(store, widget, nut):
    """3 widgets at 2.50 (7.50 + 1.50 at 20 %) and 3 nuts at 0.35 (1.05 + 0.05 at 5 %: the
    exact 0.0525 rounded, an odd cent that three returns of one nut cannot split evenly)."""
    return make_purchase(
        store=store,
        supplier=SupplierFactory(name="Acme Supplies"),
        lines=[(widget, D("3"), D("2.50")), (nut, D("3"), D("0.35"))],
    )


def line_of(purchase, product):
    return purchase.lines.get(product=product)


def send_back(purchase, user, *lines) -> PurchaseReturn:
    """A return of (product, quantity) pairs of ``purchase``."""
    return purchase_return(
        purchase=purchase,
        user=user,
        lines=[
            PurchaseReturnLineInput(line_of(purchase, product), D(quantity))
            for product, quantity in lines
        ],
    )


def url(route: str, debit_note) -> str:
    return reverse(route, args=[debit_note.pk])


# The return lines' tax


def test_a_return_line_carries_its_purchase_lines_rate_and_its_share_of_the_tax(
    purchase, manager, widget, nut
):
    debit_note = send_back(purchase, manager, (widget, "2"), (nut, "3"))

    lines = list(debit_note.lines.order_by("pk"))
    assert [(line.tax_percent, line.net_amount, line.tax_amount) for line in lines] == [
        (D("20"), D("5.00"), D("1.00")),
        (D("5"), D("1.05"), D("0.05")),  # every nut: exactly the line's tax
    ]
    assert [line.gross_amount for line in lines] == [D("6.00"), D("1.10")]


def test_three_returns_of_one_of_three_units_give_back_the_lines_tax_and_no_more(
    purchase, manager, nut
):
    line = line_of(purchase, nut)
    # Each nut's own tax rounded on its own would be 0.0175 → 0.02, three times 0.06.
    assert percent_of(D("0.35"), D("5")) * 3 == D("0.06") > line.tax_amount

    debit_notes = [send_back(purchase, manager, (nut, "1")) for _ in range(3)]

    taxes = [note.lines.get().tax_amount for note in debit_notes]
    # A third of 0.05 is 0.02 (0.0167 half-up), two thirds 0.03: 0.02, 0.01, then what is left.
    assert taxes == [D("0.02"), D("0.01"), D("0.02")]
    assert sum(taxes) == line.tax_amount == D("0.05")
    assert totals_differences_from_lines() == []


@pytest.mark.parametrize(
    ("quantities", "taxes"),
    [
        # 2.5 m at 1.99: 4.98 net, 1.00 tax (20 %).
        (["1", "1", "0.5"], ["0.40", "0.40", "0.20"]),
        (["0.5", "0.5", "0.5", "0.5", "0.5"], ["0.20", "0.20", "0.20", "0.20", "0.20"]),
        (["0.333", "0.333", "1.834"], ["0.13", "0.14", "0.73"]),
        (["0.001", "0.001", "2.498"], ["0.00", "0.00", "1.00"]),
    ],
)
def test_partial_returns_of_a_line_add_up_to_its_tax_exactly(
    store, manager, vat, quantities, taxes
):
    cable = ProductFactory(unit=Unit.objects.standard()["m"], tax_rate=vat)
    purchase = make_purchase(store=store, lines=[(cable, D("2.5"), D("1.99"))])
    assert purchase.lines.get().tax_amount == D("1.00")

    debit_notes = [send_back(purchase, manager, (cable, quantity)) for quantity in quantities]

    assert [note.lines.get().tax_amount for note in debit_notes] == [D(tax) for tax in taxes]
    assert sum(D(tax) for tax in taxes) == D("1.00")


def test_two_inputs_of_one_line_in_one_return_share_its_tax_in_turn(purchase, manager, nut):
    debit_note = send_back(purchase, manager, (nut, "1"), (nut, "1"))

    assert [line.tax_amount for line in debit_note.lines.order_by("pk")] == [
        D("0.02"),
        D("0.01"),
    ]
    last = send_back(purchase, manager, (nut, "1"))
    assert last.lines.get().tax_amount == D("0.02")


def test_an_untaxed_purchase_line_goes_back_without_tax(store, manager):
    leaflet = ProductFactory(tax_rate=None)
    purchase = make_purchase(store=store, lines=[(leaflet, D("4"), D("1.00"))])

    line = send_back(purchase, manager, (leaflet, "3")).lines.get()

    assert (line.tax_percent, line.tax_amount, line.gross_amount) == (D("0"), D("0"), D("3.00"))


def test_the_rate_is_the_purchase_lines_not_the_products_of_today(
    purchase, manager, widget, reduced
):
    widget.tax_rate = reduced
    widget.save()

    line = send_back(purchase, manager, (widget, "3")).lines.get()

    assert (line.tax_percent, line.tax_amount) == (D("20"), D("1.50"))


def test_verify_finds_return_lines_claiming_more_tax_than_the_line_carried(purchase, manager, nut):
    debit_note = send_back(purchase, manager, (nut, "3"))
    line = debit_note.lines.get()
    # Written behind the service's back.
    PurchaseReturnLine.objects.filter(pk=line.pk).update(tax_amount=D("0.06"))

    assert totals_differences_from_lines() == [
        f"Purchase line {line.purchase_line_id}: 0.06 tax sent back of 0.05 charged"
    ]
    PurchaseReturnLine.objects.filter(pk=line.pk).update(tax_amount=D("0.05"))


# The debit note


def test_the_debit_note_page_shows_net_tax_per_rate_and_gross(
    manager_client, purchase, manager, widget, nut
):
    debit_note = send_back(purchase, manager, (widget, "2"), (nut, "1"))

    response = manager_client.get(debit_note.get_absolute_url())

    content = response.content.decode()
    amounts = response.context["amounts"]
    assert (amounts.net, amounts.tax, amounts.gross) == (D("5.35"), D("1.02"), D("6.37"))
    assert [(band.percent, band.net, band.tax) for band in amounts.bands] == [
        (D("5"), D("0.35"), D("0.02")),
        (D("20"), D("5.00"), D("1.00")),
    ]
    assert 'data-testid="line-tax">$1.00 <span class="small text-body-secondary">20%<' in content
    assert 'data-testid="line-tax">$0.02 <span class="small text-body-secondary">5%<' in content
    assert 'data-testid="debit-note-total">$5.35<' in content
    assert 'data-testid="debit-note-tax">$1.02<' in content
    assert 'data-testid="total-net">$5.35<' in content
    assert "Tax 5% on $0.35</th>" in content and "Tax 20% on $5.00</th>" in content
    assert content.count('data-testid="tax-band"') == 2
    assert 'data-testid="tax-band">$0.02<' in content
    assert 'data-testid="tax-band">$1.00<' in content
    assert 'data-testid="total-gross">$6.37<' in content


def test_the_printable_debit_note_shows_net_tax_per_rate_and_gross(
    manager_client, purchase, manager, widget, nut
):
    debit_note = send_back(purchase, manager, (widget, "2"), (nut, "1"))

    content = manager_client.get(url("purchases:return_print", debit_note)).content.decode()

    assert 'data-testid="debit-note-value">$5.35<' in content
    assert 'data-testid="total-net">$5.35<' in content
    assert "Tax 5% on $0.35</th>" in content and "Tax 20% on $5.00</th>" in content
    assert content.count('data-testid="tax-band"') == 2
    assert 'data-testid="total-gross">$6.37<' in content


def test_the_debit_note_pdf_shows_net_tax_per_rate_and_gross(
    manager_client, purchase, manager, widget, nut
):
    debit_note = send_back(purchase, manager, (widget, "2"), (nut, "1"))

    text = pdf_text(manager_client.get(url("purchases:return_pdf", debit_note)).content)

    assert b"2 lines; unit costs exclude tax." in text
    assert b"Net" in text and b"$5.35" in text
    assert b"Tax 5% on $0.35" in text and b"$0.02" in text
    assert b"Tax 20% on $5.00" in text and b"$1.00" in text
    assert b"$6.37" in text


def test_an_untaxed_debit_note_shows_no_tax_band(manager_client, store, manager):
    leaflet = ProductFactory(tax_rate=None)
    purchase = make_purchase(store=store, lines=[(leaflet, D("4"), D("1.00"))])
    debit_note = send_back(purchase, manager, (leaflet, "3"))

    content = manager_client.get(debit_note.get_absolute_url()).content.decode()

    assert 'data-testid="tax-band"' not in content
    assert 'data-testid="total-net">$3.00<' in content
    assert 'data-testid="total-gross">$3.00<' in content


# Session, user, permissions (user + group), the debit note (with its purchase, supplier
# and store, and its totals on the page), its lines with their products and units in one;
# on the page, the History section's entries (audit.sections) too.
DEBIT_NOTE_QUERIES = {
    "purchases:return_detail": 7,
    "purchases:return_print": 6,
    "purchases:return_pdf": 6,
}


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize("route", list(DEBIT_NOTE_QUERIES))
def test_the_debit_note_runs_the_same_queries_for_one_line_or_many(
    manager_client, manager, django_assert_num_queries, store, vat, reduced, route, count
):
    products = [ProductFactory(tax_rate=(vat, reduced)[i % 2]) for i in range(count)]
    purchase = make_purchase(store=store, lines=[(product, D("3")) for product in products])
    debit_note = purchase_return(
        purchase=purchase,
        user=manager,
        lines=[PurchaseReturnLineInput(line, D("2")) for line in purchase.lines.all()],
    )

    with django_assert_num_queries(DEBIT_NOTE_QUERIES[route]):
        response = manager_client.get(url(route, debit_note))

    assert response.status_code == 200


# The migration that gave return lines their tax


def migrate_to(targets) -> None:
    """Migrate to ``targets`` with a fresh executor (it reads what is applied when made)."""
    MigrationExecutor(connection).migrate(targets)


# Schema changes need a transaction of their own (SQLite refuses them inside one).
@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_earlier_return_lines_their_share_of_the_tax(
    store, manager, widget, nut
):
    purchase = make_purchase(
        store=store, lines=[(widget, D("3"), D("2.50")), (nut, D("3"), D("0.35"))]
    )
    for _ in range(3):
        send_back(purchase, manager, (nut, "1"))
    send_back(purchase, manager, (widget, "2"))
    recorded = list(
        PurchaseReturnLine.objects.order_by("pk").values_list("tax_percent", "tax_amount")
    )
    try:
        # Back to before the return lines carried tax (their columns go), then forward.
        migrate_to([("purchases", "0009_translatable_labels")])
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())

        assert (
            list(PurchaseReturnLine.objects.order_by("pk").values_list("tax_percent", "tax_amount"))
            == recorded
            == [
                (D("5"), D("0.02")),
                (D("5"), D("0.01")),
                (D("5"), D("0.02")),
                (D("20"), D("1.00")),
            ]
        )
    finally:
        call_command("migrate", verbosity=0)
        ContentType.objects.clear_cache()


# The purchase-lines CSV


def test_the_purchase_lines_csv_says_what_went_back_to_the_supplier(
    manager_client, purchase, manager, widget, nut
):
    send_back(purchase, manager, (widget, "2"), (nut, "1"))
    send_back(purchase, manager, (nut, "1"))
    response = manager_client.get(reverse("reports:purchase-lines-csv"))

    header, *rows = csv.reader(
        io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
    )

    assert header[-3:] == ["Gross", "Returned", "Returned (net)"]
    by_product = {row[header.index("Product")]: row[-2:] for row in rows}
    # 2 of the widgets at 2.50; 2 of the nuts at 0.35 (in two debit notes).
    assert by_product == {"Blue Widget": ["2", "5.00"], "Hex Nut": ["2", "0.70"]}
