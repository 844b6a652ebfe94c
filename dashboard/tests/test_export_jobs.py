"""Big CSV exports run as background jobs: the same file the stream gives, the same
columns the user may see, progress along the way, and a job page to wait on."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.http import StreamingHttpResponse
from django.urls import reverse
from django_tasks_db.management.commands import db_worker

from accounts.roles import CLERK
from accounts.tests.factories import UserFactory
from jobs.models import Job
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

SALES_CSV = reverse("reports:sale-lines-csv")
MOVEMENTS_CSV = reverse("reports:movements-csv")
PRODUCTS_CSV = reverse("reports:products-csv")
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def sales():
    """Four sale lines in two stores, two in each, costs known."""
    north, south = StoreFactory(name="North"), StoreFactory(name="South")
    bolt = ProductFactory(name="Bolt", sale_price=Decimal("2.50"))
    nut = ProductFactory(name="Nut", sale_price=Decimal("0.40"))
    receive(bolt, north, 10, Decimal("1.00"))
    receive(nut, north, 10, Decimal("0.10"))
    receive(nut, south, 10, Decimal("0.12"))
    receive(bolt, south, 10, Decimal("1.10"))
    make_sale(store=north, lines=[(bolt, 2), (nut, 1)])
    make_sale(store=south, lines=[(nut, 3), (bolt, 1)])
    return north, south


@pytest.fixture
def clerk_client(client):
    client.force_login(UserFactory(role=CLERK))
    return client


def streamed(client, url, query) -> bytes:
    response = client.get(url, query)
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def exported_as_job(client, url, query, settings, capture) -> Job:
    """Ask for the export with the background threshold at 1 row; run its job."""
    settings.EXPORT_IN_BACKGROUND_ROWS = 1
    with capture(execute=True):
        response = client.get(url, query)
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    ("url", "query"),
    [(SALES_CSV, {}), (SALES_CSV, {"store": "south"}), (MOVEMENTS_CSV, {}), (PRODUCTS_CSV, {})],
)
def test_a_big_export_becomes_a_job_whose_file_is_what_streaming_gives(
    manager_client, sales, settings, immediate_tasks, django_capture_on_commit_callbacks, url, query
):
    if query.get("store") == "south":
        query = {"store": sales[1].pk}
    expected = streamed(manager_client, url, query)

    job = exported_as_job(manager_client, url, query, settings, django_capture_on_commit_callbacks)

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.file.read() == expected
    assert job.file_name.endswith(".csv") and job.file_name.startswith(url.rsplit("/", 1)[1][:5])
    rows = expected.count(b"\r\n") - 1
    assert (job.done, job.total) == (rows, rows)


def test_a_big_sale_lines_export_leaves_costs_out_for_a_clerk(
    clerk_client, sales, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    job = exported_as_job(clerk_client, SALES_CSV, {}, settings, django_capture_on_commit_callbacks)

    rows = list(csv.reader(io.StringIO(job.file.read().decode("utf-8-sig"))))
    header = rows[0]
    assert "Unit cost" not in header and "Gross profit" not in header
    assert "Net" in header and "Unit" in header
    assert {len(row) for row in rows} == {len(header)}  # left out, not blanked


def test_the_export_job_page_shows_progress_then_the_download(
    manager_client, sales, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.EXPORT_IN_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.get(SALES_CSV, follow=True)
    # The page the redirect landed on was drawn before the task ran (after the commit).
    assert "prepared in the background" in response.content.decode()
    job = Job.objects.get()

    page = manager_client.get(job.get_absolute_url()).content.decode()
    download = manager_client.get(reverse("jobs:download", args=[job.pk]))

    assert "Sale lines CSV" in page and "Download" in page
    assert download.status_code == 200
    assert b"".join(download.streaming_content).count(b"\r\n") == 5  # header and 4 lines


def test_a_small_export_still_streams(manager_client, sales, settings):
    settings.EXPORT_IN_BACKGROUND_ROWS = 4  # exactly the 4 sale lines: not above it

    response = manager_client.get(SALES_CSV)

    assert isinstance(response, StreamingHttpResponse)
    assert not Job.objects.exists()


def test_the_unit_column_names_the_unit(manager_client, sales):
    content = streamed(manager_client, SALES_CSV, {})

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    unit = rows[0].index("Unit")
    assert {row[unit] for row in rows[1:]} == {"piece"}


def test_an_owner_who_lost_the_permission_gets_a_failed_job(
    clerk_client, sales, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.EXPORT_IN_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        clerk_client.get(SALES_CSV)
    job = Job.objects.get()
    job.owner.groups.remove(Group.objects.get(name=CLERK))

    for callback in callbacks:
        callback()

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "You may no longer run this export."
    assert not job.file


def test_the_database_worker_runs_an_export_job(
    manager_client, sales, settings, monkeypatch, django_capture_on_commit_callbacks
):
    expected = streamed(manager_client, MOVEMENTS_CSV, {})
    settings.EXPORT_IN_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.get(MOVEMENTS_CSV)
    job = Job.objects.get()
    assert job.status == Job.Status.QUEUED  # waiting in the queue table for a worker
    # The worker closes stale connections between tasks; here that one holds the test's
    # transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.file.read() == expected
