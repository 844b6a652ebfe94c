"""Costs are need-to-know (products.costs): a Manager sees costs, margins, average cost and
stock value on every page, report, export and JSON answer; a Clerk sees none of them.

One small world with figures that occur nowhere else: 10 units bought at 7.77 (a cost
price of 6.43 on the product), 3 sold at 19.00, 1 of them back on the shelf, 2 on their
way to another store. What a clerk may see (prices 19.00, sales 57.00 and 38.00, the
purchase's 77.70) shares no digits' run with the cost figures below.
"""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from accounts.roles import CLERK, MANAGER
from audit.tests.test_recording import product_form
from people.tests.factories import CustomerFactory, SupplierFactory
from products.tests.factories import ProductFactory
from purchases.tests.factories import make_order, make_purchase
from sales.returns import ReturnLineInput, sale_return
from sales.services import PriceRefused, SaleLineInput, sale_confirm
from sales.tests.factories import make_sale
from transfers.tests.factories import make_transfer

pytestmark = pytest.mark.django_db

D = Decimal

# The figures only costs give, as pages show them (money: two places) and as the CSVs
# carry them (four places for unit costs and values, which start with these).
AVERAGE_COST = "7.77"  # the purchase's unit cost: the average, each sale's and transfer's
COST_PRICE = "6.43"  # the product's cost price field
SALE_COST = "23.31"  # 3 sold × 7.77
SALE_PROFIT = "33.69"  # 57.00 − 23.31, on the sale's page
NET_COST = "15.54"  # 23.31 less the 7.77 back on the shelf; also the 2 in transit × 7.77
NET_PROFIT = "22.46"  # 38.00 − 15.54, net of the return
MARGIN = "59.1%"  # 22.46 / 38.00
STOCK_VALUE = "46.62"  # 6 on hand at Main Street × 7.77
OWNED_VALUE = "62.16"  # with the 2 in transit
COST_FIGURES = [
    AVERAGE_COST,
    COST_PRICE,
    SALE_COST,
    SALE_PROFIT,
    NET_COST,
    NET_PROFIT,
    MARGIN,
    STOCK_VALUE,
    OWNED_VALUE,
]


def role_client(client, django_user_model, role: str):
    user = django_user_model.objects.create_user(role.lower())
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


@pytest.fixture
def world(store, other_store):
    supplier = SupplierFactory(name="Acme Supplies")
    product = ProductFactory(
        sku="GADGET-1",
        name="Gadget",
        supplier=supplier,
        cost_price=D("6.43"),
        sale_price=D("19.00"),
        reorder_level=0,
    )
    purchase = make_purchase(store=store, supplier=supplier, lines=[(product, D("10"), D("7.77"))])
    sale = make_sale(
        store=store, customer=CustomerFactory(name="Jo Buyer"), lines=[(product, D("3"))]
    )
    credit_note = sale_return(
        sale=sale,
        lines=[ReturnLineInput(sale_line=sale.lines.get(), quantity=D("1"), restock=True)],
        user=purchase.created_by,
    )
    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(product, D("2"))], dispatch=True
    )
    order = make_order(store=store, supplier=supplier, lines=[(product, "4", D("7.77"))])
    return {
        "product": product,
        "purchase": purchase,
        "sale": sale,
        "credit_note": credit_note,
        "transfer": transfer,
        "order": order,
        "store": store,
    }


def url_of(name: str, world) -> str:
    """A page or export by its route name; detail pages of the world's records."""
    records = {
        "products:detail": "product",
        "sales:detail": "sale",
        "transfers:detail": "transfer",
        "stores:detail": "store",
    }
    if name in records:
        return reverse(name, args=[world[records[name]].pk])
    if name == "customers:detail":
        return reverse(name, args=[world["sale"].customer_id])
    if name.endswith("?csv"):
        return reverse(name.removesuffix("?csv")) + "?format=csv"
    return reverse(name)


def content_of(response) -> str:
    assert response.status_code == 200, response.status_code
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


# Pages and exports: what the manager sees there, of the cost figures; the clerk sees none.
SHOWN_TO_MANAGERS = {
    "products:detail": [f"${AVERAGE_COST}", COST_PRICE],
    "dashboard:index": [f"${NET_PROFIT}", MARGIN, f"${STOCK_VALUE}", f"${OWNED_VALUE}"],
    "reports:stock": [f"${AVERAGE_COST}", f"${STOCK_VALUE}"],
    "reports:sales-by-product": [f"${NET_COST}", f"${NET_PROFIT}", MARGIN],
    "sales:detail": [f"${AVERAGE_COST}", f"${SALE_PROFIT}"],
    "sales:list": [f"${SALE_PROFIT}"],
    "customers:detail": [f"${SALE_PROFIT}"],
    "returns:list": [f"${AVERAGE_COST}"],
    "transfers:list": [f"${NET_COST}"],
    "transfers:detail": [f"${AVERAGE_COST}", f"${NET_COST}"],
    # CSV exports
    "reports:products-csv": [COST_PRICE, f"{AVERAGE_COST}00"],
    "reports:stock?csv": [f"{AVERAGE_COST}00", f"{STOCK_VALUE}00"],
    "reports:sales-by-product?csv": [f"{NET_COST}00", f"{NET_PROFIT}00"],
    "reports:sale-lines-csv": [f"{AVERAGE_COST}00", SALE_PROFIT],
    "reports:transfer-lines-csv": [f"{AVERAGE_COST}00"],
    "returns:lines-csv": [f"{AVERAGE_COST}00", AVERAGE_COST],
    # Pages and exports that show no cost to anyone: the clerk's must stay so.
    "products:list": [],
    "stores:detail": [],
    "replenishment:list": [],
    "reports:movements-csv": [],
}


@pytest.mark.parametrize("name", SHOWN_TO_MANAGERS)
def test_a_manager_sees_the_costs_a_page_or_export_shows(client, django_user_model, world, name):
    content = content_of(role_client(client, django_user_model, MANAGER).get(url_of(name, world)))

    for figure in SHOWN_TO_MANAGERS[name]:
        assert figure in content, figure


@pytest.mark.parametrize("name", SHOWN_TO_MANAGERS)
def test_a_clerk_sees_no_cost_on_any_page_or_export(client, django_user_model, world, name):
    content = content_of(role_client(client, django_user_model, CLERK).get(url_of(name, world)))

    assert not [figure for figure in COST_FIGURES if figure in content]


def csv_header(response) -> list[str]:
    return next(csv.reader(io.StringIO(content_of(response))))


@pytest.mark.parametrize(
    ("name", "cost_columns"),
    [
        ("reports:products-csv", ["Cost price", "Average cost"]),
        ("reports:stock?csv", ["Average cost", "Value"]),
        ("reports:sales-by-product?csv", ["Cost", "Gross profit"]),
        ("reports:sale-lines-csv", ["Unit cost", "Gross profit"]),
        ("reports:transfer-lines-csv", ["Unit cost"]),
        ("returns:lines-csv", ["Unit cost", "Cost"]),
    ],
)
def test_cost_columns_are_left_out_of_a_clerks_csv_not_blanked(
    client, django_user_model, world, name, cost_columns
):
    url = url_of(name, world)
    manager_header = csv_header(role_client(client, django_user_model, MANAGER).get(url))
    clerk_header = csv_header(role_client(client, django_user_model, CLERK).get(url))

    assert set(cost_columns) <= set(manager_header)
    assert clerk_header == [column for column in manager_header if column not in cost_columns]


def test_a_clerks_csv_rows_line_up_with_its_header(client, django_user_model, world):
    response = role_client(client, django_user_model, CLERK).get(url_of("reports:stock?csv", world))

    rows = list(csv.reader(io.StringIO(content_of(response))))

    assert rows == [
        ["Store", "SKU", "Product", "On hand"],
        ["Main Street", "GADGET-1", "Gadget", "6"],
    ]


@pytest.mark.parametrize("role", [CLERK, MANAGER])
def test_the_product_search_gives_the_cost_price_to_managers_only(
    client, django_user_model, world, role
):
    response = role_client(client, django_user_model, role).get(
        reverse("products:search"), {"q": "gadget"}
    )

    (result,) = json.loads(content_of(response))["results"]
    assert result["sku"] == "GADGET-1" and result["sale_price"] == "19.00"
    if role == MANAGER:
        assert result["cost_price"] == COST_PRICE
    else:
        assert "cost_price" not in result  # left out, not blanked


@pytest.mark.parametrize("sort", ["value", "-value"])
def test_a_clerks_stock_report_ignores_a_sort_by_value(client, django_user_model, world, sort):
    response = role_client(client, django_user_model, CLERK).get(
        reverse("reports:stock"), {"sort": sort}
    )

    assert response.context["current_sort"] == "product"  # the report's default


def test_a_clerks_sales_report_ignores_a_sort_by_profit(client, django_user_model, world):
    url = reverse("reports:sales-by-product")

    clerk = role_client(client, django_user_model, CLERK).get(url, {"sort": "-profit"})

    assert clerk.context["current_sort"] == "-value"  # the report's default
    manager = role_client(client, django_user_model, MANAGER).get(url, {"sort": "-profit"})
    assert manager.context["current_sort"] == "-profit"


@pytest.mark.parametrize("name", ["reports:valuation", "reports:ageing"])
def test_the_valuation_and_ageing_reports_need_the_costs_permission(
    client, django_user_model, world, name
):
    manager = role_client(client, django_user_model, MANAGER)
    assert manager.get(reverse(name)).status_code == 200
    assert manager.get(reverse(name), {"format": "csv"}).status_code == 200

    # A manager's other permissions without this one are not enough.
    manager_group = Group.objects.get(name=MANAGER)
    user = django_user_model.objects.create_user("no-costs")
    user.user_permissions.set(manager_group.permissions.exclude(codename="view_costs"))
    client.force_login(user)
    assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse(name), {"format": "csv"}).status_code == 403


def test_a_clerk_sees_the_purchase_documents_own_costs(client, django_user_model, world):
    # The decision (products.costs): whoever records purchases types their unit costs.
    clerk = role_client(client, django_user_model, CLERK)

    assert f"${AVERAGE_COST}" in content_of(clerk.get(world["purchase"].get_absolute_url()))
    assert f"${AVERAGE_COST}" in content_of(clerk.get(world["order"].get_absolute_url()))
    for name in ["reports:purchase-lines-csv", "reports:purchase-order-lines-csv"]:
        assert AVERAGE_COST in content_of(clerk.get(reverse(name)))


def test_the_dashboards_clerk_keeps_the_units_in_stock(client, django_user_model, world):
    content = content_of(
        role_client(client, django_user_model, CLERK).get(reverse("dashboard:index"))
    )

    assert "Stock by store" in content and "Stock value" not in content
    assert "Gross profit" not in content and 'data-testid="stock-value-total"' not in content


def test_a_product_saved_without_the_costs_permission_keeps_its_cost_price(
    client, django_user_model, world
):
    # Who may change products but not see costs (no role is so) is not shown the field,
    # and saving leaves the stored cost price as it was.
    user = django_user_model.objects.create_user("editor")
    user.user_permissions.set(
        Group.objects.get(name=MANAGER).permissions.exclude(codename="view_costs")
    )
    client.force_login(user)
    product = world["product"]
    page = client.get(product.get_absolute_url())
    assert "cost_price" not in page.context["form"].fields

    data = {
        field.name: value for field in page.context["form"] if (value := field.value()) is not None
    }
    data |= {"name": "Gadget, renamed", "unit": "pcs"}
    assert client.post(product.get_absolute_url(), data).status_code == 302

    product.refresh_from_db()
    assert product.name == "Gadget, renamed" and product.cost_price == D("6.43")


def test_a_sale_below_cost_refused_to_a_clerk_names_the_line_not_its_cost(django_user_model, store):
    clerk = django_user_model.objects.create_user("till")
    clerk.groups.add(Group.objects.get(name=CLERK))
    # Its list price is below what it cost: only a manager may sell it so.
    bargain = ProductFactory(name="Bargain", sale_price=D("5.00"))
    make_purchase(store=store, lines=[(bargain, D("1"), D("7.77"))])

    with pytest.raises(PriceRefused) as refused:
        sale_confirm(
            store=store,
            customer=CustomerFactory(),
            user=clerk,
            lines=[SaleLineInput(product=bargain, quantity=D("1"), unit_price=None)],
        )

    message = str(refused.value)
    assert message.startswith("Below cost, which needs a manager: Bargain: 1")
    assert message.endswith("for $5.00 net, below their cost")
    assert AVERAGE_COST not in message


@pytest.mark.parametrize("route", ["purchases:create", "purchase_orders:create"])
@pytest.mark.parametrize(("role", "prefilled"), [(MANAGER, True), (CLERK, False)])
def test_a_reorder_link_prefills_the_cost_price_for_those_who_see_costs(
    client, django_user_model, world, route, role, prefilled
):
    product = world["product"]
    client = role_client(client, django_user_model, role)

    response = client.get(reverse(route), {"product": product.pk})

    assert response.context["formset"].forms[0].initial.get("unit_cost") == (
        product.cost_price if prefilled else None
    )
    assert ("6.43" in response.content.decode()) is prefilled


# The history (audit): cost fields only for those who see costs.

NEW_COST_PRICE = "8.88"
LATER_COST_PRICE = "9.19"


@pytest.fixture
def cost_history(client, django_user_model):
    """A product whose cost price a manager changed twice, once with its sale price (19.00 →
    21.00) and once alone; and a client of a clerk who may browse the history."""
    product = ProductFactory(name="Gizmo", cost_price=D(COST_PRICE), sale_price=D("19.00"))
    manager = django_user_model.objects.create_user("history-manager")
    manager.groups.add(Group.objects.get(name=MANAGER))
    client.force_login(manager)
    client.post(
        product.get_absolute_url(),
        product_form(product, cost_price=NEW_COST_PRICE, sale_price="21.00"),
    )
    product.refresh_from_db()
    client.post(product.get_absolute_url(), product_form(product, cost_price=LATER_COST_PRICE))
    product.refresh_from_db()
    assert str(product.cost_price) == LATER_COST_PRICE
    clerk = django_user_model.objects.create_user("history-clerk")
    clerk.groups.add(Group.objects.get(name=CLERK))
    clerk.user_permissions.add(Permission.objects.get(codename="browse_history"))
    clerk_client = Client()
    clerk_client.force_login(clerk)
    return {"product": product, "manager": client, "clerk": clerk_client}


def history_changes(rows) -> list[str]:
    return [change.name for row in rows for change in row.changes]


def test_the_history_section_leaves_cost_changes_out_for_a_clerk(cost_history):
    product = cost_history["product"]

    clerk_page = cost_history["clerk"].get(product.get_absolute_url())
    manager_page = cost_history["manager"].get(product.get_absolute_url())

    [clerk_section] = [s for s in clerk_page.context["sections"] if "history" in s]
    [manager_section] = [s for s in manager_page.context["sections"] if "history" in s]
    assert "Cost price" in history_changes(manager_section["history"].rows)
    assert "Cost price" not in history_changes(clerk_section["history"].rows)
    assert "Sale price" in history_changes(clerk_section["history"].rows)
    # The change of the cost price alone is not listed at all.
    assert len(clerk_section["history"].rows) == len(manager_section["history"].rows) - 1
    content = clerk_page.content.decode()
    assert NEW_COST_PRICE not in content and LATER_COST_PRICE not in content
    assert "Cost price:" not in content


def test_the_audit_list_leaves_cost_changes_out_for_a_clerk(cost_history):
    url = reverse("audit:list")

    clerk_list = cost_history["clerk"].get(url, {"model": "products.product"})
    manager_list = cost_history["manager"].get(url, {"model": "products.product"})

    assert "Cost price" in history_changes(manager_list.context["rows"])
    assert "Cost price" not in history_changes(clerk_list.context["rows"])
    content = clerk_list.content.decode()
    assert NEW_COST_PRICE not in content and LATER_COST_PRICE not in content
    assert COST_PRICE not in content  # the created entry's


def test_the_audit_csv_leaves_cost_changes_out_for_a_clerk(cost_history):
    url = reverse("audit:export")

    def fields(client) -> list[str]:
        response = client.get(url, {"model": "products.product"})
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return [line[6] for line in list(csv.reader(io.StringIO(text)))[1:]]

    assert "Cost price" in fields(cost_history["manager"])
    clerk_fields = fields(cost_history["clerk"])
    assert "Cost price" not in clerk_fields and "Sale price" in clerk_fields
