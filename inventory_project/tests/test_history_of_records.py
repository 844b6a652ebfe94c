"""Product and store pages that show, or are held back by, both purchases and sales.

They need documents of both apps, which never import each other, so they live
with the project-wide tests.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import staff_user
from products.models import Product, StockLevel, StockMovement
from products.services import stock_adjust
from products.tests.factories import ProductFactory
from purchases.tests.factories import make_purchase, receive
from sales.tests.factories import make_sale
from stores.models import Store
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_detail_shows_stock_per_store_and_movements(manager_client):
    product = ProductFactory(name="Bolt", reorder_level=5)
    main = StoreFactory(name="Main", code="MAIN")
    annex = StoreFactory(name="Annex", code="ANX")
    purchase = make_purchase(store=main, lines=[(product, 20, Decimal("2.00"))])
    receive(product, annex, 3)
    sale = make_sale(store=main, lines=[(product, 4)])
    stock_adjust(product=product, store=main, user=staff_user(), reason="Found two", change=2)

    response = manager_client.get(product.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    assert [(level.store.name, level.quantity) for level in response.context["stock_levels"]] == [
        ("Annex", 3),
        ("Main", 18),
    ]
    assert 'data-testid="on-hand-MAIN">18 pcs<' in content
    assert 'data-testid="on-hand-ANX">3 pcs<' in content
    assert 'data-testid="on-hand-total">21 pcs<' in content
    movements = list(response.context["movements_page"])
    assert [(m.kind, m.quantity, m.balance_after) for m in movements] == [
        ("adjustment", 2, 18),
        ("sale", -4, 16),
        ("purchase", 3, 3),
        ("purchase", 20, 20),
    ]
    assert f'href="{purchase.get_absolute_url()}"' in content
    assert f'href="{sale.get_absolute_url()}"' in content
    assert "Found two" in content


def test_delete_refused_while_stock_and_documents_refer_to_it(manager_client):
    product = ProductFactory(name="Bolt", sku="B-1")
    store = StoreFactory()
    receive(product, store, 5)
    make_sale(store=store, lines=[(product, 1)])
    movements_before = StockMovement.objects.filter(product=product).count()

    response = manager_client.post(reverse("products:delete", args=[product.pk]), follow=True)

    assert Product.objects.filter(pk=product.pk).exists()
    assert StockLevel.objects.get(product=product).quantity == 4
    assert StockMovement.objects.filter(product=product).count() == movements_before == 2
    assert response.redirect_chain == [(product.get_absolute_url(), 302)]
    [message] = messages_of(response)
    assert message.startswith("Bolt (B-1) cannot be deleted: ")
    for part in ("1 purchase line", "1 sale line", "1 stock level", "2 stock movements"):
        assert part in message
    assert message.endswith(
        "refer to it. Archive it instead: it leaves lists and pickers but stays in history."
    )
    assert reverse("products:archive", args=[product.pk]).encode() in response.content


def test_delete_refused_while_purchases_and_sales_refer_to_the_store(manager_client):
    store = StoreFactory(name="Main")
    product = ProductFactory()
    receive(product, store, 5)
    make_sale(store=store, lines=[(product, 2)])

    response = manager_client.post(reverse("stores:delete", args=[store.pk]), follow=True)

    assert Store.objects.filter(pk=store.pk).exists()
    assert response.redirect_chain == [(store.get_absolute_url(), 302)]
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Main cannot be deleted: ")
    assert "1 purchase" in message and "1 sale" in message
    assert "Archive it instead" in message
    # The archive button is right there on the page the user lands on.
    assert reverse("stores:archive", args=[store.pk]).encode() in response.content
