"""Return-to-supplier pages: the per-line form, the debit note (page, print, PDF), and the
purchase page's returns; every bad input comes back as a form error with nothing written."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CLERK
from core.tests.pdf_checks import pdf_text
from people.tests.factories import SupplierFactory
from products.models import StockMovement, Unit
from products.services import stock_adjust
from products.tests.factories import ProductFactory
from products.tests.stock_checks import on_hand, stock_snapshot
from purchases.models import PurchaseReturn, PurchaseReturnDay, PurchaseReturnLine
from purchases.returns import PurchaseReturnLineInput, PurchaseReturnRefused, purchase_return
from purchases.services import purchase_void
from purchases.tests.factories import make_purchase

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]


@pytest.fixture
def widget():
    return ProductFactory(name="Blue Widget", sku="WID-1", cost_price=Decimal("2.50"))


@pytest.fixture
def cable():
    return ProductFactory(name="Thin cable", sku="CAB-2", unit=Unit.objects.standard()["m"])


@pytest.fixture
def purchase(store, widget, cable):
    """10 widgets at 2.50 and 25.5 m of cable at 1.20, with their supplier's reference."""
    return make_purchase(
        store=store,
        supplier=SupplierFactory(name="Acme Supplies"),
        lines=[(widget, Decimal("10"), Decimal("2.50")), (cable, Decimal("25.5"), Decimal("1.20"))],
        reference="INV-7",
    )


@pytest.fixture
def clerk_client(django_user_model):
    """A client of its own (not pytest-django's ``client``, which manager_client signs in)."""
    user = django_user_model.objects.create_user("clara")
    user.groups.add(Group.objects.get(name=CLERK))
    client = Client()
    client.force_login(user)
    return client


def return_url(purchase) -> str:
    return reverse("purchases:return", args=[purchase.pk])


def form_data(purchase, *quantities, **extra) -> dict:
    """POST data for the return page: one quantity per purchase line, in line order."""
    data = {"date": timezone.localdate().isoformat(), "notes": ""}
    for line, quantity in zip(purchase.lines.all(), quantities, strict=False):
        data[f"quantity_{line.pk}"] = quantity
        data[f"reason_{line.pk}"] = ""
    return data | extra


def send_back(purchase, user, *quantities) -> PurchaseReturn:
    return purchase_return(
        purchase=purchase,
        user=user,
        lines=[
            PurchaseReturnLineInput(line, Decimal(quantity))
            for line, quantity in zip(purchase.lines.all(), quantities, strict=False)
            if quantity
        ],
    )


def nothing_returned() -> bool:
    return not (
        PurchaseReturn.objects.exists()
        or PurchaseReturnLine.objects.exists()
        or PurchaseReturnDay.objects.exists()
        or StockMovement.objects.filter(kind=StockMovement.Kind.PURCHASE_RETURN).exists()
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# The return page


def test_the_return_page_shows_each_line_with_what_can_go_back(
    manager_client, manager, purchase, store, widget
):
    send_back(purchase, manager, "3")
    stock_adjust(product=widget, store=store, user=manager, reason="Sold", change=-5)

    response = manager_client.get(return_url(purchase))

    assert response.status_code == 200
    widget_line, cable_line = response.context["form"].lines
    assert (
        widget_line.quantity,
        widget_line.returned,
        widget_line.returnable,
        widget_line.on_hand,
    ) == (Decimal("10"), Decimal("3"), Decimal("7"), Decimal("2"))
    assert (cable_line.returned, cable_line.returnable, cable_line.on_hand) == (
        Decimal("0"),
        Decimal("25.5"),
        Decimal("25.5"),
    )
    content = response.content.decode()
    assert content.count('data-testid="return-line"') == 2
    assert f'name="quantity_{widget_line.pk}"' in content
    assert 'value="' not in content.split(f'name="quantity_{widget_line.pk}"')[1].split(">")[0]


@pytest.mark.parametrize("count", [1, 6])
def test_the_return_page_runs_the_same_queries_for_few_lines_or_many(
    manager_client, django_assert_num_queries, store, count
):
    purchase = make_purchase(store=store, lines=[(ProductFactory(), 5) for _ in range(count)])

    # Session, user, permissions (group + user), the purchase, its lines with what went
    # back and what the store holds, the user's profile (the stores they act in).
    with django_assert_num_queries(7):
        response = manager_client.get(return_url(purchase))

    assert len(response.context["form"].lines) == count


def test_a_return_sends_the_units_back_and_shows_the_debit_note(
    manager_client, purchase, store, widget, cable
):
    widget_line = purchase.lines.all()[0]
    data = form_data(purchase, "4", "2.5", notes="RMA 991")
    data[f"reason_{widget_line.pk}"] = "Wrong colour"

    response = manager_client.post(return_url(purchase), data)

    debit_note = PurchaseReturn.objects.get()
    assert response.status_code == 302
    assert response.url == debit_note.get_absolute_url()
    assert (on_hand(widget, store), on_hand(cable, store)) == (Decimal("6"), Decimal("23"))
    assert debit_note.notes == "RMA 991"
    assert list(debit_note.lines.values_list("quantity", "unit_cost", "reason")) == [
        (Decimal("4"), Decimal("2.50"), "Wrong colour"),
        (Decimal("2.5"), Decimal("1.20"), ""),
    ]
    page = manager_client.get(response.url)
    assert f"{debit_note} was recorded" in messages_of(page)[0]
    content = page.content.decode()
    assert f"Debit note {debit_note.number}" in content
    assert 'data-testid="debit-note-total">$13.00<' in content
    assert "Wrong colour" in content


def test_blank_lines_send_nothing_back(manager_client, purchase, store, widget, cable):
    response = manager_client.post(return_url(purchase), form_data(purchase, "", "1"))

    assert response.status_code == 302
    assert on_hand(widget, store) == Decimal("10")
    assert PurchaseReturnLine.objects.get().product == cable


@pytest.mark.parametrize(
    ("quantity", "error"),
    [
        ("-1", "greater than or equal to 0"),
        ("abc", "Enter a number"),
        ("123456789012345678901234", "Ensure"),
        ("1000001", "less than or equal to 1000000"),
        ("1.5", "whole"),
        ("1.0005", "at most 3 decimal places"),
        ("11", "Only 10 pcs can still go back (10 pcs purchased, 0 pcs already returned)"),
    ],
    ids=["negative", "non-numeric", "huge", "over the most", "finer than the unit", "places",
         "more than purchased"],
)  # fmt: skip
def test_a_bad_quantity_is_refused_on_its_line_and_writes_nothing(
    manager_client, purchase, quantity, error
):
    before = stock_snapshot()

    response = manager_client.post(return_url(purchase), form_data(purchase, quantity, "1"))

    assert response.status_code == 200
    form = response.context["form"]
    widget_line = purchase.lines.all()[0]
    assert error in " ".join(form.errors[f"quantity_{widget_line.pk}"])
    assert 'data-testid="line-error"' in response.content.decode()
    assert stock_snapshot() == before
    assert nothing_returned()


@pytest.mark.parametrize("quantities", [("0", "0"), ("", ""), ("0", "")])
def test_a_return_of_nothing_is_refused(manager_client, purchase, quantities):
    response = manager_client.post(return_url(purchase), form_data(purchase, *quantities))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Enter the quantity going back on at least one line."
    ]
    assert nothing_returned()


def test_a_line_of_another_purchase_is_ignored_not_returned(
    manager_client, purchase, store, widget
):
    other = make_purchase(store=store, lines=[(widget, 3)])
    data = form_data(purchase) | {f"quantity_{other.lines.get().pk}": "1"}

    response = manager_client.post(return_url(purchase), data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert nothing_returned()


def test_more_than_the_store_holds_now_is_refused_on_its_line(
    manager_client, manager, purchase, store, widget
):
    stock_adjust(product=widget, store=store, user=manager, reason="Sold", change=-8)
    before = stock_snapshot()

    response = manager_client.post(return_url(purchase), form_data(purchase, "5", "1"))

    assert response.status_code == 200
    form = response.context["form"]
    widget_line, cable_line = purchase.lines.all()
    assert form.errors[f"quantity_{widget_line.pk}"] == [
        "Only 2 pcs of Blue Widget in Main Street, 5 pcs requested."
    ]
    assert f"quantity_{cable_line.pk}" not in form.errors
    assert "Not enough stock: nothing was sent back." in form.non_field_errors()[0]
    assert stock_snapshot() == before
    assert nothing_returned()


def test_a_return_that_came_in_meanwhile_is_refused_on_its_line(manager_client, manager, purchase):
    """The page said 10 could go back; another return took 8 before this one was sent."""
    data = form_data(purchase, "5")
    send_back(purchase, manager, "8")

    response = manager_client.post(return_url(purchase), data)

    assert response.status_code == 200
    widget_line = purchase.lines.all()[0]
    assert response.context["form"].errors[f"quantity_{widget_line.pk}"] == [
        "Only 2 pcs can still go back (10 pcs purchased, 8 pcs already returned)."
    ]
    assert PurchaseReturn.objects.count() == 1


def test_a_refusal_by_the_service_is_a_form_error_not_a_crash(
    manager_client, purchase, monkeypatch
):
    """What the page cannot see coming (a return committed between the form's check and
    the service's lock) is refused by the service: shown on the form."""

    def refuse(**kwargs):
        raise PurchaseReturnRefused("Blue Widget: 5 pcs asked, only 2 pcs can still go back")

    monkeypatch.setattr("purchases.views.purchase_return", refuse)

    response = manager_client.post(return_url(purchase), form_data(purchase, "5"))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Nothing was sent back: Blue Widget: 5 pcs asked, only 2 pcs can still go back."
    ]
    assert nothing_returned()


@pytest.mark.parametrize(
    ("date", "error"),
    [
        ((timezone.localdate() + datetime.timedelta(days=1)).isoformat(), "in the future"),
        ("2000-01-01", "before they were purchased"),
        ("not a date", "Enter a valid date"),
        ("", "required"),
    ],
)
def test_a_bad_date_is_refused(manager_client, purchase, date, error):
    response = manager_client.post(return_url(purchase), form_data(purchase, "1", date=date))

    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors["date"])
    assert nothing_returned()


def test_an_overlong_reason_is_refused(manager_client, purchase):
    widget_line = purchase.lines.all()[0]
    data = form_data(purchase, "1") | {f"reason_{widget_line.pk}": "x" * 256}

    response = manager_client.post(return_url(purchase), data)

    assert response.status_code == 200
    assert f"reason_{widget_line.pk}" in response.context["form"].errors
    assert nothing_returned()


def test_a_voided_purchase_takes_no_return(manager_client, manager, purchase):
    purchase_void(purchase=purchase, user=manager, reason="Entered twice")

    for response in (
        manager_client.get(return_url(purchase)),
        manager_client.post(return_url(purchase), form_data(purchase, "1")),
    ):
        assert response.status_code == 302
        assert response.url == purchase.get_absolute_url()
    assert nothing_returned()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_purchase_is_404(manager_client, method):
    response = getattr(manager_client, method)(reverse("purchases:return", args=[999999]))
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_clerk_may_not_send_goods_back(clerk_client, purchase, method):
    response = getattr(clerk_client, method)(return_url(purchase), form_data(purchase, "1"))

    assert response.status_code == 403
    assert nothing_returned()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_visitor_is_sent_to_log_in(client, purchase, method):
    response = getattr(client, method)(return_url(purchase), form_data(purchase, "1"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert nothing_returned()


# The debit note


def test_the_debit_note_prints_and_downloads_as_pdf(clerk_client, manager, purchase, settings):
    settings.SHOP_ADDRESS = "12 Harbour Road\nPort Town"
    settings.SHOP_TAX_NUMBER = "GB 123 4567 89"
    debit_note = send_back(purchase, manager, "2", "1.5")

    printed = clerk_client.get(reverse("purchases:return_print", args=[debit_note.pk]))
    pdf = clerk_client.get(reverse("purchases:return_pdf", args=[debit_note.pk]))

    content = printed.content.decode()
    assert f"debit note {debit_note.number}" in content
    assert "Acme Supplies" in content and "INV-7" in content
    assert 'data-testid="debit-note-value">$6.80<' in content
    assert "12 Harbour Road<br>Port Town" in content
    assert 'data-testid="shop-tax-number">Tax number: GB 123 4567 89<' in content
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="debit-note-{debit_note.number}.pdf"'
    )
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert f"Debit note {debit_note.number}".encode() in text
    assert b"12 Harbour Road" in text and b"Tax number: GB 123 4567 89" in text


@pytest.mark.parametrize("name", ["return_detail", "return_print", "return_pdf"])
def test_an_unknown_debit_note_is_404(manager_client, name):
    assert manager_client.get(reverse(f"purchases:{name}", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["return_detail", "return_print", "return_pdf"])
def test_a_user_without_a_role_may_not_see_a_debit_note(user_client, manager, purchase, name):
    debit_note = send_back(purchase, manager, "1")
    assert user_client.get(reverse(f"purchases:{name}", args=[debit_note.pk])).status_code == 403


# The purchase's page


def test_the_purchase_page_offers_a_return_to_a_manager_only(
    manager_client, clerk_client, purchase
):
    manager_page = manager_client.get(purchase.get_absolute_url()).content.decode()
    clerk_page = clerk_client.get(purchase.get_absolute_url()).content.decode()

    assert f'href="{return_url(purchase)}"' in manager_page
    assert f'href="{return_url(purchase)}"' not in clerk_page
    # Before any return the void is offered, and no returned column is shown.
    assert "Void Purchase" in manager_page
    assert 'data-testid="line-returned"' not in manager_page


def test_the_purchase_page_lists_its_returns_and_no_longer_offers_the_void(
    manager_client, manager, purchase
):
    first = send_back(purchase, manager, "2")
    second = send_back(purchase, manager, "1", "0.5")

    response = manager_client.get(purchase.get_absolute_url())

    content = response.content.decode()
    assert [r.pk for r in response.context["returns"]] == [first.pk, second.pk]
    assert first.get_absolute_url() in content and second.get_absolute_url() in content
    assert [line.returned for line in response.context["lines"]] == [
        Decimal("3"),
        Decimal("0.5"),
    ]
    assert content.count('data-testid="line-returned"') == 2
    assert not response.context["can_void"]
    assert "Void Purchase" not in content
    assert 'data-testid="void-refused"' in content
    assert f'href="{return_url(purchase)}"' in content


def test_the_purchase_page_hides_the_return_once_everything_went_back(
    manager_client, manager, purchase
):
    send_back(purchase, manager, "10", "25.5")

    content = manager_client.get(purchase.get_absolute_url()).content.decode()

    assert f'href="{return_url(purchase)}"' not in content
    assert 'data-testid="purchase-returns"' in content


@pytest.mark.parametrize("count", [1, 5])
def test_the_purchase_page_runs_the_same_queries_for_one_return_or_many(
    manager_client, manager, django_assert_num_queries, purchase, count
):
    for _ in range(count):
        send_back(purchase, manager, "1", "1")

    # Session, user, permissions (group + user), the purchase, its lines with what
    # went back, its returns, the user's profile (the stores they act in), the History
    # section's entries (audit.sections).
    with django_assert_num_queries(9):
        response = manager_client.get(purchase.get_absolute_url())

    assert len(response.context["returns"]) == count
