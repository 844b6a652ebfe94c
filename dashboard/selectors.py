"""The numbers behind the dashboard, each computed by the database."""

from people.models import Customer, Supplier
from products.models import Category, Product
from purchases.models import Purchase, PurchaseLine
from sales.models import Sale, SaleLine
from stores.models import Store


def dashboard_summary() -> dict:
    """Counts of every record type and the purchase and sales totals (voided documents excluded)."""
    return {
        "counts": {
            "stores": Store.objects.active().count(),
            "categories": Category.objects.active().count(),
            "products": Product.objects.active().count(),
            "customers": Customer.objects.active().count(),
            "suppliers": Supplier.objects.active().count(),
            "purchases": Purchase.objects.not_voided().count(),
            "sales": Sale.objects.not_voided().count(),
        },
        "purchased": PurchaseLine.objects.totals(),
        "sold": SaleLine.objects.totals(),
    }
