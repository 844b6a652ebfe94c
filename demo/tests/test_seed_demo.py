import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from accounts.tests.factories import staff_user
from core.money import percent_of, round_money
from demo import catalogue
from people.models import Customer, Supplier
from products.models import Category, Product, StockLevel, StockMovement, TaxRate
from products.tests.factories import ProductFactory
from products.tests.stock_checks import ledger_differences
from purchases.models import Purchase, PurchaseLine, PurchaseOrder, PurchaseOrderLine
from purchases.tests.factories import make_purchase
from replenishment.selectors import replenishment_needs
from sales.models import Sale, SaleLine, SaleReturn, SaleReturnLine
from sales.tests.factories import make_sale
from stores.models import Store

pytestmark = pytest.mark.django_db

D = Decimal

# The bulk path (medium and large) at a size a test can afford.
TINY_BULK = catalogue.DemoSize(
    stores=3,
    categories=6,
    suppliers=10,
    customers=30,
    products=120,
    days=60,
    purchases=150,
    purchase_lines=700,
    sales=500,
    sale_lines=1_800,
)


CATALOGUE = ("Store", "Category", "Supplier", "Customer", "Product", "StockLevel", "User")
DOCUMENTS = ("Purchase", "PurchaseLine", "Sale", "SaleLine")


def seed_demo(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    return re.search(r"username demo, password (\S+)", output).group(1)


def verify_stock() -> str:
    out = StringIO()
    call_command("verify_stock", stdout=out)
    return out.getvalue()


def counts() -> dict:
    models = [Store, Category, Supplier, Customer, Product, Purchase, PurchaseLine, Sale]
    models += [SaleLine, StockLevel, StockMovement, get_user_model()]
    return {model.__name__: model.objects.count() for model in models}


def assert_purchase_orders_in_every_state() -> None:
    """Every state, late and expected orders, a voided receipt and an over-receipt."""
    Status = PurchaseOrder.Status
    assert set(PurchaseOrder.objects.values_list("status", flat=True)) == set(Status.values)
    today = timezone.localdate()
    open_orders = PurchaseOrder.objects.open()
    assert open_orders.filter(expected_date__lt=today).count() >= 2  # late
    assert open_orders.filter(expected_date__gt=today).count() >= 2
    voided = Purchase.objects.filter(order__isnull=False, voided_at__isnull=False)
    assert voided.filter(order__status=Status.PARTIAL).exists()
    assert PurchaseOrderLine.objects.filter(received_quantity__gt=F("quantity")).exists()
    # Receiving moved stock in; what is still to come is on order.
    assert Purchase.objects.filter(order__status=Status.RECEIVED, voided_at__isnull=True).exists()
    assert StockLevel.objects.filter(on_order__gt=0).exists()


def assert_replenishment_has_suggestions() -> None:
    """Stock rows at or below their own minimum counting what is on order, and a
    product that one store lacks while another holds more than its maximum."""
    with_rules = StockLevel.objects.with_rule().filter(reorder_point__isnull=False)
    assert with_rules.values("store").distinct().count() == 2
    short = with_rules.filter(quantity__lte=F("minimum") - F("on_order"))
    assert short.count() >= 3
    assert short.filter(order_multiple__gt=1).exists()
    surplus = with_rules.filter(quantity__gt=F("maximum"))
    assert short.filter(product__in=surplus.values("product")).exists()
    # One is left alone: at its minimum on hand, above it counting what is on order.
    coming = with_rules.filter(quantity__lte=F("minimum"), on_order__gt=0)
    assert coming.exclude(pk__in=short.values("pk")).exists()
    # What the page lists: the short rows with a rule, one to fetch from another store.
    needs = replenishment_needs().filter(reorder_point__isnull=False)
    assert set(needs.values_list("pk", flat=True)) == set(short.values_list("pk", flat=True))
    assert needs.filter(transfer_from__isnull=False).exists()


def assert_taxed_and_discounted_sales(demo_user) -> None:
    """The three rates, most categories at the standard one, every product at its category's;
    sales charged as sales.pricing would (tax added to the prices, which exclude it), some
    lines at 10 % off and some sales with a discount on the whole, given by the demo user."""
    assert dict(TaxRate.objects.values_list("name", "percent")) == {
        "VAT 20 %": D("20"),
        "Reduced 5 %": D("5"),
        "Zero": D("0"),
    }
    per_rate = Counter(Category.objects.values_list("tax_rate__name", flat=True))
    assert per_rate["VAT 20 %"] > per_rate["Reduced 5 %"] >= 1
    assert per_rate["Zero"] == 1
    assert not Product.objects.exclude(tax_rate=F("category__tax_rate")).exists()
    lines = list(SaleLine.objects.select_related("sale"))
    for line in lines:
        amount = round_money(line.quantity * line.unit_price)
        assert line.net_amount == amount - line.discount - line.document_discount, line.pk
        assert line.tax_amount == percent_of(line.net_amount, line.tax_percent), line.pk
        assert not line.sale.prices_include_tax
        assert line.list_price == line.unit_price  # discounts, never another price
        assert line.price_set_by_id == (
            demo_user.pk if line.discount or line.document_discount else None
        ), line.pk
    assert {line.tax_percent for line in lines} == {D("20"), D("5"), D("0")}
    discounted = [line for line in lines if line.discount]
    assert discounted and {line.discount_percent for line in discounted} == {D("10")}
    assert Sale.objects.filter(discount__gt=0, discount_percent=5).exists()
    assert any(line.document_discount for line in lines)


def fingerprint() -> dict:
    """What the seeded data says, without primary keys (they differ between runs)."""
    return {
        "counts": counts(),
        "stock": sorted(StockLevel.objects.values_list("product__sku", "store__code", "quantity")),
        "average_costs": sorted(Product.objects.values_list("sku", "average_cost")),
        "sales": list(
            Sale.objects.order_by("pk").values_list(
                "date", "customer__name", "store__code", "void_reason"
            )
        ),
        "purchases": list(
            Purchase.objects.order_by("pk").values_list(
                "date", "supplier__name", "store__code", "reference", "void_reason"
            )
        ),
        "sold": SaleLine.objects.totals(),
        "bought": PurchaseLine.objects.totals(),
        "purchase_orders": list(
            PurchaseOrder.objects.order_by("pk").values_list(
                "date", "expected_date", "supplier__name", "store__code", "status", "reference"
            )
        ),
        "purchase_order_lines": list(
            PurchaseOrderLine.objects.order_by("pk").values_list(
                "product__sku", "quantity", "unit_cost", "received_quantity"
            )
        ),
        "rules": sorted(
            StockLevel.objects.filter(reorder_point__isnull=False).values_list(
                "product__sku", "store__code", "reorder_point", "order_up_to", "order_multiple"
            )
        ),
    }


@pytest.fixture
def tiny_bulk_size(monkeypatch):
    """``--size medium`` writes TINY_BULK through the bulk path."""
    monkeypatch.setitem(catalogue.SIZES, "medium", TINY_BULK)


def test_seed_demo_small_builds_a_consistent_business(settings):
    settings.DEBUG = True

    output = seed_demo()

    seeded = counts()
    assert {name: seeded[name] for name in CATALOGUE} == {
        "Store": 3,
        "Category": 6,
        "Supplier": 8,
        "Customer": 20,
        "Product": 50,
        "StockLevel": 150,
        "User": 3,  # demo, demo-manager, demo-clerk
    }
    assert Purchase.objects.count() > 100
    assert Sale.objects.count() > 300
    today = timezone.localdate()
    assert Sale.objects.aggregate(first=Min("date"), last=Max("date")) == {
        "first": today - timedelta(days=119),
        "last": today,
    }
    assert "OK: all 150 stock levels match the ledger" in verify_stock()
    assert ledger_differences() == []
    # Voids and stocktake adjustments went through the engine too.
    assert Purchase.objects.filter(voided_at__isnull=False).exists()
    assert Sale.objects.filter(voided_at__isnull=False).exists()
    assert StockMovement.objects.filter(kind=StockMovement.Kind.ADJUSTMENT).exists()
    # Customers brought things back: some onto the shelf, some damaged.
    assert SaleReturnLine.objects.filter(restock=True).exists()
    assert SaleReturnLine.objects.filter(restock=False).exists()
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SALE_RETURN).exists()
    # The dashboard has something to warn about, including products sold out.
    assert Product.objects.below_reorder_level().count() >= 6
    assert Product.objects.filter(on_hand=0).count() >= 2
    assert not Product.objects.filter(average_cost=0).exists()
    assert not SaleLine.objects.filter(unit_cost=0).exists()
    assert_purchase_orders_in_every_state()
    assert_replenishment_has_suggestions()

    demo = get_user_model().objects.get(username="demo")
    assert demo.is_superuser and demo.is_staff and demo.is_active
    assert demo.check_password(printed_password(output))
    assert "Seeded small demo data" in output
    assert_taxed_and_discounted_sales(demo)
    # What came back was refunded in full: what was paid for it, tax included.
    for sale_return in SaleReturn.objects.prefetch_related("lines"):
        assert sale_return.refund == sum(line.gross_amount for line in sale_return.lines.all())


def test_seed_demo_twice_adds_nothing_and_keeps_the_login_working():
    # Records of the user's own are kept beside the demo data.
    own_product = ProductFactory(sku="OWN-1")
    make_purchase(lines=[(own_product, 3)], user=staff_user())
    first_output = seed_demo("--force")
    seeded = counts()

    second_output = seed_demo("--force")

    assert counts() == seeded
    assert seeded["Product"] == 51
    assert "Demo data already present (stores HARBOUR, MAIN, NORTH); nothing added" in (
        second_output
    )
    demo = get_user_model().objects.get(username="demo")
    assert demo.check_password(printed_password(second_output))
    assert not demo.check_password(printed_password(first_output))
    assert "OK: all 151 stock levels" in verify_stock()


def test_seed_demo_prints_one_working_login_per_role(client, settings):
    settings.DEBUG = True

    output = seed_demo()

    for username, role in (("demo-manager", "Manager"), ("demo-clerk", "Clerk")):
        password = re.search(rf"{role} login: username {username}, password (\S+)", output)[1]
        user = get_user_model().objects.get(username=username)
        assert [group.name for group in user.groups.all()] == [role]
        assert not user.is_superuser and not user.is_staff
        assert client.login(username=username, password=password)
        client.logout()
    clerk = get_user_model().objects.get(username="demo-clerk")
    assert clerk.has_perm("sales.add_sale") and not clerk.has_perm("sales.void_sale")


def test_seed_demo_without_debug_or_force_refuses_and_writes_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match=r"DEBUG is off.*Nothing was written.*--force"):
        seed_demo()

    assert not get_user_model().objects.exists()
    assert not Store.objects.exists()
    assert not Product.objects.exists()


@pytest.mark.parametrize("size", ["small", "medium"])
def test_seed_demo_same_seed_gives_same_data(size, tiny_bulk_size):
    with transaction.atomic():
        seed_demo("--force", "--size", size, "--seed", "7")
        first = fingerprint()
        transaction.set_rollback(True)
    assert not Store.objects.exists()

    with transaction.atomic():
        seed_demo("--force", "--size", size, "--seed", "7")
        second = fingerprint()
        transaction.set_rollback(True)

    assert first == second
    assert first["counts"]["Sale"] > 0


def test_seed_demo_other_seed_gives_other_data(tiny_bulk_size):
    """The fingerprint above is fine enough to see a different seed."""
    with transaction.atomic():
        seed_demo("--force", "--size", "medium", "--seed", "7")
        first = fingerprint()
        transaction.set_rollback(True)

    seed_demo("--force", "--size", "medium", "--seed", "8")
    other_seed = fingerprint()

    assert other_seed["stock"] != first["stock"]
    assert other_seed["sold"] != first["sold"]
    assert other_seed["sales"] != first["sales"]


def test_seed_demo_bulk_path_writes_exact_sizes_and_a_consistent_ledger(tiny_bulk_size):
    output = seed_demo("--force", "--size", "medium")

    # The history's own purchases: the purchase orders' receipts come on top.
    seeded = counts() | {
        "Purchase": Purchase.objects.filter(order__isnull=True).count(),
        "PurchaseLine": PurchaseLine.objects.filter(purchase__order__isnull=True).count(),
    }
    assert {name: seeded[name] for name in CATALOGUE + DOCUMENTS} == {
        "Store": 3,
        "Category": 6,
        "Supplier": 10,
        "Customer": 30,
        "Product": 120,
        "StockLevel": seeded["StockLevel"],
        "User": 3,
        "Purchase": 150,
        "PurchaseLine": 700,
        "Sale": 500,
        "SaleLine": 1_800,
    }
    assert "History: 100%" in output
    assert verify_stock().startswith("OK: all")
    assert_taxed_and_discounted_sales(get_user_model().objects.get(username="demo"))
    # The receipts' and bulk purchase lines' tax: their rate of their rounded net amount.
    for line in PurchaseLine.objects.all():
        assert line.tax_percent == line.product.tax_rate.percent
        assert line.tax_amount == percent_of(
            round_money(line.quantity * line.unit_cost), line.tax_percent
        )
    assert_purchase_orders_in_every_state()
    assert_replenishment_has_suggestions()
    # Every balance_after is the running sum of its (product, store) ledger.
    assert ledger_differences() == []
    assert not Sale.objects.filter(lines__isnull=True).exists()
    assert not SaleLine.objects.filter(unit_cost=0).exists()
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SALE).count() == 1_800
    receipt_lines = PurchaseLine.objects.filter(purchase__order__isnull=False).count()
    assert receipt_lines > 0
    assert StockMovement.objects.filter(kind=StockMovement.Kind.PURCHASE).count() == (
        700 + receipt_lines
    )


def test_seed_demo_bulk_path_leaves_the_engine_working_on_top(tiny_bulk_size):
    seed_demo("--force", "--size", "medium")
    level = StockLevel.objects.filter(quantity__gt=0).select_related("product", "store").first()
    last_ids = (Purchase.objects.aggregate(Max("pk")), Sale.objects.aggregate(Max("pk")))

    # New documents get fresh ids (the sequences were moved past the bulk ones).
    purchase = make_purchase(store=level.store, lines=[(level.product, 5)])
    sale = make_sale(store=level.store, lines=[(level.product, level.quantity + 5)])

    assert purchase.pk > last_ids[0]["pk__max"]
    assert sale.pk > last_ids[1]["pk__max"]
    level.refresh_from_db()
    assert level.quantity == 0
    assert verify_stock().startswith("OK: all")
    assert ledger_differences() == []
