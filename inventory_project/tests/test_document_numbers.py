"""Every document type takes its number from its store's series for the year: sales and
credit notes when recorded, purchase orders when sent, transfers when dispatched."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import staff_user
from products.services import InsufficientStock
from products.tests.factories import ProductFactory
from purchases.orders import order_place
from purchases.returns import PurchaseReturnLineInput, purchase_return
from purchases.tests.factories import make_order, receive
from sales.returns import ReturnLineInput, sale_return
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory
from transfers.services import transfer_dispatch
from transfers.tests.factories import make_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def year():
    return timezone.localdate().year


def test_each_series_counts_on_its_own(year):
    main, north = StoreFactory(code="MAIN"), StoreFactory(code="NORTH")
    bolt = ProductFactory()
    purchase = receive(bolt, main, 20)
    sales = [make_sale(store=main, lines=[(bolt, 2)]) for _ in range(2)]
    credit = sale_return(
        sale=sales[0],
        lines=[ReturnLineInput(sales[0].lines.get(), Decimal("1"))],
        user=staff_user(),
    )
    debit = purchase_return(
        purchase=purchase,
        lines=[PurchaseReturnLineInput(purchase.lines.get(), Decimal("1"))],
        user=staff_user(),
    )

    assert [sale.number for sale in sales] == [f"MAIN-{year}-000001", f"MAIN-{year}-000002"]
    assert credit.number == f"CN-MAIN-{year}-000001"
    assert debit.number == f"DN-MAIN-{year}-000001"
    transfer = make_transfer(from_store=main, to_store=north, lines=[(bolt, 1)])
    assert transfer.number is None  # a draft, which may still be deleted
    transfer = transfer_dispatch(transfer=transfer, user=staff_user())
    assert transfer.number == f"TR-MAIN-{year}-000001"


def test_a_purchase_order_is_numbered_when_sent(year):
    order = make_order(store=StoreFactory(code="MAIN"), lines=[(ProductFactory(), 5)])
    assert order.number is None and order.label == f"#{order.pk}"

    order = order_place(order=order, user=staff_user())

    order.refresh_from_db()
    assert order.number == f"PO-MAIN-{year}-000001" == order.label


def test_a_refused_sale_takes_no_number(year):
    store, bolt = StoreFactory(code="MAIN"), ProductFactory()
    receive(bolt, store, 1)
    with pytest.raises(InsufficientStock):
        make_sale(store=store, lines=[(bolt, 5)])

    assert make_sale(store=store, lines=[(bolt, 1)]).number == f"MAIN-{year}-000001"


def test_the_sales_list_and_page_show_the_number(manager_client):
    store, bolt = StoreFactory(code="MAIN"), ProductFactory()
    receive(bolt, store, 1)
    sale = make_sale(store=store, lines=[(bolt, 1)])

    listed = manager_client.get("/sales/").content.decode()
    shown = manager_client.get(sale.get_absolute_url()).content.decode()

    assert re.search(rf">{sale.number}</a>", listed)
    assert f'data-testid="document-number">{sale.number}<' in shown


def test_the_sales_list_finds_a_sale_by_its_number(manager_client):
    store, bolt = StoreFactory(code="MAIN"), ProductFactory()
    receive(bolt, store, 5)
    first, second = (make_sale(store=store, lines=[(bolt, 1)]) for _ in range(2))

    found = manager_client.get("/sales/", {"number": second.number.lower()})
    nothing = manager_client.get("/sales/", {"number": "MAIN-1999-000001"})

    assert list(found.context["object_list"]) == [second]
    assert list(nothing.context["object_list"]) == []
    assert first.number != second.number
