"""Writers for ``manage.py seed_demo``: the catalogue, then the trading history.

* :func:`create_catalogue` finds or creates the tax rates, then bulk-creates
  stores, categories (each with a rate), suppliers, customers and products (at
  their category's rate; no stock involved).
* :class:`ServiceHistory` (size ``small``) trades for a few months through the
  real services: ``purchase_record``, ``sale_confirm``, ``sale_return``, their voids and
  ``stock_adjust``, exactly as the pages do.
* :class:`BulkHistory` (sizes ``medium`` and ``large``) replays years of
  trading in memory and writes documents, lines, ledger rows and stock levels
  in batches of multi-row inserts, its sales priced by :mod:`sales.pricing` as
  ``sale_confirm`` prices them.

Both sell at the list prices, some lines at a discount and some sales with a
discount on the whole, given by the demo user.
"""

import itertools
import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from core.database import analyze
from core.money import percent_of, round_money
from demo.catalogue import (
    CATEGORIES,
    CATEGORY_TAX_RATES,
    CUSTOMERS,
    PACKS,
    PRODUCTS,
    STANDARD_RATE,
    STORES,
    SUPPLIERS,
    TAX_RATES,
    CatalogueProduct,
    DemoSize,
    generated_customers,
    generated_products,
    generated_suppliers,
    money,
)
from people.models import Customer, Supplier
from products.models import Category, Product, StockLevel, StockMovement, TaxRate, Unit
from products.services import stock_adjust
from products.state import rebuild_state as rebuild_stock_state
from products.valuation import moving_average
from purchases.models import Purchase, PurchaseLine
from purchases.services import PurchaseLineInput, purchase_record, purchase_void
from purchases.services import rebuild_totals as rebuild_purchase_totals
from sales.models import Sale, SaleLine
from sales.pricing import Discount, LineToPrice, price_lines
from sales.returns import ReturnLineInput, sale_return
from sales.services import SaleLineInput, sale_confirm, sale_void
from sales.services import rebuild_totals as rebuild_sale_totals
from stores.models import Store

Kind = StockMovement.Kind
BATCH_SIZE = 2_000
# Purchase costs wander a little around the list price, so the moving average moves.
COST_FACTORS = [Decimal(f"0.{n}") for n in range(94, 100)] + [Decimal(f"1.0{n}") for n in range(7)]
SALE_VOID_REASONS = [
    "Customer changed their mind",
    "Returned unused",
    "Wrong item picked",
    "Entered on the wrong account",
]
# Why a customer brings something back, and whether it can go back on the shelf.
RETURN_REASONS = [
    ("Wrong size", True),
    ("Not needed after all", True),
    ("Arrived damaged", False),
    ("Faulty", False),
]
# Some lines are sold at a discount (a damaged box, a loyal customer), and the trade
# customers who clear the running-low products get one on the whole sale.
LINE_DISCOUNT = Discount(percent=Decimal("10"))
LINE_DISCOUNT_RATE = 0.03
TRADE_DISCOUNT = Discount(percent=Decimal("5"))
ADJUSTMENT_REASONS = [
    (-1, "Damaged in store"),
    (-1, "Stocktake correction"),
    (-2, "Broken in handling"),
    (1, "Found during stocktake"),
]


@dataclass
class Catalogue:
    stores: list[Store]
    suppliers: list[Supplier]
    customers: list[Customer]
    products: list[Product]


def create_catalogue(size: DemoSize, rng: random.Random) -> Catalogue:
    """Bulk-create the stores, categories, suppliers, customers and products of ``size``."""
    stores = Store.objects.bulk_create(
        Store(name=name, code=code, address=address, phone=phone)
        for name, code, address, phone in STORES[: size.stores]
    )
    # A database may hold rates of its own already: the demo's are found by name.
    tax_rates = {
        name: TaxRate.objects.get_or_create(
            name__iexact=name, defaults={"name": name, "percent": percent}
        )[0]
        for name, percent in TAX_RATES
    }
    categories = {
        category.name: category
        for category in Category.objects.bulk_create(
            Category(
                name=name,
                description=description,
                tax_rate=tax_rates[CATEGORY_TAX_RATES.get(name, STANDARD_RATE)],
            )
            for name, _, description in CATEGORIES[: size.categories]
        )
    }
    supplier_rows = SUPPLIERS[: size.suppliers] + list(
        generated_suppliers(size.suppliers - len(SUPPLIERS))
    )
    suppliers = Supplier.objects.bulk_create(
        Supplier(name=name, contact_person=contact, email=email, phone=phone, address=address)
        for name, contact, email, phone, address in supplier_rows
    )
    customer_rows = CUSTOMERS[: size.customers] + list(
        generated_customers(size.customers - len(CUSTOMERS))
    )
    customers = Customer.objects.bulk_create(
        (
            Customer(name=name, email=email, phone=phone, address=address)
            for name, email, phone, address in customer_rows
        ),
        batch_size=BATCH_SIZE,
    )

    suppliers_by_name = {supplier.name: supplier for supplier in suppliers}
    # Each category buys from the hand-written suppliers its products name,
    # plus the generated suppliers dealt out to the categories in turn.
    category_names = list(categories)
    category_suppliers = defaultdict(list)
    for product in PRODUCTS:
        if suppliers_by_name[product.supplier] not in category_suppliers[product.category]:
            category_suppliers[product.category].append(suppliers_by_name[product.supplier])
    for number, supplier in enumerate(suppliers[len(SUPPLIERS) :]):
        category_suppliers[category_names[number % len(category_names)]].append(supplier)

    units = Unit.objects.standard()
    catalogue: list[CatalogueProduct] = list(PRODUCTS[: size.products])
    catalogue += generated_products(rng, size.products - len(catalogue), category_names)
    products = Product.objects.bulk_create(
        (
            Product(
                sku=item.sku,
                name=item.name,
                category=categories[item.category],
                # As Product.save() would: bulk_create does not call it.
                tax_rate=categories[item.category].tax_rate,
                supplier=(
                    suppliers_by_name[item.supplier]
                    if item.supplier
                    else rng.choice(category_suppliers[item.category])
                ),
                unit=units[item.unit],
                pack_size=PACKS.get(item.sku, (None, ""))[0],
                pack_name=PACKS.get(item.sku, (None, ""))[1],
                cost_price=item.cost_price,
                sale_price=item.sale_price,
                reorder_level=item.reorder_level,
                description=item.description,
            )
            for item in catalogue
        ),
        batch_size=BATCH_SIZE,
    )
    return Catalogue(stores=stores, suppliers=suppliers, customers=customers, products=products)


def sale_quantity(rng: random.Random, unit: str, sale_price: Decimal) -> Decimal | int:
    """How much one customer takes of a product (``unit`` is its symbol): lengths and
    weights come in bulk, and in parts of a metre or a kilogram."""
    if unit == "m":
        return rng.choice((Decimal("1.5"), 2, Decimal("2.5"), 5, 5, 10, 10, 15, 20, 25))
    if unit in ("kg", "l"):
        return rng.choice((Decimal("0.5"), 1, 1, Decimal("1.25"), 2, 2, 3, 5))
    if sale_price < 5:
        return rng.choice((1, 1, 2, 2, 3, 4, 5, 6, 10))
    if sale_price < 30:
        return rng.choice((1, 1, 1, 2, 2, 3))
    return rng.choice((1, 1, 1, 1, 2))


class ServiceHistory:
    """A few months of trading for the small data set, through the real services.

    Every document goes through the same stock engine the pages use, so stock,
    ledger and average costs are exactly what users would have produced. The
    writer keeps its own copy of the on-hand quantities only to choose what to
    sell; if the copy were ever wrong, ``sale_confirm`` would refuse the sale
    and the seed would stop.
    """

    RUNNING_LOW = 6  # products left to run down at the end, for the dashboard
    RUN_DOWN_DAYS = 45

    def __init__(self, catalogue: Catalogue, *, user, rng: random.Random, today: date, days: int):
        self.catalogue = catalogue
        self.user = user
        self.rng = rng
        self.start = today - timedelta(days=days)
        self.days = days
        self.on_hand: dict[tuple[int, int], int] = defaultdict(int)
        self.by_supplier: dict[int, list[Product]] = defaultdict(list)
        for product in catalogue.products:
            self.by_supplier[product.supplier_id].append(product)
        self.suppliers = [s for s in catalogue.suppliers if self.by_supplier[s.pk]]
        # Sale weights: cheap consumables sell far more often than power tools.
        self.popularity = {
            product.pk: 6 if product.sale_price < 5 else 3 if product.sale_price < 30 else 1
            for product in catalogue.products
        }
        self.running_low = {p.pk for p in rng.sample(catalogue.products, self.RUNNING_LOW)}
        self.documents = 0

    def run(self, progress=None) -> None:
        for store in self.catalogue.stores:
            for supplier in self.suppliers:
                self.purchase(store, supplier, self.start, self.by_supplier[supplier.pk])
        for day in range(1, self.days + 1):
            when = self.start + timedelta(days=day)
            for store_number, store in enumerate(self.catalogue.stores):
                self.restock(store, store_number, day, when)
                for _ in range(self.sales_on(when)):
                    self.sell(store, when)
                if self.rng.random() < 0.08:
                    self.adjust(store)
            if day in (17, 74):
                self.record_duplicate_and_void(when)
            if day == self.days - 10:
                self.run_down(when)
            if progress:
                progress(day, self.days)

    def sales_on(self, when: date) -> int:
        if when.weekday() == 6:
            return self.rng.randint(0, 1)
        if when.weekday() == 5:
            return self.rng.randint(2, 4)
        return self.rng.randint(1, 3)

    def target(self, product: Product) -> int:
        """What a store stocks up to: about twice the reorder level."""
        return 2 * product.reorder_level + self.rng.randint(1, 4)

    def restock(self, store, store_number: int, day: int, when: date) -> None:
        """Every nine days each store orders what is low from each supplier."""
        for supplier_number, supplier in enumerate(self.suppliers):
            if (day + 3 * store_number + supplier_number) % 9:
                continue
            products = [
                product
                for product in self.by_supplier[supplier.pk]
                if self.on_hand[product.pk, store.pk] <= product.reorder_level
                and not (product.pk in self.running_low and day > self.days - self.RUN_DOWN_DAYS)
            ]
            if products:
                self.purchase(store, supplier, when, products)

    def purchase(self, store, supplier, when: date, products: list[Product]) -> Purchase:
        lines = [self.purchase_line(store, product) for product in products]
        self.documents += 1
        purchase = purchase_record(
            supplier=supplier,
            store=store,
            lines=lines,
            user=self.user,
            date=when,
            reference=f"INV-{when:%y%m}-{self.documents:05d}",
        )
        for line in lines:
            self.on_hand[line.product.pk, store.pk] += line.quantity
        return purchase

    def purchase_line(self, store, product: Product) -> PurchaseLineInput:
        """Enough to reach the target; in whole packs when the supplier sells packs."""
        wanted = max(self.target(product) - self.on_hand[product.pk, store.pk], 1)
        unit_cost = money(product.cost_price * self.rng.choice(COST_FACTORS))
        if not product.pack_size:
            return PurchaseLineInput(product=product, quantity=wanted, unit_cost=unit_cost)
        packs = (wanted / product.pack_size).to_integral_value(ROUND_CEILING)
        return PurchaseLineInput(
            product=product,
            quantity=packs * product.pack_size,
            unit_cost=unit_cost,
            packs=packs,
            pack_size=product.pack_size,
        )

    def record_duplicate_and_void(self, when: date) -> None:
        """A clerk records an invoice twice and voids the copy, as happens."""
        store = self.rng.choice(self.catalogue.stores)
        supplier = self.rng.choice(self.suppliers)
        products = self.rng.sample(self.by_supplier[supplier.pk], 1)
        duplicate = self.purchase(store, supplier, when, products)
        purchase_void(
            purchase=duplicate, user=self.user, reason="Duplicate entry: invoice already recorded"
        )
        for line in duplicate.lines.all():
            self.on_hand[line.product_id, store.pk] -= line.quantity

    def in_stock(self, store) -> list[Product]:
        return [p for p in self.catalogue.products if self.on_hand[p.pk, store.pk] > 0]

    def sell(self, store, when: date) -> None:
        available = self.in_stock(store)
        if not available:
            return
        chosen: dict[int, Product] = {}
        for product in self.rng.choices(
            available,
            weights=[self.popularity[p.pk] for p in available],
            k=self.rng.choice((1, 1, 2, 2, 2, 3, 4)),
        ):
            chosen[product.pk] = product
        customers = self.catalogue.customers
        customer = customers[0] if self.rng.random() < 0.4 else self.rng.choice(customers[1:])
        lines = [
            SaleLineInput(
                product=product,
                quantity=min(
                    sale_quantity(self.rng, product.unit.symbol, product.sale_price),
                    self.on_hand[product.pk, store.pk],
                ),
                discount=LINE_DISCOUNT if self.rng.random() < LINE_DISCOUNT_RATE else None,
            )
            for product in chosen.values()
        ]
        self.confirm(store, customer, when, lines)

    def confirm(
        self, store, customer, when: date, lines, *, may_void: bool = True, discount=None
    ) -> None:
        self.documents += 1
        # The demo user is a superuser: it may give discounts (sales.override_price).
        sale = sale_confirm(
            customer=customer,
            store=store,
            lines=lines,
            user=self.user,
            date=when,
            discount=discount,
        )
        for line in lines:
            self.on_hand[line.product.pk, store.pk] -= line.quantity
        if may_void and self.rng.random() < 0.015:
            sale_void(sale=sale, user=self.user, reason=self.rng.choice(SALE_VOID_REASONS))
            for line in lines:
                self.on_hand[line.product.pk, store.pk] += line.quantity
        elif may_void and self.rng.random() < 0.03:
            self.take_back(sale, store, when)

    def take_back(self, sale, store, when: date) -> None:
        """A customer brings part of one line back a few days later (never after today)."""
        line = self.rng.choice(list(sale.lines.select_related("product__unit")))
        # Half of it, in what its unit allows (whole pieces, thousandths of a metre).
        step = Decimal(1).scaleb(-line.product.unit.decimal_places)
        quantity = max(step, (line.quantity / 2).quantize(step, rounding=ROUND_DOWN))
        reason, restock = self.rng.choice(RETURN_REASONS)
        today = self.start + timedelta(days=self.days)
        sale_return(
            sale=sale,
            lines=[ReturnLineInput(line, quantity, restock, reason)],
            user=self.user,
            date=min(when + timedelta(days=self.rng.randint(1, 6)), today),
        )
        if restock:
            self.on_hand[line.product_id, store.pk] += quantity

    def adjust(self, store) -> None:
        """A stocktake finds one product a unit or two off."""
        available = self.in_stock(store)
        if not available:
            return
        product = self.rng.choice(available)
        change, reason = self.rng.choice(ADJUSTMENT_REASONS)
        change = max(change, -self.on_hand[product.pk, store.pk])
        stock_adjust(product=product, store=store, user=self.user, reason=reason, change=change)
        self.on_hand[product.pk, store.pk] += change

    def run_down(self, when: date) -> None:
        """Trade customers clear the running-low products down to or below their reorder level.

        Two of them sell out completely, so the dashboard shows both cases.
        """
        trade_customers = self.catalogue.customers[1:4]
        running_low = [p for p in self.catalogue.products if p.pk in self.running_low]
        keep = {
            product.pk: 0 if number < 2 else self.rng.randint(1, max(product.reorder_level, 1))
            for number, product in enumerate(running_low)
        }
        for store in self.catalogue.stores:
            lines = []
            for product in running_low:
                on_hand = self.on_hand[product.pk, store.pk]
                # The first store keeps what is left; the others sell out.
                left = keep[product.pk] if store == self.catalogue.stores[0] else 0
                if on_hand > left:
                    lines.append(SaleLineInput(product, on_hand - left))
            if lines:
                customer = self.rng.choice(trade_customers)
                # Taking the lot, they get a discount on the whole sale.
                self.confirm(store, customer, when, lines, may_void=False, discount=TRADE_DISCOUNT)


class ProgressBar:
    """A one-line progress bar on a terminal; a line every tenth of the way otherwise."""

    WIDTH = 30

    def __init__(self, stream, label: str, total: int):
        self.stream = stream
        self.label = label
        self.total = max(total, 1)
        self.interactive = stream.isatty()
        self.last_tenth = -1

    def update(self, done: int, detail: str = "") -> None:
        fraction = min(done / self.total, 1)
        if self.interactive:
            filled = int(fraction * self.WIDTH)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            self.stream.write(f"\r{self.label} [{bar}] {fraction:4.0%} {detail}", ending="")
            self.stream.flush()
        elif int(fraction * 10) > self.last_tenth:
            self.last_tenth = int(fraction * 10)
            self.stream.write(f"{self.label}: {fraction:.0%} {detail}")

    def finish(self) -> None:
        if self.interactive:
            self.stream.write("")


def split_lines(rng: random.Random, documents: int, lines: int, most: int) -> Iterator[int]:
    """Line counts for ``documents`` documents, between 1 and ``most``, adding up to ``lines``."""
    for number in range(documents):
        left_after = documents - number - 1
        low = max(1, lines - left_after * most)
        high = min(most, lines - left_after)
        count = min(max(rng.randint(1, most), low), high)
        lines -= count
        yield count


def spread_over_days(rng: random.Random, count: int, weights: list[float]) -> list[int]:
    """How many of ``count`` documents fall on each day."""
    per_day = [0] * len(weights)
    for day in rng.choices(range(len(weights)), weights=weights, k=count):
        per_day[day] += 1
    return per_day


def insert_rows(model, field_names: list[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (database-ready values in ``field_names`` order), a batch per statement.

    The bulk generator writes its millions of rows this way rather than with
    ``bulk_create``: measured on SQLite, ``bulk_create`` spends about 57 µs
    per ledger row building model instances and SQL, ``executemany`` about
    23 µs, and the difference decides whether ``--size large`` fits in three
    minutes.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in field_names)
    placeholders = ", ".join(["%s"] * len(field_names))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[start : start + BATCH_SIZE])


def next_id(model) -> int:
    return (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1


@contextmanager
def sqlite_page_cache(megabytes: int):
    """Give SQLite a bigger page cache while bulk writing, so index pages stay in memory."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{megabytes * 1024}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


PURCHASE_FIELDS = [
    "id", "supplier", "store", "reference", "date", "notes", "created_by", "created_at",
    "voided_at", "voided_by", "void_reason",
]  # fmt: skip
PURCHASE_LINE_FIELDS = [
    "purchase", "product", "quantity", "unit_cost", "tax_percent", "tax_amount",
]  # fmt: skip
SALE_FIELDS = [
    "id", "customer", "store", "date", "notes", "created_by", "created_at",
    "voided_at", "voided_by", "void_reason", "discount", "discount_percent",
    "prices_include_tax",
]  # fmt: skip
SALE_LINE_FIELDS = [
    "sale", "product", "quantity", "unit_price", "unit_cost", "list_price",
    "discount", "discount_percent", "document_discount", "tax_percent",
    "net_amount", "tax_amount", "price_set_by", "sale_date", "voided",
]  # fmt: skip
MOVEMENT_FIELDS = [
    "product", "store", "quantity", "balance_after", "kind", "document_id", "note",
    "created_by", "created_at", "at_average_cost", "unit_cost", "value", "average_cost_after",
]  # fmt: skip


class BulkHistory:
    """Years of trading for the medium and large data sets, written in bulk.

    This data generator is the one exception to "only the stock engine writes
    stock". Through the services, 250,000 documents at about 4 ms each would
    take a quarter of an hour, so it replays in memory what the engine would do
    (the same running balances, selling only what is on hand, the engine's own
    moving-average formula for every movement that carries a value) and writes
    documents, lines, ledger rows, the final stock levels and average costs in
    batches, inside the caller's transaction. ``verify_stock`` checks the result.

    Documents get their primary keys here, counted on from the largest in the
    table, so lines and ledger rows can refer to them without reading them
    back; the database sequences are moved past them at the end, as
    ``loaddata`` does. Nothing else may write documents meanwhile (it is a demo
    database being seeded).

    Memory stays bounded: rows are written every few thousand documents; only
    the on-hand quantities, average costs and in-stock lists stay in memory.
    """

    FLUSH_EVERY = 5_000  # documents
    MOST_LINES = 9
    SALE_VOID_RATE = 0.004
    SALE_DISCOUNT_RATE = 0.01  # sales with a discount on the whole sale
    PURCHASE_VOID_RATE = 0.002
    ADJUSTMENT_RATE = 0.15  # per store and day
    WALK_IN_SHARE = 0.35

    def __init__(self, catalogue: Catalogue, size: DemoSize, *, user, rng, today, stream=None):
        self.size = size
        self.user_id = user.pk
        self.rng = rng
        self.start = today - timedelta(days=size.days - 1)
        self.now = timezone.now()
        self.stream = stream
        ops = connection.ops
        self.adapt_datetime = ops.adapt_datetimefield_value
        self.adapt_date = ops.adapt_datefield_value
        self.store_ids = [store.pk for store in catalogue.stores]
        self.customer_ids = [customer.pk for customer in catalogue.customers]
        self.products = {
            product.pk: (
                product.unit.symbol,
                product.sale_price,
                product.cost_price,
                product.reorder_level,
                product.tax_percent,
            )
            for product in catalogue.products
        }
        # What sale_confirm would do with the prices: add the tax to them, or take it out.
        self.includes_tax = settings.PRICES_INCLUDE_TAX
        self.supplier_products: dict[int, list[int]] = defaultdict(list)
        for product in catalogue.products:
            self.supplier_products[product.supplier_id].append(product.pk)
        # For each line count, the suppliers offering at least that many products.
        self.suppliers_for_lines = {
            count: [
                sid
                for sid in sorted(self.supplier_products)
                if len(self.supplier_products[sid]) >= count
            ]
            or sorted(self.supplier_products)
            for count in range(1, self.MOST_LINES + 1)
        }
        self.on_hand: dict[int, dict[int, int]] = {store_id: {} for store_id in self.store_ids}
        self.total_on_hand: dict[int, int] = defaultdict(int)
        self.average_cost: dict[int, Decimal] = {pid: Decimal("0") for pid in self.products}
        # Per store, the products with stock, as a list to sample from and
        # each one's position in it, so adding and removing are O(1).
        self.in_stock: dict[int, list[int]] = {store_id: [] for store_id in self.store_ids}
        self.in_stock_position: dict[int, dict[int, int]] = {s: {} for s in self.store_ids}
        self.first_purchase_id = self.next_purchase_id = next_id(Purchase)
        self.next_sale_id = next_id(Sale)
        self.pending = {
            "purchases": [],
            "sales": [],
            "purchase_lines": [],
            "sale_lines": [],
            "movements": [],
        }
        self.written = dict.fromkeys(self.pending, 0)

    # ------------------------------------------------------------- the books
    def change_stock(self, product_id: int, store_id: int, quantity: int) -> int:
        """Apply a signed change to the in-memory books; returns the new balance."""
        stock = self.on_hand[store_id]
        before = stock.get(product_id, 0)
        after = before + quantity
        if after < 0:
            raise AssertionError("The demo generator took more than was on hand.")
        stock[product_id] = after
        self.total_on_hand[product_id] += quantity
        if before == 0 and after > 0:
            self.in_stock_position[store_id][product_id] = len(self.in_stock[store_id])
            self.in_stock[store_id].append(product_id)
        elif after == 0 and before > 0:
            listed, positions = self.in_stock[store_id], self.in_stock_position[store_id]
            index = positions.pop(product_id)
            last = listed.pop()
            if last != product_id:
                listed[index] = last
                positions[last] = index
        return after

    def move_value(self, product_id: int, quantity: int, unit_cost: Decimal) -> None:
        """Move the average cost as the engine does when units carrying a value move."""
        self.average_cost[product_id] = moving_average(
            self.average_cost[product_id],
            self.total_on_hand[product_id],
            quantity,
            quantity * unit_cost,
        )

    def ledger(
        self, product_id, store_id, quantity, kind, document_id, note, at, unit_cost=None
    ) -> None:
        """Record one movement (``at`` already database-ready) and apply it to the books.

        ``unit_cost`` is the cost the units carry; ``None`` moves them at the
        average, as sales and adjustments do. The movement shows the average
        as it is now: a purchase moves it first (``move_value``); a voided
        pair leaves it alone, as the engine's replay does.
        """
        balance = self.change_stock(product_id, store_id, quantity)
        average = self.average_cost[product_id]
        at_average = unit_cost is None
        unit_cost = average if at_average else unit_cost
        self.pending["movements"].append(
            (
                product_id, store_id, quantity, balance, kind, document_id, note, self.user_id,
                at, at_average, unit_cost, quantity * unit_cost, average,
            )
        )  # fmt: skip

    # ------------------------------------------------------------- documents
    def run(self) -> None:
        size, rng = self.size, self.rng
        days = [self.start + timedelta(days=n) for n in range(size.days)]
        # Opening stock: the first fortnight receives far more than its share.
        purchase_days = spread_over_days(
            rng, size.purchases, [8.0 if n < 14 else 1.0 for n in range(size.days)]
        )
        sale_days = spread_over_days(
            rng,
            size.sales,
            [0.0 if n < 3 else {5: 1.3, 6: 0.5}.get(d.weekday(), 1.0) for n, d in enumerate(days)],
        )
        purchase_lines = split_lines(rng, size.purchases, size.purchase_lines, self.MOST_LINES)
        sale_lines = split_lines(rng, size.sales, size.sale_lines, self.MOST_LINES)
        progress = (
            ProgressBar(self.stream, "History", size.purchases + size.sales)
            if self.stream
            else None
        )
        with sqlite_page_cache(megabytes=128):
            pending = 0
            for day, purchases, sales in zip(days, purchase_days, sale_days, strict=True):
                clock = self.working_day(day, purchases + sales + 1)
                for _ in range(purchases):
                    self.purchase(day, next(clock), next(purchase_lines))
                for _ in range(sales):
                    self.sale(day, next(clock), next(sale_lines))
                for store_id in self.store_ids:
                    if rng.random() < self.ADJUSTMENT_RATE:
                        self.adjust(store_id, next(clock))
                pending += purchases + sales
                if pending >= self.FLUSH_EVERY:
                    self.flush()
                    pending = 0
                    if progress:
                        progress.update(
                            self.written["purchases"] + self.written["sales"],
                            f"{day:%Y-%m-%d}, {self.written['movements']:,} movements",
                        )
            self.flush()
            if progress:
                progress.update(
                    size.purchases + size.sales, f"{self.written['movements']:,} movements"
                )
                progress.finish()
            self.write_stock_levels()
            self.write_average_costs()
            self.reset_sequences()
            # Written behind the services' back, so total it the way a restore would.
            rebuild_purchase_totals()
            rebuild_sale_totals()
            rebuild_stock_state()
        self.analyze()

    def working_day(self, day: date, slots: int) -> Iterator[datetime]:
        """Evenly spaced times from 08:00 to 18:00, never later than now."""
        opening = timezone.make_aware(datetime.combine(day, time(8)))
        step = timedelta(hours=10) / slots
        for slot in itertools.count(1):
            yield min(opening + step * min(slot, slots), self.now)

    def purchase(self, day: date, when: datetime, line_count: int) -> None:
        rng = self.rng
        purchase_id = self.next_purchase_id
        self.next_purchase_id += 1
        store_id = rng.choice(self.store_ids)
        supplier_id = rng.choice(self.suppliers_for_lines[line_count])
        offered = self.supplier_products[supplier_id]
        stock = self.on_hand[store_id]
        # The buyer orders what the store is shortest of among what they look at.
        candidates = rng.sample(offered, min(len(offered), 3 * line_count))
        candidates.sort(key=lambda pid: stock.get(pid, 0))
        at = self.adapt_datetime(when)
        lines = []
        for product_id in candidates[:line_count]:
            unit, _, cost_price, reorder_level, tax_percent = self.products[product_id]
            # Enough to lift the store above the reorder level again.
            quantity = reorder_level + rng.randint(1, 6) * (5 if unit == "m" else 1)
            unit_cost = money(cost_price * rng.choice(COST_FACTORS))
            lines.append((product_id, quantity, unit_cost))
            # The supplier's tax, as purchase_record works it out: on the rounded net amount.
            tax = percent_of(round_money(quantity * unit_cost), tax_percent)
            self.pending["purchase_lines"].append(
                (purchase_id, product_id, quantity, unit_cost, tax_percent, tax)
            )
        voided_at = voided_by = None
        void_reason = ""
        voided = rng.random() < self.PURCHASE_VOID_RATE
        for product_id, quantity, unit_cost in lines:
            if not voided:  # a voided purchase never moves the average (see ledger())
                self.move_value(product_id, quantity, unit_cost)
            self.ledger(
                product_id, store_id, quantity, Kind.PURCHASE.value, purchase_id, "", at, unit_cost
            )
        if voided:
            # Recorded twice by mistake and voided straight away, while the stock is there.
            # A second after: the ledger's time order is its pk order.
            voided_at, voided_by = when + timedelta(seconds=1), self.user_id
            void_reason = "Duplicate entry: invoice already recorded"
            void_at = self.adapt_datetime(voided_at)
            for product_id, quantity, unit_cost in lines:
                self.ledger(
                    product_id,
                    store_id,
                    -quantity,
                    Kind.PURCHASE_VOID.value,
                    purchase_id,
                    void_reason,
                    void_at,
                    unit_cost,
                )
        self.pending["purchases"].append(
            (
                purchase_id,
                supplier_id,
                store_id,
                f"INV-{day:%y%m}-{purchase_id - self.first_purchase_id + 1:06d}",
                self.adapt_date(day),
                "",
                self.user_id,
                at,
                self.adapt_datetime(voided_at),
                voided_by,
                void_reason,
            )
        )

    def sale(self, day: date, when: datetime, line_count: int) -> None:
        rng = self.rng
        store_id = rng.choice(self.store_ids)
        available = self.in_stock[store_id]
        if not available:
            return
        sale_id = self.next_sale_id
        self.next_sale_id += 1
        customer_id = (
            self.customer_ids[0]
            if rng.random() < self.WALK_IN_SHARE
            else rng.choice(self.customer_ids)
        )
        stock = self.on_hand[store_id]
        at = self.adapt_datetime(when)
        lines = []
        to_price = []
        for product_id in rng.sample(available, min(line_count, len(available))):
            unit, sale_price, _, _, tax_percent = self.products[product_id]
            quantity = min(sale_quantity(rng, unit, sale_price), stock[product_id])
            # One line in ten is sold at a discount, as a manager may give.
            discount = None if rng.random() < 0.9 else LINE_DISCOUNT
            lines.append((product_id, quantity, self.average_cost[product_id]))
            to_price.append(LineToPrice(quantity, sale_price, tax_percent, discount))
            self.ledger(product_id, store_id, -quantity, Kind.SALE.value, sale_id, "", at)
        sale_discount = TRADE_DISCOUNT if rng.random() < self.SALE_DISCOUNT_RATE else None
        # Priced as sale_confirm prices them (sales.pricing), at the list prices.
        priced = price_lines(to_price, discount=sale_discount, includes_tax=self.includes_tax)
        sale_lines = [
            (
                sale_id, product_id, quantity, line.unit_price, unit_cost, line.unit_price,
                amounts.discount, line.discount.percent if line.discount else None,
                amounts.document_discount, line.tax_percent, amounts.net, amounts.tax,
                # Who gave the discount: none when sold at the list price.
                self.user_id if amounts.discount or amounts.document_discount else None,
            )
            for (product_id, quantity, unit_cost), line, amounts in zip(
                lines, to_price, priced, strict=True
            )
        ]  # fmt: skip
        voided_at = voided_by = None
        void_reason = ""
        if rng.random() < self.SALE_VOID_RATE:
            voided_at, voided_by = when + timedelta(seconds=1), self.user_id
            void_reason = rng.choice(SALE_VOID_REASONS)
            void_at = self.adapt_datetime(voided_at)
            for product_id, quantity, unit_cost in lines:
                # Returned at the cost the units left with, as sale_void does.
                self.ledger(
                    product_id,
                    store_id,
                    quantity,
                    Kind.SALE_VOID.value,
                    sale_id,
                    void_reason,
                    void_at,
                    unit_cost,
                )
        # Each line with its sale's date and state, as sale_confirm and sale_void leave them.
        self.pending["sale_lines"].extend(
            (*line, self.adapt_date(day), voided_at is not None) for line in sale_lines
        )
        self.pending["sales"].append(
            (
                sale_id,
                customer_id,
                store_id,
                self.adapt_date(day),
                "",
                self.user_id,
                at,
                self.adapt_datetime(voided_at),
                voided_by,
                void_reason,
                sum((amounts.document_discount for amounts in priced), Decimal("0")),
                sale_discount.percent if sale_discount else None,
                self.includes_tax,
            )
        )

    def adjust(self, store_id: int, when: datetime) -> None:
        """A stocktake finds one product a unit or two off."""
        available = self.in_stock[store_id]
        if not available:
            return
        product_id = self.rng.choice(available)
        change, reason = self.rng.choice(ADJUSTMENT_REASONS)
        change = max(change, -self.on_hand[store_id][product_id])
        self.ledger(
            product_id,
            store_id,
            change,
            Kind.ADJUSTMENT.value,
            None,
            reason,
            self.adapt_datetime(when),
        )

    # ---------------------------------------------------------------- writing
    def flush(self) -> None:
        """Write the documents gathered so far, then their lines and ledger rows."""
        insert_rows(Purchase, PURCHASE_FIELDS, self.pending["purchases"])
        insert_rows(Sale, SALE_FIELDS, self.pending["sales"])
        insert_rows(PurchaseLine, PURCHASE_LINE_FIELDS, self.pending["purchase_lines"])
        insert_rows(SaleLine, SALE_LINE_FIELDS, self.pending["sale_lines"])
        insert_rows(StockMovement, MOVEMENT_FIELDS, self.pending["movements"])
        for name, rows in self.pending.items():
            self.written[name] += len(rows)
            rows.clear()

    def write_stock_levels(self) -> None:
        """One stock row per (product, store) the ledger touched, as the engine leaves them.

        Nothing is on order yet: the demo's purchase orders are placed afterwards,
        through the services.
        """
        # The kept figures (value, rule in force, listing) at placeholders:
        # products.state.rebuild_state computes them once the costs are written.
        levels = (
            (product_id, store_id, quantity, 0, 0, 0, 0, True)
            for store_id, stock in self.on_hand.items()
            for product_id, quantity in sorted(stock.items())
        )
        columns = ["product", "store", "quantity", "on_order", "stock_value", "minimum"]
        columns += ["maximum", "listed"]
        while batch := list(itertools.islice(levels, BATCH_SIZE)):
            insert_rows(StockLevel, columns, batch)

    def write_average_costs(self) -> None:
        quote = connection.ops.quote_name
        table = quote(Product._meta.db_table)
        column = quote(Product._meta.get_field("average_cost").column)
        sql = f"UPDATE {table} SET {column} = %s WHERE {quote('id')} = %s"
        with connection.cursor() as cursor:
            rows = [(average, pid) for pid, average in self.average_cost.items() if average]
            for start in range(0, len(rows), BATCH_SIZE):
                cursor.executemany(sql, rows[start : start + BATCH_SIZE])

    def analyze(self) -> None:
        """Give the query planner statistics of the tables just filled.

        SQLite never collects them on its own, and PostgreSQL's autovacuum only
        minutes later; until then the first queries over a million fresh rows are
        planned blind (the dashboard's needs-attention query took seconds instead
        of a fraction of one on PostgreSQL; the stock report sorted every stock row
        on SQLite).
        """
        analyze()

    def reset_sequences(self) -> None:
        """Move the databases' id sequences past the ids given here (PostgreSQL needs it)."""
        statements = connection.ops.sequence_reset_sql(no_style(), [Purchase, Sale])
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
