"""The /imports/ pages: upload, map, dry run, run, error file; managers only."""

import csv
import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports.models import ImportMapping, ImportRun
from imports.tests.factories import csv_text, make_import
from products.models import Product
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

GOOD = ["OK-1", "Bolt", "Fasteners", "Acme Tools", "1", "2"]
BAD = ["BAD-1", "", "Fasteners", "Acme Tools", "1", "2"]
HEADER = ["Item code", "Product name", "Group", "Vendor", "Cost", "Price"]


def upload(client, content, kind="products", name="products.csv"):
    if isinstance(content, str):
        content = content.encode()
    return client.post(
        reverse("imports:create"), {"kind": kind, "file": SimpleUploadedFile(name, content)}
    )


def mapping_post(run, **options):
    return {f"column_{name}": header for name, header in run.mapping.items()} | options


def test_upload_map_dry_run_run_and_fix_from_the_error_file(manager_client, catalog):
    response = upload(manager_client, csv_text([HEADER, GOOD, BAD]))
    run = ImportRun.objects.get()
    assert response.url == reverse("imports:mapping", args=[run.pk])
    page = manager_client.get(response.url)
    # Guessed from the headers, shown pre-selected.
    assert page.context["form"]["column_sku"].value() == "Item code"

    response = manager_client.post(response.url, mapping_post(run))
    assert response.url == run.get_absolute_url()
    summary = manager_client.get(response.url)
    assert summary.context["object"].status == "validated"
    assert b'data-testid="count-create">1<' in summary.content
    assert b'data-testid="count-errors">1<' in summary.content
    assert not Product.objects.exists()

    manager_client.post(reverse("imports:run", args=[run.pk]))
    assert list(Product.objects.values_list("sku", flat=True)) == ["OK-1"]

    errors = manager_client.get(reverse("imports:errors", args=[run.pk]))
    rows = list(csv.reader(io.StringIO(errors.content.decode("utf-8-sig"))))
    assert rows[0] == [*HEADER, "error"]
    assert rows[1][:6] == BAD and "Product name: This field is required." in rows[1][6]
    # Fixed and uploaded again: the error column is left out, the columns remembered.
    rows[1][1] = "Nut"
    assert ImportMapping.objects.get(kind="products").mapping["sku"] == "Item code"
    upload(manager_client, csv_text(rows), name="products-errors.csv")
    again = ImportRun.objects.latest("pk")
    manager_client.post(reverse("imports:mapping", args=[again.pk]), mapping_post(again))
    manager_client.post(reverse("imports:run", args=[again.pk]))
    assert Product.objects.get(sku="BAD-1").name == "Nut"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The submitted file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "picture.csv", "not a CSV"),
        (b"SKU,Name\n", "header-only.csv", "no rows below it"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message(manager_client, content, name, message):
    response = upload(manager_client, content, name=name)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_wrong_headers_ask_for_the_missing_columns(manager_client):
    upload(manager_client, "Colour,Size\nred,L\n")
    run = ImportRun.objects.get()

    response = manager_client.post(reverse("imports:mapping", args=[run.pk]), mapping_post(run))

    assert response.status_code == 200
    assert "Choose the column that holds the sku." in response.content.decode()
    assert ImportRun.objects.get().status == "uploaded"


def test_templates_have_the_headers_and_an_example_row(manager_client):
    response = manager_client.get(reverse("imports:template", args=["opening_stock"]))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["SKU", "Store", "Quantity", "Unit cost"]
    assert len(rows) == 2 and rows[1][0]
    assert manager_client.get("/imports/templates/nothing.csv").status_code == 404


def test_a_clerk_is_refused_every_page_and_a_crafted_post(client, clerk, manager, catalog):
    run = make_import(user=manager, kind="products", content=csv_text([HEADER, GOOD]))
    run.status = ImportRun.Status.VALIDATED
    run.save()
    from django.contrib.auth.models import Group

    from accounts.roles import CLERK

    clerk.groups.add(Group.objects.get(name=CLERK))
    client.force_login(clerk)

    assert client.get(reverse("imports:list")).status_code == 403
    assert upload(client, csv_text([HEADER, GOOD])).status_code == 403
    assert client.post(reverse("imports:run", args=[run.pk])).status_code == 403
    assert client.get(reverse("imports:errors", args=[run.pk])).status_code == 403
    assert not Product.objects.exists()
    assert ImportRun.objects.count() == 1


def test_a_run_cannot_be_started_twice(manager_client, manager, catalog):
    run = make_import(user=manager, kind="products", content=csv_text([HEADER, GOOD]))
    manager_client.post(reverse("imports:mapping", args=[run.pk]), mapping_post(run))
    manager_client.post(reverse("imports:run", args=[run.pk]))

    response = manager_client.post(reverse("imports:run", args=[run.pk]), follow=True)

    assert "not ready to run" in response.content.decode()
    assert Product.objects.count() == 1


def test_list_runs_a_constant_number_of_queries(manager_client, manager, catalog):
    make_import(user=manager, kind="products", content=csv_text([HEADER, GOOD]))
    manager_client.get(reverse("imports:list"))  # warm up (session, permissions)
    with CaptureQueriesContext(connection) as one:
        manager_client.get(reverse("imports:list"))
    for _ in range(3):
        make_import(user=manager, kind="suppliers", content="Name\nAcme\n")

    with CaptureQueriesContext(connection) as four:
        response = manager_client.get(reverse("imports:list"))

    assert len(response.context["object_list"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_a_large_file_is_checked_and_run_as_a_background_job(
    manager_client, manager, catalog, monkeypatch, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.IMPORT_IN_BACKGROUND_ROWS = 2
    rows = [[f"OK-{n}", "Bolt", "Fasteners", "Acme Tools", "1", "2"] for n in range(5)]
    run = make_import(user=manager, kind="products", content=csv_text([HEADER, *rows]))

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("imports:mapping", args=[run.pk]), mapping_post(run))
    run.refresh_from_db()
    assert run.job_id and run.status == "validated" and run.to_create == 5
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("imports:run", args=[run.pk]))

    from jobs.models import Job

    run.refresh_from_db()
    assert run.status == "done" and Product.objects.count() == 5
    assert Job.objects.filter(owner=manager, status="succeeded").count() == 2
    assert Job.objects.get(pk=run.job_id).result_url == run.get_absolute_url()


def test_a_job_that_fails_midway_is_marked_failed_and_all_or_nothing_leaves_nothing(
    manager_client, manager, catalog, monkeypatch, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.IMPORT_IN_BACKGROUND_ROWS = 2
    monkeypatch.setattr("imports.services.CHUNK_ROWS", 2)
    rows = [[f"OK-{n}", "Bolt", "Fasteners", "Acme Tools", "1", "2"] for n in range(5)]
    run = make_import(user=manager, kind="products", content=csv_text([HEADER, *rows]))
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("imports:mapping", args=[run.pk]), mapping_post(run, all_or_nothing="on")
        )
    calls = []

    def crash_on_the_third_chunk():
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")

    monkeypatch.setattr(
        "imports.services.RowImporter.flush", lambda self: crash_on_the_third_chunk()
    )

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("imports:run", args=[run.pk]))

    from jobs.models import Job

    run.refresh_from_db()
    assert run.status == "failed" and "disk full" in run.failure
    assert "nothing was imported" in run.failure
    assert Job.objects.get(pk=run.job_id).status == "failed"
    assert not Product.objects.exists()


def test_a_background_check_that_finds_the_file_unreadable_fails_its_job_too(
    manager_client, manager, catalog, monkeypatch, django_capture_on_commit_callbacks, settings
):
    from imports.readers import UnreadableFile
    from jobs.models import Job

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.IMPORT_IN_BACKGROUND_ROWS = 2
    rows = [[f"OK-{n}", "Bolt", "Fasteners", "Acme Tools", "1", "2"] for n in range(5)]
    run = make_import(user=manager, kind="products", content=csv_text([HEADER, *rows]))

    def unreadable(run, **kwargs):
        raise UnreadableFile("The file changed: it cannot be read.")

    monkeypatch.setattr("imports.services._process", unreadable)
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("imports:mapping", args=[run.pk]), mapping_post(run))

    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "failed" and run.failure == "The file changed: it cannot be read."
    assert (job.status, job.error) == ("failed", run.failure)
    assert "The file changed" in manager_client.get(run.get_absolute_url()).content.decode()


def test_a_background_all_or_nothing_run_refused_fails_its_job_with_the_reason(
    manager_client, manager, catalog, django_capture_on_commit_callbacks, settings
):
    from jobs.models import Job

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.IMPORT_IN_BACKGROUND_ROWS = 2
    rows = [[f"OK-{n}", "Bolt", "Fasteners", "Acme Tools", "1", "2"] for n in range(5)]
    run = make_import(user=manager, kind="products", content=csv_text([HEADER, *rows]))
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("imports:mapping", args=[run.pk]), mapping_post(run, all_or_nothing="on")
        )
    run.refresh_from_db()
    assert (run.status, run.error_count) == ("validated", 0)
    # Meanwhile someone adds a product the file also creates: that row is now an error.
    ProductFactory(sku="OK-4")

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("imports:run", args=[run.pk]))

    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "refused"
    assert list(Product.objects.values_list("sku", flat=True)) == ["OK-4"]
    assert job.status == "failed"
    assert job.error == "Nothing was imported: you chose “all or nothing” and 1 row has errors."
    page = manager_client.get(run.get_absolute_url()).content.decode()
    assert "and 1 row has errors" in page


@pytest.mark.parametrize(
    ("status", "all_or_nothing", "left"),
    [
        ("validating", False, "The check stopped (Its worker stopped"),
        ("validating", False, "nothing was imported. Check the file again."),
        ("running", True, "The import stopped (Its worker stopped"),
        ("running", True, "nothing was imported."),
        ("running", False, "the first 500 rows' valid ones were imported"),
    ],
)
def test_an_import_whose_worker_stopped_fails_with_what_it_left(
    manager_client, manager, catalog, settings, status, all_or_nothing, left
):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    from jobs.models import Job
    from jobs.tests.factories import JobFactory

    settings.JOB_RUNNING_LIMIT = datetime.timedelta(hours=6)
    job = JobFactory(
        owner=manager,
        status=Job.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=7),
    )
    run = make_import(user=manager, kind="products", content=csv_text([HEADER]))
    ImportRun.objects.filter(pk=run.pk).update(
        status=status, job_id=job.pk, all_or_nothing=all_or_nothing, rows_done=500
    )

    call_command("purge_jobs")

    run.refresh_from_db()
    assert run.status == "failed"
    assert left in run.failure
    page = manager_client.get(run.get_absolute_url()).content.decode()
    assert left in html.unescape(page)
