"""What every page owes assistive technology and label-driven tests: unique element ids,
so each <label for> names the control beside it."""

import pytest

from e2e.actions import expect
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)

DUPLICATE_IDS = """() => {
  const seen = {};
  for (const element of document.querySelectorAll("[id]")) {
    seen[element.id] = (seen[element.id] || 0) + 1;
  }
  return Object.keys(seen).filter((id) => seen[id] > 1).sort();
}"""

PAGES = [
    "/dashboard/",
    "/stores/",
    "/stores/{store}/",
    "/categories/",
    "/categories/{category}/",
    "/products/",
    "/products/{product}/",
    "/suppliers/",
    "/suppliers/{supplier}/",
    "/customers/",
    "/customers/{customer}/",
    "/purchases/",
    "/purchases/new/",
    "/purchases/{purchase}/",
    "/sales/",
    "/sales/new/",
    "/sales/{sale}/",
    "/reports/stock/",
    "/reports/sales-by-product/",
    "/accounts/password/",
]


@pytest.fixture
def records():
    product = ProductFactory()
    store = StoreFactory()
    purchase = receive(product, store, 5)
    sale = make_sale(store=store, lines=[(product, 2)])
    return {
        "store": store.pk,
        "category": product.category_id,
        "product": product.pk,
        "supplier": product.supplier_id,
        "customer": sale.customer_id,
        "purchase": purchase.pk,
        "sale": sale.pk,
    }


def duplicate_ids(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response.status == 200, path
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return page.evaluate(DUPLICATE_IDS)


def test_page_element_ids_are_unique(manager_page, records, subtests):
    # One browser session for all pages (a test per page would mostly time the setup).
    for path in PAGES:
        with subtests.test(path=path):
            assert duplicate_ids(manager_page, path.format(**records)) == []
