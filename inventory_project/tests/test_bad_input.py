"""Bad input into every form and filter: never a server error, never a raw payload on a page,
never a half-written record.

Each form is described once (its URL, a valid submission, and each field's rule);
every field then gets every payload. Whether a payload must be accepted follows
from the field's rule, so the test also fails when a form lets through what it
should refuse (a negative price, a 25-digit quantity) or refuses what is fine
(unicode in a name).
"""

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from core.models import MAX_UNIT_PRICE
from core.text import CODE_PATTERN, INVISIBLE_CATEGORIES, normalise_text
from inventory_project.tests.test_url_sweep import (
    ROUTES,
    World,
    client_for,
    document_post,
    product_post,
    route_url,
    snapshot,
    swept_routes,
)
from people.models import Customer, Supplier
from products.models import Category, Product, TaxRate
from products.tests.factories import ProductFactory
from purchases.models import Purchase
from sales.models import Sale
from stores.models import Store

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "negative": "-5",
    "zero": "0",
    "huge": "123456789012345678901234",
    "over-most-price": "1000000.01",
    "non-numeric": "abc",
    "decimal": "1.5",
    "empty": "",
    "over-long": None,  # each field makes its own: one past its column
    "unicode": "Ünïcødé 店 🚀",
    "script": "<script>alert(1)</script>",
    "img": '"><img src=x onerror=alert(1)>',
    # Text that looks like something else: names refuse it, free text keeps it.
    "zero-width": "\u200b\u200b\u200b",
    "bidi-override": "\u202eevil\u202c gpj.exe",
    "line-break": "two\r\nlines",
}
# What must never reach a page unescaped (compared in lower case: SKUs are upper-cased).
RAW_MARKUP = ["<script>alert", "<img src=x"]


# Field rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    max_length: int | None = None
    required: bool = True

    def over_long(self) -> str:
        return "x" * ((self.max_length or 20_000) + 1)

    def accepts(self, value: str) -> bool:
        if not value.strip():
            return not self.required
        return self.max_length is None or len(value.strip()) <= self.max_length


@dataclass(frozen=True)
class Name(Text):
    """A name people read (core.text.NameField): normalised, no invisible characters."""

    def accepts(self, value: str) -> bool:
        name = normalise_text(value)
        if any(unicodedata.category(char) in INVISIBLE_CATEGORIES for char in name):
            return False
        return super().accepts(name)


@dataclass(frozen=True)
class Code(Name):
    """A code (core.text.CodeField): a name in the code alphabet."""

    def accepts(self, value: str) -> bool:
        return super().accepts(value) and bool(CODE_PATTERN.fullmatch(normalise_text(value)))


@dataclass(frozen=True)
class Integer:
    min_value: int
    max_value: int
    required: bool = True
    nonzero: bool = False

    def over_long(self) -> str:
        return "9" * 300

    def accepts(self, value: str) -> bool:
        if not value:
            return not self.required
        if not re.fullmatch(r"-?\d+", value):
            return False
        number = int(value)
        return self.min_value <= number <= self.max_value and not (self.nonzero and number == 0)


@dataclass(frozen=True)
class Money:
    """A price: a DecimalField(max_digits=12, decimal_places=2) from 0 to MAX_UNIT_PRICE."""

    required: bool = True

    def over_long(self) -> str:
        return "1" * 300

    def accepts(self, value: str) -> bool:
        if not value:
            return not self.required
        try:
            number = Decimal(value)
        except InvalidOperation:
            return False
        places = -number.as_tuple().exponent
        return number.is_finite() and 0 <= number <= MAX_UNIT_PRICE and places <= 2


@dataclass(frozen=True)
class Percent:
    """A tax rate's percentage: a DecimalField(max_digits=5, decimal_places=2) from 0 to 100."""

    def over_long(self) -> str:
        return "1" * 300

    def accepts(self, value: str) -> bool:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return False
        places = -number.as_tuple().exponent
        return number.is_finite() and 0 <= number <= 100 and places <= 2


@dataclass(frozen=True)
class Choice:
    """A picker (a record or a fixed choice): no payload names a valid option."""

    required: bool = True

    def over_long(self) -> str:
        return "1" * 300

    def accepts(self, value: str) -> bool:
        return not value and not self.required


@dataclass(frozen=True)
class Date:
    required: bool = True

    def over_long(self) -> str:
        return "2024-01-01" + "0" * 300

    def accepts(self, value: str) -> bool:
        return not value and not self.required


@dataclass(frozen=True)
class Email:
    def over_long(self) -> str:
        return "a" * 250 + "@example.com"

    def accepts(self, value: str) -> bool:
        return not value


# The forms -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormCase:
    route: str  # POSTed to with the world's record as <pk>
    valid: Callable[[World], dict]  # a submission that succeeds
    fields: dict
    result: Callable[[World], str]  # the page that shows what was saved
    shown: tuple[str, ...] = ()  # text fields the result page shows
    redirects_on_error: bool = False  # POST-only actions: errors come back as a message
    never_accepts: bool = False


def latest_url(model):
    return lambda world: model.objects.latest("pk").get_absolute_url()


def record_url(attribute):
    return lambda world: getattr(world, attribute).get_absolute_url()


STORE_FIELDS = {
    "name": Name(120),
    "code": Code(20),
    "address": Text(required=False),
    "phone": Text(40, required=False),
}
CATEGORY_FIELDS = {
    "name": Name(120),
    "tax_rate": Choice(required=False),
    "description": Text(required=False),
}
TAX_RATE_FIELDS = {"name": Name(60), "percent": Percent()}
PRODUCT_FIELDS = {
    "sku": Code(40),
    "name": Name(200),
    "category": Choice(),
    "supplier": Choice(),
    "unit": Choice(),
    "cost_price": Money(),
    "sale_price": Money(),
    "tax_rate": Choice(required=False),
    "reorder_level": Integer(0, 2_147_483_647),
    "description": Text(required=False),
}
PARTY_FIELDS = {
    "name": Name(200),
    "email": Email(),
    "phone": Text(40, required=False),
    "address": Text(required=False),
    "notes": Text(required=False),
}
SUPPLIER_FIELDS = {**PARTY_FIELDS, "contact_person": Text(200, required=False)}
LINE_FIELDS = {"lines-0-product": Choice(), "lines-0-quantity": Integer(1, 1_000_000)}


def store_valid(world):
    return {"name": "New store", "code": "NEW", "address": "1 Quay St", "phone": "09 555 0100"}


def store_current(world):
    return {**store_valid(world), "name": world.store.name, "code": world.store.code}


def party_valid(world):
    return {
        "name": "New party",
        "email": "party@example.com",
        "phone": "555 0101",
        "address": "2 Quay St",
        "notes": "Pays on time",
        "contact_person": "Ana",
    }


def product_current(world):
    product = world.product
    return product_post(world, sku=product.sku, name=product.name, description="Blue")


def adjust_valid(world):
    return {
        "adjust-store": world.store.pk,
        "adjust-mode": "change",
        "adjust-quantity": "3",
        "adjust-reason": "Stocktake",
    }


def purchase_valid(world):
    return {**document_post(world, "supplier"), "reference": "INV-1", "notes": "Dock 2"}


def sale_valid(world):
    return {**document_post(world, "customer"), "notes": "Paid cash"}


STORE_SHOWN = ("name", "code", "address", "phone")
PARTY_SHOWN = ("name", "phone", "address", "notes", "contact_person")
PRODUCT_SHOWN = ("sku", "name", "description")

FORMS = {
    "store add": FormCase("stores:list", store_valid, STORE_FIELDS, latest_url(Store), STORE_SHOWN),
    "store update": FormCase(
        "stores:detail", store_current, STORE_FIELDS, record_url("store"), STORE_SHOWN
    ),
    "category add": FormCase(
        "categories:list",
        lambda world: {"name": "New category", "description": "Bolts"},
        CATEGORY_FIELDS,
        latest_url(Category),
        ("name", "description"),
    ),
    "category update": FormCase(
        "categories:detail",
        lambda world: {"name": world.category.name, "description": "Bolts"},
        CATEGORY_FIELDS,
        record_url("category"),
        ("name", "description"),
    ),
    "tax rate add": FormCase(
        "tax_rates:list",
        lambda world: {"name": "Reduced 5 %", "percent": "5"},
        TAX_RATE_FIELDS,
        latest_url(TaxRate),
        ("name",),
    ),
    "tax rate update": FormCase(
        "tax_rates:detail",
        lambda world: {"name": world.tax_rate.name, "percent": "21"},
        TAX_RATE_FIELDS,
        record_url("tax_rate"),
        ("name",),
    ),
    "product add": FormCase(
        "products:list",
        lambda world: product_post(world, description="Blue"),
        PRODUCT_FIELDS,
        latest_url(Product),
        PRODUCT_SHOWN,
    ),
    "product update": FormCase(
        "products:detail", product_current, PRODUCT_FIELDS, record_url("product"), PRODUCT_SHOWN
    ),
    "supplier add": FormCase(
        "suppliers:list", party_valid, SUPPLIER_FIELDS, latest_url(Supplier), PARTY_SHOWN
    ),
    "supplier update": FormCase(
        "suppliers:detail", party_valid, SUPPLIER_FIELDS, record_url("supplier"), PARTY_SHOWN
    ),
    "customer add": FormCase(
        "customers:list", party_valid, PARTY_FIELDS, latest_url(Customer), PARTY_SHOWN
    ),
    "customer update": FormCase(
        "customers:detail", party_valid, PARTY_FIELDS, record_url("customer"), PARTY_SHOWN
    ),
    "new purchase": FormCase(
        "purchases:create",
        purchase_valid,
        {
            "supplier": Choice(),
            "store": Choice(),
            "reference": Text(60, required=False),
            "date": Date(),
            "notes": Text(required=False),
            **LINE_FIELDS,
            "lines-0-unit_cost": Money(required=False),
        },
        latest_url(Purchase),
        ("reference", "notes"),
    ),
    "new sale": FormCase(
        "sales:create",
        sale_valid,
        {
            "customer": Choice(),
            "store": Choice(),
            "date": Date(),
            "notes": Text(required=False),
            **LINE_FIELDS,
            "lines-0-unit_price": Money(required=False),
        },
        latest_url(Sale),
        ("notes",),
    ),
    "stock adjustment": FormCase(
        "products:adjust",
        adjust_valid,
        {
            "adjust-store": Choice(),
            "adjust-mode": Choice(),
            "adjust-quantity": Integer(-1_000_000, 1_000_000, nonzero=True),
            "adjust-reason": Text(255),
        },
        record_url("product"),
        ("adjust-reason",),
        redirects_on_error=True,
    ),
    "void purchase": FormCase(
        "purchases:void",
        lambda world: {"reason": "Entered twice"},
        {"reason": Text(255)},
        record_url("purchase"),
        ("reason",),
        redirects_on_error=True,
    ),
    "void sale": FormCase(
        "sales:void",
        lambda world: {"reason": "Entered twice"},
        {"reason": Text(255)},
        record_url("sale"),
        ("reason",),
        redirects_on_error=True,
    ),
    "login": FormCase(
        "login",
        lambda world: {"username": "nobody", "password": "wrong-password"},
        {"username": Text(150), "password": Text()},
        lambda world: reverse("login"),
        never_accepts=True,
    ),
}

FORM_FIELDS = [
    pytest.param(form, name, id=f"{form}-{name}")
    for form, case in FORMS.items()
    for name in case.fields
]


def page_text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def assert_no_raw_markup(response) -> str:
    text = page_text(response)
    for raw in RAW_MARKUP:
        assert raw not in text.lower(), f"unescaped {raw!r} on the page"
    return text


def form_client(case: FormCase, django_user_model) -> Client:
    return Client() if case.never_accepts else client_for("manager", django_user_model)


def each_payload(client: Client, check, payloads=PAYLOADS) -> dict[str, str]:
    """Run ``check(payload)`` for each payload, each in a transaction rolled back afterwards.

    Returns what went wrong per payload (a failed assertion or a server error),
    so one run reports every payload a field mishandles.
    """
    problems = {}
    for payload in payloads:
        with transaction.atomic():
            try:
                check(payload)
            except Exception as error:  # a server error is a finding too
                problems[payload] = f"{type(error).__name__}: {error}"[:500]
            transaction.set_rollback(True)
        client.cookies.pop("messages", None)  # no message left over for the next payload
    return problems


@pytest.mark.parametrize(
    "form_name", [name for name, case in FORMS.items() if not case.never_accepts]
)
def test_form_valid_submission_is_saved(django_user_model, form_name, world):
    """The control: each form's base submission works, so a refusal below is the payload's."""
    case = FORMS[form_name]
    client = form_client(case, django_user_model)
    before = snapshot()

    response = client.post(route_url(case.route, world), case.valid(world))

    assert response.status_code == 302
    assert snapshot() != before
    assert "alert-danger" not in client.get(case.result(world)).content.decode()


@pytest.mark.parametrize(("form_name", "field_name"), FORM_FIELDS)
def test_form_field_refuses_bad_input_or_saves_it_safely(
    django_user_model, form_name, field_name, world
):
    case = FORMS[form_name]
    rule = case.fields[field_name]
    client = form_client(case, django_user_model)
    url = route_url(case.route, world)

    def check(payload):
        value = rule.over_long() if payload == "over-long" else PAYLOADS[payload]
        before = snapshot()

        response = client.post(url, {**case.valid(world), field_name: value})

        content = assert_no_raw_markup(response)
        accepted = snapshot() != before
        should_accept = rule.accepts(value) and not case.never_accepts
        assert accepted == should_accept, "accepted" if accepted else "refused"
        if accepted:
            assert response.status_code == 302
            shown = assert_no_raw_markup(client.get(case.result(world)))
            if field_name in case.shown and value.strip():
                # Line by line: a page shows free text's line breaks as breaks.
                for line in value.strip().splitlines():
                    assert html.escape(line).lower() in shown.lower(), "not shown"
            return
        if case.redirects_on_error:
            assert response.status_code == 302
            content = page_text(client.get(response.url))
            assert "alert-danger" in content, "no error message"
        else:
            assert response.status_code == 200
            assert "is-invalid" in content or "alert-danger" in content, "no error shown"
        limit = getattr(rule, "max_length", None)
        if payload == "over-long" and limit and not case.never_accepts:
            # A form error, not the database refusing a value too long for its column.
            assert f"at most {limit} characters" in content or f"{limit} characters or" in content

    assert each_payload(client, check) == {}


# Filters and other query strings ------------------------------------------------------------

FILTER_PAYLOADS = {
    **{name: value for name, value in PAYLOADS.items() if value is not None},
    "over-long": "x" * 2000,
    "huge-negative": "-123456789012345678901234",
    "first-date": "0001-01-01",
    "last-date": "9999-12-31",
    "past-last-date": "10000-01-01",
    "list": "1,2",
    "null-byte": "a\x00b",
}

CUSTOM_PERIOD = {"period": "custom", "start": "2024-01-01", "end": "2024-12-31"}
# route: (query-string fields, the rest of a valid query)
FILTERS = {
    "stores:list": (["q", "status", "sort", "page"], {}),
    "categories:list": (["q", "status", "sort", "page"], {}),
    "tax_rates:list": (["q", "status", "sort", "page"], {}),
    "suppliers:list": (["q", "status", "sort", "page"], {}),
    "customers:list": (["q", "status", "sort", "page"], {}),
    "products:list": (
        ["q", "status", "category", "supplier", "below_reorder", "needs_reorder", "sort", "page"],
        {},
    ),
    "purchases:list": (["supplier", "store", "date_from", "date_to", "status", "page"], {}),
    "sales:list": (["customer", "store", "date_from", "date_to", "status", "page"], {}),
    "returns:list": (["q", "customer", "store", "date_from", "date_to", "page"], {}),
    "dashboard:index": (["period", "start", "end"], CUSTOM_PERIOD),
    "reports:stock": (["q", "store", "sort", "page", "format"], {}),
    "reports:valuation": (["as_of", "q", "store", "category", "sort", "page", "format"], {}),
    "reports:ageing": (
        ["dead_days", "q", "store", "category", "dead", "sort", "page", "format"],
        {},
    ),
    "reports:sales-by-product": (
        ["q", "store", "sort", "page", "format", "period", "start", "end"],
        CUSTOM_PERIOD,
    ),
    "reports:products-csv": (
        ["q", "status", "category", "supplier", "below_reorder", "needs_reorder", "sort"],
        {},
    ),
    "reports:purchase-lines-csv": (["supplier", "store", "date_from", "date_to", "status"], {}),
    "reports:sale-lines-csv": (["customer", "store", "date_from", "date_to", "status"], {}),
    "returns:lines-csv": (["q", "customer", "store", "date_from", "date_to"], {}),
    "reports:movements-csv": (["product", "store", "kind", "date_from", "date_to"], {}),
    "products:detail": (["page"], {}),
    "stores:detail": (["page"], {}),
    "purchases:create": (["product"], {}),
    "audit:list": (["user", "model", "object", "date_from", "date_to", "action", "page"], {}),
    "audit:export": (["user", "model", "object", "date_from", "date_to", "action"], {}),
}
FILTER_FIELDS = [
    pytest.param(route, name, id=f"{route}-{name}")
    for route, (names, _) in FILTERS.items()
    for name in names
]


@pytest.mark.parametrize(("route", "field_name"), FILTER_FIELDS)
def test_query_string_bad_value_still_shows_the_page(django_user_model, route, field_name, world):
    client = client_for("manager", django_user_model)
    url = route_url(route, world)
    _, rest = FILTERS[route]
    before = snapshot()

    def check(payload):
        response = client.get(url, {**rest, field_name: FILTER_PAYLOADS[payload]})

        assert response.status_code == 200, response.status_code
        assert_no_raw_markup(response)

    assert each_payload(client, check, FILTER_PAYLOADS) == {}
    assert snapshot() == before


def test_query_string_payload_is_echoed_escaped_in_the_search_box(django_user_model):
    client = client_for("manager", django_user_model)
    payload = PAYLOADS["img"]

    response = client.get(reverse("products:list"), {"q": payload})

    assert html.escape(payload) in response.content.decode()


@pytest.mark.parametrize(
    "route", ["products:list", "customers:list", "stores:list", "users:list", "reports:stock"]
)
def test_a_search_longer_than_the_box_allows_lists_nothing_and_says_why(
    django_user_model, route, world
):
    client = client_for("manager", django_user_model)
    listed = client.get(reverse(route))
    assert listed.context["filter_form"].search_refused is False

    response = client.get(reverse(route), {"q": "drill " * 30})

    assert response.status_code == 200
    assert "A search can be at most 100 characters: shorten it." in response.content.decode()
    rows = response.context.get("object_list", response.context.get("rows"))
    assert rows is not None and len(rows) == 0


@pytest.mark.parametrize("time_zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_query_string_first_and_last_date_cover_everything(
    django_user_model, settings, time_zone, world
):
    """Day one east of Greenwich and the last day anywhere are no server error."""
    settings.TIME_ZONE = time_zone
    client = client_for("manager", django_user_model)
    everything = {"date_from": "0001-01-01", "date_to": "9999-12-31"}

    movements = page_text(client.get(reverse("reports:movements-csv"), everything))
    sale_lines = page_text(client.get(reverse("reports:sale-lines-csv"), everything))
    purchases = client.get(reverse("purchases:list"), everything)
    sales = client.get(reverse("sales:list"), everything)

    # heading, three purchases (one a receipt against an order), a unit of the first sent
    # back to the supplier, two sales, a unit back on the shelf from the second, and the
    # transfers' departures (2) and arrival
    assert len(movements.strip().splitlines()) == 1 + 7 + 3
    assert len(sale_lines.strip().splitlines()) == 1 + 2
    assert purchases.context["paginator"].count == 3
    assert sales.context["paginator"].count == 2


# Path parameters ----------------------------------------------------------------------------

PK_ROUTES = [name for name, params in swept_routes().items() if params == ("pk",)]


@pytest.mark.parametrize("pk", ["0", "123456789012345678901234"])
def test_path_with_missing_or_huge_id_is_not_found(django_user_model, pk, world):
    client = client_for("manager", django_user_model)

    def check(name):
        method = client.post if ROUTES[name][0].endswith("/405") else client.get
        response = method(reverse(name, kwargs={"pk": pk}))

        assert response.status_code == 404, response.status_code
        assert "404.html" in [template.name for template in response.templates]

    # 7 record types x 4, adjust, replenishment rules, 2 document types x 2, transfers' detail,
    # edit, slip and 5 steps, purchase orders' detail, edit, print, PDF and 5 steps, a sale's
    # return, receipt and receipt PDF, and customer returns' detail, print and PDF, a
    # purchase's return to its supplier, and debit notes' detail, print and PDF, and a
    # user's page, deactivate, reactivate, password, reset link and unlock, and an import's
    # page, columns, run and error file, and a job's page, status and download
    assert len(PK_ROUTES) == 74
    assert each_payload(client, check, PK_ROUTES) == {}


# Nothing half-written -----------------------------------------------------------------------


def two_lines(world, party, second: dict) -> dict:
    data = {**document_post(world, party), "lines-TOTAL_FORMS": "2"}
    return data | {f"lines-1-{name}": value for name, value in second.items()}


@pytest.mark.parametrize("party", ["supplier", "customer"])
@pytest.mark.parametrize(
    "second_line",
    [
        {"product": "", "quantity": "3"},
        {"quantity": "-1"},
        {"quantity": "123456789012345678901234"},
        {"quantity": "2.5"},
        {"unit_cost": "-1.00", "unit_price": "-1.00"},
        {"unit_cost": "1" * 20, "unit_price": "1" * 20},
        {"product": "<script>alert(1)</script>"},
    ],
    ids=["no product", "negative", "huge", "decimal", "negative price", "huge price", "script"],
)
def test_document_with_one_bad_line_writes_nothing(django_user_model, party, second_line, world):
    client = client_for("manager", django_user_model)
    second = {"product": world.product.pk, "quantity": "1", **second_line}
    route = "purchases:create" if party == "supplier" else "sales:create"
    before = snapshot()

    response = client.post(reverse(route), two_lines(world, party, second))

    assert response.status_code == 200
    assert_no_raw_markup(response)
    assert "is-invalid" in response.content.decode()
    assert snapshot() == before


def test_sale_with_second_line_short_of_stock_writes_nothing(django_user_model, world):
    unstocked = ProductFactory(category=world.category, supplier=world.supplier)
    client = client_for("manager", django_user_model)
    before = snapshot()

    response = client.post(
        reverse("sales:create"),
        two_lines(world, "customer", {"product": unstocked.pk, "quantity": "1"}),
    )

    assert response.status_code == 200
    assert "Not enough stock: nothing was saved" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    "management_field", ["TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"]
)
def test_document_formset_tampered_management_form_is_safe(
    django_user_model, management_field, world
):
    """Either the one filled line is recorded, once, or nothing is written; never a 500."""
    client = client_for("manager", django_user_model)
    payloads = {name: value for name, value in PAYLOADS.items() if value is not None}

    def check(payload):
        before = snapshot()
        purchases = Purchase.objects.count()
        data = {**document_post(world, "supplier"), f"lines-{management_field}": PAYLOADS[payload]}

        response = client.post(reverse("purchases:create"), data)

        assert_no_raw_markup(response)
        if response.status_code == 302:
            assert Purchase.objects.count() == purchases + 1
            assert Purchase.objects.latest("pk").lines.count() == 1
        else:
            assert response.status_code == 200
            assert snapshot() == before

    assert each_payload(client, check, payloads) == {}


@pytest.mark.parametrize("party", ["supplier", "customer"])
def test_document_claiming_too_many_lines_is_refused_at_the_cost_of_a_normal_post(
    django_user_model, party, world
):
    client = client_for("manager", django_user_model)
    route = reverse("purchases:create" if party == "supplier" else "sales:create")
    before = snapshot()
    # A normal post refused for one bad field, and the "formset bomb": 200 bytes
    # claiming 100,000 lines, for which Django alone would build 1,100 forms.
    normal = client.post(route, {**document_post(world, party), "lines-0-quantity": "abc"})

    bomb = client.post(route, {**document_post(world, party), "lines-TOTAL_FORMS": "100000"})

    assert bomb.status_code == 200
    assert "A document can have at most 100 lines." in bomb.content.decode()
    assert len(bomb.context["formset"].forms) == 0
    assert len(bomb.content) < 1.2 * len(normal.content)
    assert snapshot() == before


def test_purchase_of_exactly_the_most_lines_allowed_is_recorded(django_user_model, world):
    client = client_for("manager", django_user_model)
    data = {**document_post(world, "supplier"), "lines-TOTAL_FORMS": "100"}
    data |= {f"lines-{n}-product": world.product.sku for n in range(100)}
    data |= {f"lines-{n}-quantity": "1" for n in range(100)}
    purchases = Purchase.objects.count()

    response = client.post(reverse("purchases:create"), data)

    assert response.status_code == 302
    assert Purchase.objects.count() == purchases + 1
    assert Purchase.objects.latest("pk").lines.count() == 100


def test_a_document_a_few_lines_over_the_most_comes_back_with_its_lines(django_user_model, world):
    client = client_for("manager", django_user_model)
    data = {**document_post(world, "supplier"), "lines-TOTAL_FORMS": "101"}
    data |= {f"lines-{n}-product": world.product.sku for n in range(101)}
    data |= {f"lines-{n}-quantity": "1" for n in range(101)}
    before = snapshot()

    response = client.post(reverse("purchases:create"), data)

    assert response.status_code == 200
    assert "A document can have at most 100 lines." in response.content.decode()
    assert len(response.context["formset"].forms) == 101  # what was typed is kept
    assert snapshot() == before
