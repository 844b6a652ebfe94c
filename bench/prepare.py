"""Runs inside Django (``python -m bench.prepare``) against a seeded database.

Creates the benchmark's login (a Manager, as a real user would be), picks the
records the scenarios request, and stocks the products the sale-writing
scenarios sell through a real purchase, so that every refusal in them would
be a bug rather than an empty shelf. Prints one JSON object.

``python -m bench.prepare check`` prints the post-run checks instead:
ledger differences (``verify_stock``'s query) and negative stock levels.
"""

import json
import os
import sys

import django


def prepare(*, username: str, password: str, restock: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Count

    from people.models import Customer, Supplier
    from products.models import Category, Product, StockLevel
    from purchases.services import PurchaseLineInput, purchase_record
    from sales.models import Sale, SaleLine
    from stores.models import Store

    if not get_user_model().objects.filter(username=username).exists():
        os.environ["INVENTORY_USER_PASSWORD"] = password
        call_command("create_user", username, role="manager", stdout=open(os.devnull, "w"))  # noqa: SIM115
    user = get_user_model().objects.get(username=username)
    # A database seeded elsewhere may have a "bench" login with another password.
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])

    products = Product.objects.active().order_by("pk")
    product_count = products.count()
    middle = products[product_count // 2 : product_count // 2 + 20]
    product_ids = [p.pk for p in middle]
    # A word from a product in the middle of the catalogue, as a user would type it.
    words = [w for w in middle[0].name.split() if len(w) > 3 and w.isalpha()]
    search = (words or [middle[0].name.split()[0]])[-1].lower()
    category = Category.objects.active().annotate(n=Count("products")).order_by("-n", "pk").first()
    sale_ids = list(Sale.objects.order_by("-pk").values_list("pk", flat=True)[100:120])

    store, other_store = Store.objects.active().order_by("pk")[:2]
    sellable = list(
        products.filter(stock_levels__store=store).order_by("-pk").values_list("pk", flat=True)[:9]
    )
    hot, distinct = sellable[0], sellable[1:9]
    supplier = Supplier.objects.active().order_by("pk").first()
    purchase_record(
        supplier=supplier,
        store=store,
        lines=[
            PurchaseLineInput(product=product, quantity=restock, unit_cost=product.cost_price)
            for product in Product.objects.filter(pk__in=sellable)
        ],
        user=user,
        notes="bench: stock for the sale-writing scenarios",
    )
    stock = dict(
        StockLevel.objects.filter(store=store, product__in=sellable).values_list(
            "product_id", "quantity"
        )
    )
    return {
        "product_ids": product_ids,
        "search": search,
        "category": category.pk,
        "sale_ids": sale_ids,
        "store": store.pk,
        # The mixed load's purchases come from the supplier; its transfers go to the store.
        "supplier": supplier.pk,
        "other_store": other_store.pk,
        "customer": Customer.objects.active().order_by("pk").first().pk,
        "hot": hot,
        "distinct": distinct,
        "stock": {str(k): str(v) for k, v in stock.items()},  # exact decimals, as text
        "counts": {
            "products": Product.objects.count(),
            "sales": Sale.objects.count(),
            "sale_lines": SaleLine.objects.count(),
            "stock_levels": StockLevel.objects.count(),
        },
    }


def check() -> dict:
    from products.management.commands.verify_stock import stock_differences
    from products.models import StockLevel

    return {
        "ledger_differences": len(list(stock_differences())),
        "negative_stock_levels": StockLevel.objects.filter(quantity__lt=0).count(),
    }


def stock_of(product_ids: list[int], store: int) -> dict:
    from products.models import StockLevel

    rows = StockLevel.objects.filter(store=store, product__in=product_ids)
    return {str(k): str(v) for k, v in rows.values_list("product_id", "quantity")}


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inventory_project.settings")
    django.setup()
    if argv[0] == "check":
        result = check()
    elif argv[0] == "stock":
        result = stock_of(json.loads(argv[2]), int(argv[1]))
    else:
        result = prepare(username=argv[0], password=argv[1], restock=int(argv[2]))
    print("BENCH-JSON " + json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
