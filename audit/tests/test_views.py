"""The history pages: each record's History section, /audit/ with its filters and CSV, and
the admin, none of which can change an entry."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.tests.factories import clerk_user, entries_of, role_user
from audit.tests.test_recording import product_form
from audit.views import CSV_HEADER
from people.tests.factories import CustomerFactory, SupplierFactory
from products.tests.factories import (
    CategoryFactory,
    ProductFactory,
    TaxRateFactory,
    stock_up,
)
from purchases.returns import PurchaseReturnLineInput, purchase_return
from purchases.tests.factories import make_order, make_purchase
from sales.returns import ReturnLineInput, sale_return
from sales.tests.factories import make_sale
from transfers.tests.factories import make_transfer

pytestmark = pytest.mark.django_db

LIST_URL = reverse("audit:list")
EXPORT_URL = reverse("audit:export")
Action = LogEntry.Action


def csv_lines(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


# Each record's page ---------------------------------------------------------------------------


def test_the_product_page_shows_its_history_with_a_link_to_all_of_it(manager_client):
    product = ProductFactory(sale_price=Decimal("10.00"))
    manager_client.post(product.get_absolute_url(), product_form(product, sale_price="12.50"))

    response = manager_client.get(product.get_absolute_url())

    content = response.content.decode()
    assert 'data-testid="history"' in content
    [section] = [s for s in response.context["sections"] if "history" in s]
    latest = section["history"].rows[0]
    assert (latest.who, latest.action) == ("manager", "Changed")
    assert "Sale price:</span>\n    10.00 → 12.50" in content
    link = f"{LIST_URL}?model=products.product&amp;object={product.pk}"
    assert f'href="{link}">All history</a>' in content


def make_documents(store, other_store) -> dict:
    """One of each document whose page shows a History section."""
    product = ProductFactory()
    purchase = make_purchase(store=store, lines=[(product, 10)])
    sale = make_sale(store=store, lines=[(product, 2)])
    return {
        "purchase": purchase,
        "sale": sale,
        "order": make_order(store=store, lines=[(product, 5)], place=True),
        "transfer": make_transfer(from_store=store, to_store=other_store, lines=[(product, 1)]),
        "sale_return": sale_return(
            sale=sale, lines=[ReturnLineInput(sale.lines.get(), Decimal(1))], user=sale.created_by
        ),
        "purchase_return": purchase_return(
            purchase=purchase,
            lines=[PurchaseReturnLineInput(purchase.lines.get(), Decimal(1))],
            user=purchase.created_by,
        ),
    }


def document(name: str):
    return lambda store, other: make_documents(store, other)[name]


RECORDS = {
    "product": lambda store, other: ProductFactory(),
    "category": lambda store, other: CategoryFactory(),
    "unit": lambda store, other: ProductFactory().unit,
    "tax_rate": lambda store, other: TaxRateFactory(),
    "supplier": lambda store, other: SupplierFactory(),
    "customer": lambda store, other: CustomerFactory(),
    "store": lambda store, other: store,
    **{
        name: document(name)
        for name in ["purchase", "sale", "order", "transfer", "sale_return", "purchase_return"]
    },
}


@pytest.mark.parametrize("record", RECORDS)
def test_each_record_page_shows_its_history_to_managers_only(client, store, other_store, record):
    record = RECORDS[record](store, other_store)

    client.force_login(role_user("boss"))
    page = client.get(record.get_absolute_url()).content.decode()
    client.force_login(clerk_user())
    clerk_page = client.get(record.get_absolute_url()).content.decode()

    assert 'data-testid="history"' in page
    assert f"object={record.pk}" in page
    assert 'data-testid="history"' not in clerk_page


def test_a_sale_page_shows_its_void(manager_client, store):
    product = ProductFactory()
    stock_up(product, store, 5)
    sale = make_sale(store=store, lines=[(product, 1)])
    manager_client.post(reverse("sales:void", args=[sale.pk]), {"reason": "Entered twice"})

    response = manager_client.get(sale.get_absolute_url())

    [section] = [s for s in response.context["sections"] if "history" in s]
    void, created = section["history"].rows
    assert (void.action, created.action) == ("Changed", "Created")
    assert ("Void reason", "—", "Entered twice") in [(c.name, c.old, c.new) for c in void.changes]


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def change_product(product, categories, times: int) -> None:
    for number in range(times):
        # Its price and its category: the old categories are named in one query.
        product.sale_price += 1
        product.category = categories[number % len(categories)]
        product.save()


def test_the_history_section_queries_do_not_grow_with_its_entries(manager_client):
    product = ProductFactory()
    categories = CategoryFactory.create_batch(3)
    url = product.get_absolute_url()
    change_product(product, categories, 2)
    page_queries(manager_client, url)  # the content types, read once per process

    few = page_queries(manager_client, url)
    change_product(product, categories, 25)
    many = page_queries(manager_client, url)

    assert few == many


# /audit/ ------------------------------------------------------------------------------------


def test_clerks_and_users_without_a_role_get_403(client, user):
    for person in (clerk_user(), user):
        client.force_login(person)

        assert client.get(LIST_URL).status_code == 403
        assert client.get(EXPORT_URL).status_code == 403
        assert f'href="{LIST_URL}"' not in client.get(reverse("profile")).content.decode()


def test_managers_see_the_nav_link_and_no_route_writes_to_the_history(manager_client):
    assert f'href="{LIST_URL}">History</a>' in manager_client.get(LIST_URL).content.decode()
    entries = LogEntry.objects.count()

    assert manager_client.post(LIST_URL).status_code == 405
    assert manager_client.post(EXPORT_URL).status_code == 405
    assert manager_client.delete(LIST_URL).status_code == 405
    assert LogEntry.objects.count() == entries


@pytest.fixture
def changes(manager, store):
    """A manager's price change and archive of a product, a clerk's new customer, and an
    entry dated two days ago."""
    clerk = clerk_user()
    product = ProductFactory(name="Drill", sale_price=Decimal("10.00"))
    with set_actor(manager):
        product.sale_price = Decimal("12.50")
        product.save()
        product.archive()
    with set_actor(clerk):
        customer = CustomerFactory(name="Dana")
    old_category = CategoryFactory(name="Old")
    LogEntry.objects.filter(object_id=old_category.pk, content_type__model="category").update(
        timestamp=timezone.now() - datetime.timedelta(days=2)
    )
    return {"product": product, "customer": customer, "clerk": clerk, "category": old_category}


def listed(response) -> list[tuple[str, str, str]]:
    return [(row.who, row.action, row.record) for row in response.context["rows"]]


def test_the_list_shows_every_change_newest_first(manager_client, changes):
    rows = listed(manager_client.get(LIST_URL))

    drill = str(changes["product"])
    assert [row for row in rows if row[2] == drill] == [
        ("manager", "Archived", drill),
        ("manager", "Changed", drill),
        ("system", "Created", drill),
    ]
    assert rows.index(("counter-clerk", "Created", "Dana")) < rows.index(
        ("manager", "Archived", drill)
    )


def test_the_list_filters_by_who(manager_client, changes):
    clerk = changes["clerk"]

    rows = listed(manager_client.get(LIST_URL, {"user": clerk.pk}))

    assert rows == [("counter-clerk", "Created", "Dana")]


def test_the_list_filters_by_model_and_record(manager_client, changes):
    product = changes["product"]
    other = ProductFactory()

    by_model = listed(manager_client.get(LIST_URL, {"model": "products.product"}))
    by_record = listed(
        manager_client.get(LIST_URL, {"model": "products.product", "object": product.pk})
    )

    assert {record for _, _, record in by_model} == {str(product), str(other)}
    assert [action for _, action, _ in by_record] == ["Archived", "Changed", "Created"]


def test_the_list_filters_by_action_and_day(manager_client, changes):
    today = timezone.localdate()

    created = listed(manager_client.get(LIST_URL, {"action": Action.CREATE}))
    changed_today = listed(
        manager_client.get(
            LIST_URL,
            {"model": "products.product", "action": Action.UPDATE, "date_from": today},
        )
    )
    two_days_ago = today - datetime.timedelta(days=2)
    that_day = listed(
        manager_client.get(LIST_URL, {"date_from": two_days_ago, "date_to": two_days_ago})
    )

    assert {action for _, action, _ in created} == {"Created"}
    assert [(who, action) for who, action, _ in changed_today] == [
        ("manager", "Archived"),
        ("manager", "Changed"),
    ]
    assert that_day == [("system", "Created", "Old")]


@pytest.mark.parametrize("time_zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_the_first_and_last_days_of_the_calendar_are_no_error(
    manager_client, changes, settings, time_zone
):
    settings.TIME_ZONE = time_zone

    everything = manager_client.get(LIST_URL, {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    nothing = manager_client.get(LIST_URL, {"date_from": "9999-12-31"})

    assert everything.context["paginator"].count == LogEntry.objects.count()
    assert nothing.context["paginator"].count == 0


def test_bad_filter_values_are_ignored(manager_client, changes):
    response = manager_client.get(
        LIST_URL, {"user": "999999", "model": "auth.permission", "object": "x", "action": "9"}
    )

    assert response.status_code == 200
    assert response.context["paginator"].count == LogEntry.objects.count()


def test_the_list_pages_by_50(manager_client):
    CategoryFactory.create_batch(60)

    first = manager_client.get(LIST_URL, {"model": "products.category"})
    second = manager_client.get(LIST_URL, {"model": "products.category", "page": 2})

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 10


# Session, user, permissions (group + user), the count, the page of entries with their
# actors and types, the names of the categories, suppliers and units they refer to (one
# query each), the users of the "who" filter.
LIST_QUERIES = 10


@pytest.mark.parametrize("products", [1, 20])
def test_the_list_runs_the_same_queries_whatever_the_number_of_rows(
    manager_client, django_assert_num_queries, products
):
    for product in ProductFactory.create_batch(products):
        product.sale_price += 1
        product.save()
    manager_client.get(LIST_URL)  # the content types, read once per process

    with django_assert_num_queries(LIST_QUERIES):
        response = manager_client.get(LIST_URL)

    assert len(response.context["rows"]) == min(50, LogEntry.objects.count())
    assert LogEntry.objects.count() > 50 or products == 1


# The CSV ------------------------------------------------------------------------------------


def test_the_csv_has_one_line_per_changed_field_and_honours_the_filters(manager_client, changes):
    product = changes["product"]

    response = manager_client.get(
        EXPORT_URL, {"model": "products.product", "object": product.pk, "action": Action.UPDATE}
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *lines = csv_lines(response)
    assert header == CSV_HEADER
    record = ["Product", str(product), str(product.pk)]
    assert [line[1:] for line in lines] == [
        ["manager", "Archived", *record, "Active", "yes", "no"],
        ["manager", "Changed", *record, "Sale price", "10.00", "12.50"],
    ]
    assert datetime.datetime.fromisoformat(lines[0][0]).date() == timezone.localdate()


def test_the_csv_of_a_creation_lists_the_fields_it_set(manager_client, changes):
    response = manager_client.get(EXPORT_URL, {"user": changes["clerk"].pk})

    _, *lines = csv_lines(response)
    fields = {line[6]: line[8] for line in lines}
    assert {line[2] for line in lines} == {"Created"}
    assert fields["Name"] == "Dana"
    assert "Id" not in fields and "Sales" not in fields


def test_the_csv_streams_in_chunks(manager_client, monkeypatch):
    from core import csv_export

    monkeypatch.setattr(csv_export, "CHUNK_SIZE", 7)
    CategoryFactory.create_batch(20)

    response = manager_client.get(EXPORT_URL, {"model": "products.category"})

    _, *lines = csv_lines(response)
    names = [line[4] for line in lines if line[6] == "Name"]
    assert len(names) == 20 and len(set(names)) == 20


# The admin -----------------------------------------------------------------------------------


@pytest.fixture
def root_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root-123"))
    return client


def test_the_admin_shows_entries_to_superusers_read_only(root_client, changes):
    entry = entries_of(changes["product"])[-1]
    change_url = reverse("admin:auditlog_logentry_change", args=[entry.pk])

    assert root_client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
    page = root_client.get(change_url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert not page.context["has_delete_permission"]
    assert 'name="_save"' not in page.content.decode()


def test_the_admin_refuses_to_add_change_or_delete_entries(root_client, changes):
    entry = entries_of(changes["product"])[-1]
    before = list(LogEntry.objects.values_list("pk", "changes", "actor"))

    added = root_client.get(reverse("admin:auditlog_logentry_add"))
    changed = root_client.post(
        reverse("admin:auditlog_logentry_change", args=[entry.pk]), {"object_repr": "forged"}
    )
    deleted = root_client.post(
        reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    bulk = root_client.post(
        reverse("admin:auditlog_logentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert added.status_code == 403
    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert bulk.status_code in (200, 302)  # no such action: the list again
    assert list(LogEntry.objects.values_list("pk", "changes", "actor")) == before


def test_the_admin_hides_entries_from_staff_who_are_not_superusers(client, changes):
    staff = role_user("staff-manager")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)

    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 403


def test_the_history_and_document_lists_share_one_filter_form(manager_client):
    for url in (LIST_URL, reverse("purchases:list")):
        response = manager_client.get(url)

        assert "includes/filter_form.html" in [template.name for template in response.templates]
        assert '<button type="submit" class="btn btn-sm btn-primary">Apply</button>' in (
            response.content.decode()
        )
