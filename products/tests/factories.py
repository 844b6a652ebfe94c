from decimal import Decimal

import factory

from people.tests.factories import SupplierFactory
from products.models import Category, Product, StockMovement, TaxRate, Unit
from products.services import StockChange, move_stock


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate

    name = factory.Sequence(lambda n: f"Tax rate {n}")
    percent = Decimal("20.00")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    supplier = factory.SubFactory(SupplierFactory)
    unit = factory.LazyFunction(lambda: Unit.objects.standard()["pcs"])
    cost_price = Decimal("4.00")
    sale_price = Decimal("10.00")
    reorder_level = 5


def stock_up(product, store, quantity, unit_cost=Decimal("4.00")):
    """Put ``quantity`` of ``product`` on hand at ``store`` through the stock engine.

    For tests that need stock but no purchase document: it is a stock
    adjustment (counted in) at ``unit_cost``, so the ledger, the average cost
    and ``verify_stock`` stay right. Tests of purchases use their own factories.
    """
    [movement] = move_stock(
        store=store,
        changes=[StockChange(product.pk, quantity, unit_cost)],
        kind=StockMovement.Kind.ADJUSTMENT,
        note="Test stock",
    )
    return movement
