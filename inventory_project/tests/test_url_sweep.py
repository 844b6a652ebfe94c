"""Every URL of the project, opened by a visitor, a user without a role, a clerk and a manager.

The table ``ROUTES`` says who may use each route with GET and with POST; a route
added without an entry fails ``test_route_table_classifies_every_url``. Path
parameters are filled with real records (one of each, a purchase and a sale
made through the services), and each POST carries data that would succeed, so
a refusal is the permission check and not a form error. Every HTML answer is
also scanned for what the Content Security Policy would block.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Profile
from accounts.roles import CLERK, MANAGER
from accounts.tests.factories import UserFactory, lock_out, staff_user
from accounts.users import password_reset_path
from imports.models import ImportRun
from imports.services import import_validate
from imports.tests.factories import make_import
from jobs.models import Job
from jobs.tests.factories import JobFactory
from people.models import Customer, Supplier
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import Category, Product, StockLevel, StockMovement, TaxRate, Unit
from products.tests.factories import CategoryFactory, ProductFactory, TaxRateFactory
from purchases.models import (
    Purchase,
    PurchaseLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
)
from purchases.orders import ReceiptLineInput, order_receive
from purchases.returns import PurchaseReturnLineInput, purchase_return
from purchases.tests.factories import make_order, make_purchase
from replenishment.models import DigestSubscription
from replenishment.selectors import explain, replenishment_needs
from sales.models import Sale, SaleLine, SaleReturn, SaleReturnLine
from sales.returns import ReturnLineInput, sale_return
from sales.tests.factories import make_sale
from stores.models import Store
from stores.tests.factories import StoreFactory
from transfers.models import Transfer, TransferLine
from transfers.tests.factories import make_transfer

pytestmark = pytest.mark.django_db

# Who may use a route with a method:
#   "public"     anyone, signed in or not;
#   "signed-in"  any signed-in user, even one without a role;
#   "clerk"      the Clerk role (and the Manager role);
#   "manager"    the Manager role only.
# "/405" means those who pass that check get 405: the route does not take the method.
# Everyone below "public" sends a visitor to the login page first.
ROUTES = {
    # route name: (GET, POST)
    "welcome": ("public", "public/405"),
    "healthz": ("public", "public/405"),
    "favicon": ("public", "public/405"),
    "web_app_manifest": ("public", "public/405"),
    "login": ("public", "public"),
    "set_language": ("public/405", "public"),  # the language chooser at every page's foot
    "admin:login": ("public", "public"),
    "logout": ("signed-in/405", "signed-in"),
    "profile": ("signed-in", "signed-in"),  # the user's own default store
    "password_change": ("signed-in", "signed-in"),
    "password_change_done": ("signed-in", "signed-in/405"),
    # "Forgot password?": by email, for anyone (it never says whether an address is known).
    "password_reset": ("public", "public"),
    "password_reset_done": ("public", "public/405"),
    "password_reset_confirm": ("public", "public"),
    "password_reset_complete": ("public", "public/405"),
    # Users: managers add colleagues, reset their passwords and unlock them; never delete them.
    "users:list": ("manager", "manager/405"),
    "users:create": ("manager", "manager"),
    "users:detail": ("manager", "manager"),  # POST: update (name, role, stores)
    "users:deactivate": ("manager/405", "manager"),
    "users:reactivate": ("manager/405", "manager"),
    "users:password": ("manager", "manager"),  # POST: a temporary password
    "users:reset_link": ("manager", "manager/405"),  # shows a one-time link; stores nothing
    "users:unlock": ("manager/405", "manager"),
    "dashboard:index": ("clerk", "clerk/405"),
    # Stores, categories, units, tax rates, products, suppliers: clerks only look.
    "stores:list": ("clerk", "manager"),
    "stores:detail": ("clerk", "manager"),
    "stores:delete": ("manager", "manager"),
    "stores:archive": ("manager/405", "manager"),
    "stores:restore": ("manager/405", "manager"),
    "categories:list": ("clerk", "manager"),
    "categories:detail": ("clerk", "manager"),
    "categories:delete": ("manager", "manager"),
    "categories:archive": ("manager/405", "manager"),
    "categories:restore": ("manager/405", "manager"),
    "units:list": ("clerk", "manager"),
    "units:detail": ("clerk", "manager"),
    "units:delete": ("manager", "manager"),
    "units:archive": ("manager/405", "manager"),
    "units:restore": ("manager/405", "manager"),
    "tax_rates:list": ("clerk", "manager"),
    "tax_rates:detail": ("clerk", "manager"),
    "tax_rates:delete": ("manager", "manager"),
    "tax_rates:archive": ("manager/405", "manager"),
    "tax_rates:restore": ("manager/405", "manager"),
    "products:list": ("clerk", "manager"),
    "products:detail": ("clerk", "manager"),  # POST: update, i.e. price changes
    "products:delete": ("manager", "manager"),
    "products:archive": ("manager/405", "manager"),
    "products:restore": ("manager/405", "manager"),
    "products:adjust": ("manager/405", "manager"),
    "products:replenishment": ("manager", "manager"),  # minimum, maximum, multiple per store
    "products:search": ("clerk", "clerk/405"),  # the order lines' product picker
    "suppliers:list": ("clerk", "manager"),
    "suppliers:detail": ("clerk", "manager"),
    "suppliers:delete": ("manager", "manager"),
    "suppliers:archive": ("manager/405", "manager"),
    "suppliers:restore": ("manager/405", "manager"),
    "suppliers:search": ("clerk", "clerk/405"),  # the purchases' supplier picker
    # Customers: clerks add and edit them, but do not delete or archive them.
    "customers:list": ("clerk", "clerk"),
    "customers:detail": ("clerk", "clerk"),
    "customers:delete": ("manager", "manager"),
    "customers:archive": ("manager/405", "manager"),
    "customers:restore": ("manager/405", "manager"),
    "customers:search": ("clerk", "clerk/405"),  # the sales' customer picker
    # Documents: clerks record them; only managers void them.
    "purchases:list": ("clerk", "clerk/405"),
    "purchases:create": ("clerk", "clerk"),
    "purchases:detail": ("clerk", "clerk/405"),
    "purchases:void": ("manager/405", "manager"),
    # Returns to suppliers: managers send goods back; clerks see the debit notes.
    "purchases:return": ("manager", "manager"),
    "purchases:return_detail": ("clerk", "clerk/405"),
    "purchases:return_print": ("clerk", "clerk/405"),
    "purchases:return_pdf": ("clerk", "clerk/405"),
    "sales:list": ("clerk", "clerk/405"),
    "sales:create": ("clerk", "clerk"),
    "sales:detail": ("clerk", "clerk/405"),
    "sales:void": ("manager/405", "manager"),
    "sales:receipt": ("clerk", "clerk/405"),
    "sales:pdf": ("clerk", "clerk/405"),
    # Customer returns: clerks take them at the counter; a return is never voided.
    "sales:return": ("clerk", "clerk"),
    "returns:list": ("clerk", "clerk/405"),
    "returns:lines-csv": ("clerk", "clerk/405"),
    "returns:detail": ("clerk", "clerk/405"),
    "returns:print": ("clerk", "clerk/405"),
    "returns:pdf": ("clerk", "clerk/405"),
    # Transfers: clerks create, dispatch and receive them; only managers cancel or void them.
    "transfers:list": ("clerk", "clerk/405"),
    "transfers:create": ("clerk", "clerk"),
    "transfers:detail": ("clerk", "clerk/405"),
    "transfers:edit": ("clerk", "clerk"),
    "transfers:slip": ("clerk", "clerk/405"),
    "transfers:dispatch": ("clerk/405", "clerk"),
    "transfers:receive": ("clerk/405", "clerk"),
    "transfers:delete": ("clerk/405", "clerk"),
    "transfers:cancel": ("manager/405", "manager"),
    "transfers:void": ("manager/405", "manager"),
    # Purchase orders: clerks draft them and receive deliveries; managers send, cancel,
    # close short and delete them.
    "purchase_orders:list": ("clerk", "clerk/405"),
    "purchase_orders:create": ("clerk", "clerk"),
    "purchase_orders:detail": ("clerk", "clerk/405"),
    "purchase_orders:edit": ("clerk", "clerk"),
    "purchase_orders:print": ("clerk", "clerk/405"),
    "purchase_orders:pdf": ("clerk", "clerk/405"),
    "purchase_orders:place": ("manager/405", "manager"),
    "purchase_orders:receive": ("clerk", "clerk"),
    "purchase_orders:cancel": ("manager/405", "manager"),
    "purchase_orders:close-short": ("manager/405", "manager"),
    "purchase_orders:delete": ("manager/405", "manager"),
    # Replenishment: clerks see the suggestions and draft from them; managers set the rules
    # and receive the low-stock digest.
    "replenishment:list": ("clerk", "clerk/405"),
    "replenishment:drafts": ("clerk/405", "clerk"),
    "replenishment:rules-csv": ("clerk", "clerk/405"),
    "replenishment:rules-import": ("manager", "manager"),
    "replenishment:digest": ("manager", "manager"),
    # Reports and exports are reading.
    "reports:stock": ("clerk", "clerk/405"),
    "reports:sales-by-product": ("clerk", "clerk/405"),
    "reports:valuation": ("manager", "manager/405"),
    "reports:ageing": ("manager", "manager/405"),
    "reports:products-csv": ("clerk", "clerk/405"),
    "reports:purchase-lines-csv": ("clerk", "clerk/405"),
    "reports:sale-lines-csv": ("clerk", "clerk/405"),
    "reports:movements-csv": ("clerk", "clerk/405"),
    "reports:transfer-lines-csv": ("clerk", "clerk/405"),
    "reports:purchase-order-lines-csv": ("clerk", "clerk/405"),
    # The history of changes: managers read it and export it; no route writes to it.
    "audit:list": ("manager", "manager/405"),
    "audit:export": ("manager", "manager/405"),
    # Imports: managers upload, map the columns (POST: the dry run), run, download errors.
    "imports:list": ("manager", "manager/405"),
    "imports:create": ("manager", "manager"),
    "imports:template": ("manager", "manager/405"),
    "imports:detail": ("manager", "manager/405"),
    "imports:mapping": ("manager", "manager"),
    "imports:run": ("manager/405", "manager"),
    "imports:errors": ("manager", "manager/405"),
    # Background jobs: everyone sees their own; a job is its owner's and managers' (the
    # world's is neither the clerk's nor the no-role user's, who get a 404: JOB_ROUTES).
    "jobs:list": ("signed-in", "signed-in/405"),
    "jobs:detail": ("manager", "manager/405"),
    "jobs:status": ("manager", "manager/405"),
    "jobs:download": ("manager", "manager/405"),
}
# To anyone but its owner and managers a job does not exist: 404 where the sweep
# expects a 403 (jobs.views).
JOB_ROUTES = {"jobs:detail", "jobs:status", "jobs:download"}

# The admin's own pages are Django's; only its login page is part of the sweep.
SWEPT_ADMIN_ROUTES = {"admin:login"}

LEVELS = ["public", "signed-in", "clerk", "manager"]
ROLES = ["visitor", "no role", "clerk", "manager"]
# The least level each kind of user passes.
PASSES = {"visitor": {"public"}, "no role": {"public", "signed-in"}}
PASSES["clerk"] = PASSES["no role"] | {"clerk"}
PASSES["manager"] = PASSES["clerk"] | {"manager"}

# Which record fills the <pk> of each namespace.
RECORD_OF_NAMESPACE = {
    "stores": "store",
    "categories": "category",
    "units": "unit",
    "tax_rates": "tax_rate",
    "products": "product",
    "suppliers": "supplier",
    "customers": "customer",
    "purchases": "purchase",
    "sales": "sale",
    "transfers": "transfer",  # in transit
    "purchase_orders": "order",  # sent, nothing received yet
    "returns": "sale_return",
    "users": "staff_member",  # a clerk, locked out after too many wrong passwords
    "imports": "import_run",  # checked (dry run), not yet run
    "jobs": "job",  # a finished export with its file, someone else's
}
# Transfer steps that need a transfer in another state.
RECORD_OF_ROUTE = {
    "transfers:edit": "draft_transfer",
    "transfers:dispatch": "draft_transfer",
    "transfers:delete": "draft_transfer",
    "transfers:void": "received_transfer",
    "purchase_orders:edit": "draft_order",
    "purchase_orders:place": "draft_order",
    "purchase_orders:delete": "draft_order",
    "purchase_orders:close-short": "partial_order",
    "purchases:return_detail": "purchase_return",
    "purchases:return_print": "purchase_return",
    "purchases:return_pdf": "purchase_return",
    "users:reactivate": "former_staff_member",
}


def walk_routes(patterns=None, namespace="", params=()):
    """Yield (route name, path parameter names) for every named URL pattern of the project."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        names = (*params, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk_routes(entry.url_patterns, inner, names)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", tuple(names)


def swept_routes() -> dict[str, tuple[str, ...]]:
    return {
        name: params
        for name, params in walk_routes()
        if not name.startswith("admin:") or name in SWEPT_ADMIN_ROUTES
    }


@dataclass
class World:
    """One of each record, with a purchase and a sale that went through the stock engine."""

    store: Store
    category: Category
    supplier: Supplier
    customer: Customer
    product: Product
    purchase: Purchase
    sale: Sale
    unit: Unit
    transfer: Transfer
    draft_transfer: Transfer
    received_transfer: Transfer
    order: PurchaseOrder
    draft_order: PurchaseOrder
    partial_order: PurchaseOrder
    sale_return: SaleReturn  # of another sale: the world's sale can still be voided
    purchase_return: PurchaseReturn  # of another purchase: the world's can still be voided
    tax_rate: TaxRate
    staff_member: User  # a clerk, locked out (users:unlock has something to clear)
    former_staff_member: User  # deactivated
    import_run: ImportRun | None = None  # a products file of one new product, checked
    job: Job | None = None  # a finished export with its file, started by a third user


def build_world() -> World:
    store = StoreFactory(name="Main store", code="MAIN")
    # No record uses it: the world's sales and purchases stay untaxed.
    tax_rate = TaxRateFactory(name="VAT 20 %", percent=Decimal("20"))
    category = CategoryFactory()
    supplier = SupplierFactory()
    customer = CustomerFactory()
    product = ProductFactory(category=category, supplier=supplier)
    stocked = make_purchase(store=store, supplier=supplier, lines=[(product, 10)])
    # A unit of it sent back to the supplier.
    debit_note = purchase_return(
        purchase=stocked,
        lines=[PurchaseReturnLineInput(stocked.lines.get(), Decimal(1), reason="Damaged")],
        user=staff_user(),
    )
    # Enough stock besides this purchase's that voiding it is allowed.
    purchase = make_purchase(store=store, supplier=supplier, lines=[(product, 10)])
    sale = make_sale(store=store, customer=customer, lines=[(product, 2)])
    # A unit sold and brought back to the shelf: stock as before.
    returned_sale = make_sale(store=store, customer=customer, lines=[(product, 1)])
    credit_note = sale_return(
        sale=returned_sale,
        lines=[ReturnLineInput(returned_sale.lines.get(), Decimal(1), reason="Wrong size")],
        user=staff_user(),
    )
    other_store = StoreFactory(name="Other store", code="OTHER")

    def transfer(**steps):
        return make_transfer(from_store=store, to_store=other_store, lines=[(product, 1)], **steps)

    def order(**steps):
        return make_order(store=store, supplier=supplier, lines=[(product, 5)], **steps)

    partial_order = order(place=True)
    order_receive(
        order=partial_order,
        user=staff_user(),
        lines=[ReceiptLineInput(order_line=partial_order.lines.get(), quantity=Decimal(2))],
    )
    world = World(
        store, category, supplier, customer, product, purchase, sale, product.unit,
        transfer(dispatch=True), transfer(), transfer(receive=True),
        order(place=True), order(), partial_order, credit_note, debit_note, tax_rate,
        staff_member(), UserFactory(username="former-clerk", role=CLERK, is_active=False),
    )  # fmt: skip
    world.import_run = checked_import(world)
    world.job = JobFactory(finished_with_file=b"sku,name\r\n")
    return world


IMPORT_FILE = "SKU,Name,Category,Supplier\nIMPORTED-1,Imported,{category},{supplier}\n"


def checked_import(world: World) -> ImportRun:
    """A products import of one new product, its dry run done: ready to run."""
    content = IMPORT_FILE.format(category=world.category.name, supplier=world.supplier.name)
    run = make_import(user=staff_user(), kind="products", content=content)
    import_validate(run=run)
    assert run.status == ImportRun.Status.VALIDATED, run.errors
    return run


def staff_member() -> User:
    user = UserFactory(username="staff-clerk", role=CLERK)
    lock_out(user.username)
    return user


def route_url(name: str, world: World) -> str:
    params = swept_routes()[name]
    if not params:
        return reverse(name)
    if params == ("kind",):  # an import's template
        return reverse(name, kwargs={"kind": "products"})
    if params == ("uidb64", "token"):  # a password reset link, made for the staff member
        return password_reset_path(world.staff_member)
    assert params == ("pk",), f"{name}: fill its parameters {params} in route_url()"
    record = getattr(world, RECORD_OF_ROUTE.get(name) or RECORD_OF_NAMESPACE[name.split(":")[0]])
    return reverse(name, kwargs={"pk": record.pk})


def document_post(world: World, party: str) -> dict:
    """A valid new purchase (party "supplier") or sale (party "customer") of one line."""
    return {
        party: getattr(world, party).pk,
        "store": world.store.pk,
        "date": datetime.date.today().isoformat(),
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
        "lines-0-product": world.product.sku,
        "lines-0-quantity": "1",
    }


def product_post(world: World, **changes) -> dict:
    return {
        "sku": "NEW-1",
        "name": "New product",
        "category": world.category.pk,
        "supplier": world.supplier.pk,
        "unit": "pcs",
        "cost_price": "1.00",
        "sale_price": "2.00",
        "reorder_level": "0",
        **changes,
    }


def order_post(world: World) -> dict:
    """A valid draft purchase order of one line."""
    return {**document_post(world, "supplier"), "lines-0-unit_cost": "2.00"}


def transfer_post(world: World) -> dict:
    """A valid draft transfer of one line, from the world's store to another."""
    return {
        "from_store": world.store.pk,
        "to_store": world.transfer.to_store_id,
        "date": datetime.date.today().isoformat(),
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
        "lines-0-product": world.product.sku,
        "lines-0-quantity": "2",
    }


def post_data(name: str, world: World) -> dict:
    """Data with which a POST to ``name`` would succeed for a user allowed to make it."""
    p = world.product
    return {
        "login": {"username": "nobody", "password": "wrong"},
        "set_language": {"language": "es", "next": "/"},
        "admin:login": {"username": "nobody", "password": "wrong"},
        "stores:list": {"name": "New store", "code": "NEW"},
        "stores:detail": {"name": "Renamed store", "code": world.store.code},
        "categories:list": {"name": "New category"},
        "categories:detail": {"name": "Renamed category"},
        "units:list": {"name": "roll", "plural": "rolls", "symbol": "roll", "decimal_places": "0"},
        "units:detail": {
            "name": "piece",
            "plural": "pieces",
            "symbol": "pc",
            "decimal_places": "1",
        },
        "tax_rates:list": {"name": "Reduced 5 %", "percent": "5"},
        "tax_rates:detail": {"name": "VAT 21 %", "percent": "21"},
        "products:list": product_post(world),
        "products:detail": product_post(world, sku=p.sku, name=p.name, sale_price="99.00"),
        "products:adjust": {
            "adjust-store": world.store.pk,
            "adjust-mode": "change",
            "adjust-quantity": "3",
            "adjust-reason": "Found in the back room",
        },
        "suppliers:list": {"name": "New supplier"},
        "suppliers:detail": {"name": "Renamed supplier"},
        "customers:list": {"name": "New customer"},
        "customers:detail": {"name": "Renamed customer"},
        "purchases:create": document_post(world, "supplier"),
        "sales:create": document_post(world, "customer"),
        "purchases:void": {"reason": "Entered twice"},
        "sales:void": {"reason": "Entered twice"},
        "transfers:create": transfer_post(world),
        "transfers:edit": transfer_post(world),
        "transfers:receive": {
            f"receive-received_{line.pk}": str(line.quantity) for line in world.transfer.lines.all()
        },
        "transfers:cancel": {"reason": "Wrong store"},
        "transfers:void": {"reason": "Entered twice"},
        "purchase_orders:create": order_post(world),
        "purchase_orders:edit": order_post(world),
        "purchase_orders:receive": {
            "date": datetime.date.today().isoformat(),
            **{f"quantity_{line.pk}": str(line.quantity) for line in world.order.lines.all()},
        },
        "purchase_orders:cancel": {"reason": "Supplier closed"},
        "purchases:return": {
            "date": datetime.date.today().isoformat(),
            **{f"quantity_{line.pk}": "1" for line in world.purchase.lines.all()},
        },
        "purchase_orders:close-short": {"reason": "The rest is discontinued"},
        "sales:return": {
            "date": datetime.date.today().isoformat(),
            **{f"quantity_{line.pk}": "1" for line in world.sale.lines.all()},
            **{f"restock_{line.pk}": "on" for line in world.sale.lines.all()},
        },
        "products:replenishment": {
            f"store-{world.store.pk}-minimum": "4",
            f"store-{world.store.pk}-maximum": "12",
            f"store-{world.store.pk}-multiple": "2",
        },
        "replenishment:rules-import": {
            "file": SimpleUploadedFile(
                "rules.csv", f"sku,store,minimum,maximum,multiple\n{p.sku},MAIN,1,2,1\n".encode()
            )
        },
        "replenishment:digest": {"subscribe": "on"},
        "password_reset": {"email": "nobody@example.com"},
        "password_reset_confirm": {
            "new_password1": "a-new-Passw0rd-9",
            "new_password2": "a-new-Passw0rd-9",
        },
        "users:create": {
            "username": "new-clerk",
            "first_name": "New",
            "email": "new-clerk@example.com",
            "role": CLERK,
            "stores": [world.store.pk],
        },
        "users:detail": {
            "username": world.staff_member.username,
            "first_name": "Renamed",
            "role": CLERK,
            "all_stores": "on",
        },
        "users:password": {"password": "temporary-Pass-4821"},
        "imports:create": {
            "kind": "products",
            "file": SimpleUploadedFile(
                "products.csv", IMPORT_FILE.format(category="C", supplier="S").encode()
            ),
        },
        "imports:mapping": {
            **{f"column_{field}": header for field, header in world.import_run.mapping.items()},
            "update_existing": "on",
        },
    }.get(name) or (replenish_post(world) if name == "replenishment:drafts" else {})


def replenish_post(world: World) -> dict:
    """Create drafts for the world's other store, low on the product: a transfer from the
    world's store, which holds more than its maximum (see build_world)."""
    [row] = explain(replenishment_needs().filter(product=world.product))
    return {
        "line": row.pk,
        f"action-{row.pk}": "transfer",
        f"transfer-quantity-{row.pk}": str(row.transfer_quantity),
        f"transfer-from-{row.pk}": str(row.transfer_from),
    }


SNAPSHOT_MODELS = [
    Store,
    Category,
    Unit,
    TaxRate,
    Supplier,
    Customer,
    Product,
    StockLevel,
    StockMovement,
    Purchase,
    PurchaseLine,
    Sale,
    SaleLine,
    SaleReturn,
    SaleReturnLine,
    PurchaseReturn,
    PurchaseReturnLine,
    Transfer,
    TransferLine,
    PurchaseOrder,
    PurchaseOrderLine,
    DigestSubscription,
    Group,
    User,
    AccessAttempt,
    ImportRun,
]


def snapshot() -> dict:
    """Every row of the inventory tables (and the role groups' permissions)."""
    rows = {
        model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS
    }
    rows["Group permissions"] = list(
        Group.permissions.through.objects.order_by("pk").values_list("group_id", "permission_id")
    )
    return rows


def role_user(django_user_model, role: str):
    """A user holding only ``role``'s group (``None``: signed in but without a role)."""
    username = f"{role or 'norole'}-user".lower()
    user = django_user_model.objects.create_user(username, password="pw-role-user-123")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


ROLE_GROUPS = {"no role": None, "clerk": CLERK, "manager": MANAGER}


def client_for(role: str, django_user_model) -> Client:
    client = Client()
    if role != "visitor":
        client.force_login(role_user(django_user_model, ROLE_GROUPS[role]))
    return client


class InlineCodeFinder(HTMLParser):
    """Collects what a strict Content Security Policy blocks: inline scripts, styles, handlers."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower() for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self._in_inline_script = True
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in names:
            self.problems.append(f"style attribute on <{tag}>")
        self.problems += [f"{name} handler on <{tag}>" for name in names if name.startswith("on")]
        for name, value in attrs:
            if (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name} of <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def assert_page_is_csp_clean(response):
    """An HTML answer carries the security headers and nothing the policy would block."""
    if not response["Content-Type"].startswith("text/html"):
        return
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert not re.search(r"https?://", policy), policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert inline_code(response.content.decode()) == []


def assert_forbidden_in_layout(response):
    """A 403 rendered as the site's own page, navigation included."""
    assert response.status_code == 403
    assert "403.html" in [template.name for template in response.templates]
    content = response.content.decode()
    assert 'aria-label="Main navigation"' in content
    assert "Not allowed" in content


SWEEP = [
    pytest.param(name, method, role, id=f"{role}-{method}-{name}")
    for name in ROUTES
    for method in ["GET", "POST"]
    for role in ROLES
]


# The table -----------------------------------------------------------------------------------


def test_route_table_classifies_every_url():
    found = set(swept_routes())

    assert not found - set(ROUTES), "classify the new routes in ROUTES"
    assert not set(ROUTES) - found, "ROUTES names routes that no longer exist"


def test_route_table_uses_known_levels_only():
    for name, rules in ROUTES.items():
        for rule in rules:
            assert rule.removesuffix("/405") in LEVELS, (name, rule)


def test_route_walk_sees_path_parameters_and_namespaces():
    routes = swept_routes()

    assert routes["products:adjust"] == ("pk",)
    assert routes["sales:list"] == ()
    assert "admin:index" not in routes and "admin:login" in routes


def test_route_url_fills_every_parameter_with_a_real_record(world):
    assert route_url("sales:void", world) == f"/sales/{world.sale.pk}/void/"
    assert route_url("categories:detail", world) == f"/categories/{world.category.pk}/"
    for name in ROUTES:
        assert "<" not in route_url(name, world), name


# The sweep -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method", "role"), SWEEP)
def test_route_answers_each_kind_of_user_as_the_table_says(
    django_user_model, name, method, role, world
):
    url = route_url(name, world)
    client = client_for(role, django_user_model)
    rule = ROUTES[name][0 if method == "GET" else 1]
    level, takes_method = rule.removesuffix("/405"), not rule.endswith("/405")
    before = snapshot()

    data = post_data(name, world)
    response = client.get(url) if method == "GET" else client.post(url, data)

    status = response.status_code
    if level not in PASSES[role]:
        if role == "visitor":
            assert status == 302, f"{method} {url}: {status}"
            assert response.url == f"{reverse('login')}?next={quote(url)}"
        elif name in JOB_ROUTES:
            assert status == (404 if takes_method else 405), f"{method} {url}: {status}"
        else:
            assert_forbidden_in_layout(response)
        # Refused before anything was looked at, let alone written.
        assert snapshot() == before
    elif not takes_method:
        assert status == 405, f"{method} {url}: {status}"
        assert snapshot() == before
    else:
        assert status in (200, 302), f"{method} {url}: {status}"
        if status == 302 and level != "public" and name != "logout":
            assert not response.url.startswith(reverse("login")), response.url
    assert_page_is_csp_clean(response)


@pytest.mark.parametrize(
    "name", [name for name, (get, post) in ROUTES.items() if post == "manager"]
)
def test_manager_post_to_manager_only_route_changes_something(django_user_model, name, world):
    """The clerk's refusals above are meaningful: the same POST by a manager does its work."""
    client = client_for("manager", django_user_model)
    before = snapshot()

    response = client.post(route_url(name, world), post_data(name, world))

    assert response.status_code == 302, response.content.decode()[:2000]
    if not name.endswith((":delete", ":restore")):  # history blocks deleting; nothing to restore
        assert snapshot() != before


@pytest.mark.parametrize(
    "name", [name for name, (get, post) in ROUTES.items() if post == "clerk" and name != "logout"]
)
def test_clerk_post_to_clerk_route_records_it(django_user_model, name, world):
    client = client_for("clerk", django_user_model)
    before = snapshot()

    response = client.post(route_url(name, world), post_data(name, world))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert snapshot() != before


def test_sweep_reaches_every_html_page_type_as_manager(django_user_model, world):
    """Every GET page a manager can open renders, with the headers and no inline code."""
    client = client_for("manager", django_user_model)
    templates = set()

    for name, (get, _) in ROUTES.items():
        if get.endswith("/405"):
            continue
        response = client.get(route_url(name, world), follow=True)
        assert response.status_code == 200, name
        assert_page_is_csp_clean(response)
        templates |= {template.name for template in response.templates}

    assert {
        "layouts/list.html",
        "layouts/detail.html",
        "layouts/confirm_delete.html",
        "layouts/document_list.html",
        "layouts/document_detail.html",
        "layouts/document_form.html",
        "dashboard/index.html",
        "dashboard/report_stock.html",
        "dashboard/report_sales_by_product.html",
        "registration/password_change_form.html",
        "admin/login.html",
    } <= templates


# Static files and the pages anyone may open -------------------------------------------------


def test_static_file_is_served_to_visitor_without_login(settings):
    # Tests do not run collectstatic, so let WhiteNoise find files the way runserver does.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = Client().get("/static/css/app.css")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


# Without path parameters: a password reset link (password_reset_confirm) is its own test.
@pytest.mark.parametrize(
    "name",
    [name for name, (get, _) in ROUTES.items() if get == "public" and not swept_routes()[name]],
)
def test_public_page_answers_visitor_without_redirect(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200


# Store-scoped staff (accounts.access) -----------------------------------------------------

# The POSTs that record a document in the world's store or act on one of its documents:
# staff of another store are refused them (a 403, or a form error on the store picker).
STORE_BOUND_POSTS = {
    "products:adjust",
    "purchases:create", "purchases:void", "purchases:return",
    "sales:create", "sales:void", "sales:return",
    "transfers:create", "transfers:edit", "transfers:dispatch", "transfers:delete",
    "transfers:receive", "transfers:cancel", "transfers:void",
    "purchase_orders:create", "purchase_orders:edit", "purchase_orders:place",
    "purchase_orders:receive", "purchase_orders:cancel", "purchase_orders:close-short",
    "purchase_orders:delete",
    "replenishment:drafts",
}  # fmt: skip
DOCUMENT_NAMESPACES = ("purchases", "sales", "transfers", "purchase_orders", "returns")


def scoped_user(django_user_model, role: str, *stores):
    user = role_user(django_user_model, ROLE_GROUPS[role])
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"all_stores": False})
    profile.stores.set(stores)
    return user


def test_every_document_post_is_classified_as_store_bound():
    writes = {
        name
        for name, (_, post) in ROUTES.items()
        if name.split(":")[0] in DOCUMENT_NAMESPACES and post in ("clerk", "manager")
    }

    assert writes <= STORE_BOUND_POSTS, "say whether these routes act in a store"


@pytest.mark.parametrize("name", sorted(STORE_BOUND_POSTS))
def test_staff_of_another_store_are_refused_and_nothing_is_written(django_user_model, name, world):
    role = "manager" if ROUTES[name][1] == "manager" else "clerk"
    client = Client()
    client.force_login(scoped_user(django_user_model, role, StoreFactory(name="Third store")))
    before = snapshot()

    response = client.post(route_url(name, world), post_data(name, world))

    if response.status_code == 200:  # a new document: the store picker refuses the store
        assert "Choose one of your stores" in response.content.decode()
    elif name == "products:adjust":  # its form's errors come back as a message
        assert response.status_code == 302
        assert "Choose one of your stores" in str(list(response.wsgi_request._messages))
    else:
        assert_forbidden_in_layout(response)
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(STORE_BOUND_POSTS))
def test_staff_of_the_stores_concerned_do_the_same_post(django_user_model, name, world):
    """The refusals above are the store check: staff of the world's stores succeed."""
    role = "manager" if ROUTES[name][1] == "manager" else "clerk"
    client = Client()
    client.force_login(scoped_user(django_user_model, role, world.store, world.transfer.to_store))
    before = snapshot()

    response = client.post(route_url(name, world), post_data(name, world))

    assert response.status_code == 302, response.content.decode()[:2000]
    if not name.endswith(":delete"):
        assert snapshot() != before
