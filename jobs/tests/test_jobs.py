"""Background jobs: they run (through the real database queue too), fail cleanly, report
progress, and hand their files only to their owner and to managers."""

import datetime
import logging
import os
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from jobs import services
from jobs.models import Job
from jobs.services import running_job, start_job
from jobs.tests import tasks
from jobs.tests.factories import JobFactory, UserFactory

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run as they are enqueued, in the test's process (as in development)."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def owner_client(client):
    owner = UserFactory()
    client.force_login(owner)
    client.owner = owner
    return client


def run_worker_once():
    """What ``manage.py db_worker --batch`` does: claim each ready task, run it, then stop."""
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


# Running -------------------------------------------------------------------------------------


def test_start_job_runs_the_task_only_once_the_transaction_commits(
    immediate_tasks, django_capture_on_commit_callbacks
):
    owner = UserFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = start_job(
            owner=owner, kind="test", label="Greeting", task=tasks.write_a_file, args=("hello",)
        )
        # Nothing ran yet: a worker must find the job's row committed.
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total) == (3, 3)
    assert job.started_at <= job.finished_at
    assert job.task_id
    assert job.file_name == "greeting.txt"
    assert job.file.name.startswith("jobs/") and job.file.read() == b"hello"


def test_the_database_queue_and_its_worker_run_a_job(
    monkeypatch, django_capture_on_commit_callbacks
):
    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(
            owner=owner, kind="test", label="Greeting", task=tasks.write_a_file, args=("queued",)
        )
    job.refresh_from_db()
    queued = DBTaskResult.objects.get(pk=job.task_id)
    assert queued.status == "READY" and job.status == Job.Status.QUEUED
    # The worker closes stale connections between tasks; here the connection holds the
    # test's transaction, which must stay open.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    run_worker_once()

    queued.refresh_from_db()
    job.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert job.status == Job.Status.SUCCEEDED
    assert job.file.read() == b"queued"


def test_a_job_that_cannot_be_queued_is_marked_failed(
    immediate_tasks, django_capture_on_commit_callbacks, caplog
):
    owner = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        # A set is no JSON value: the queue refuses the arguments.
        job = start_job(
            owner=owner, kind="test", label="Bad", task=tasks.write_a_file, args=({1, 2},)
        )

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("The job could not be queued")
    assert "could not be queued" in caplog.text


def test_running_job_succeeds_with_an_expiry_after_the_keeping_time(settings):
    settings.JOB_FILES_KEEP = datetime.timedelta(hours=5)
    job = JobFactory()

    with running_job(job.pk) as run:
        assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
        run.set_result_url("/imports/7/")

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.expires_at == job.finished_at + datetime.timedelta(hours=5)
    assert job.result_url == "/imports/7/"


# Failing ------------------------------------------------------------------------------------


def test_a_failing_job_is_marked_failed_logged_and_re_raised(caplog):
    job = JobFactory()

    with caplog.at_level(logging.ERROR, logger="jobs"), pytest.raises(ZeroDivisionError):
        tasks.crash.call(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "ZeroDivisionError: division by zero"
    assert job.finished_at is not None
    record = next(r for r in caplog.records if r.name == "jobs")
    assert f"Job {job.pk}" in record.getMessage()
    assert record.exc_info and record.exc_info[0] is ZeroDivisionError  # the traceback


def test_a_failed_job_leaves_nothing_half_applied(media_root):
    job = JobFactory()

    with pytest.raises(services.JobFailed):
        tasks.write_then_fail.call(job.pk, "Ghost Street")

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "Line 2 names a store that does not exist: Ghost Street."
    # Its database writes rolled back, its file deleted, no work file left behind.
    assert not Group.objects.filter(name="Ghost Street").exists()
    assert not job.file and not job.file_name
    assert not [path for path in Path(media_root).rglob("*") if path.is_file()]


def test_a_failed_job_shows_its_error_to_its_owner(
    owner_client, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(owner=owner_client.owner, kind="test", label="Crash", task=tasks.crash)

    page = owner_client.get(job.get_absolute_url())

    assert page.status_code == 200
    assert "The job failed" in page.content.decode()
    assert "ZeroDivisionError: division by zero" in page.content.decode()
    assert reverse("jobs:download", args=[job.pk]) not in page.content.decode()


# Progress -----------------------------------------------------------------------------------


def test_progress_is_written_at_most_about_once_a_second(monkeypatch):
    job = JobFactory()
    clock = [100.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])

    with running_job(job.pk) as run, CaptureQueriesContext(connection) as queries:
        for done in range(1, 501):
            run.progress(done, 1000)  # 500 calls within the same second
        assert Job.objects.get(pk=job.pk).done == 1  # only the first was written
        clock[0] += 1.5
        run.progress(750, 1000)
        assert (Job.objects.get(pk=job.pk).done, Job.objects.get(pk=job.pk).total) == (750, 1000)

    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2


def test_progress_beyond_the_estimated_total_raises_the_total():
    job = JobFactory()

    with running_job(job.pk) as run:
        run.progress(12, 10)
        assert Job.objects.values_list("done", "total").get(pk=job.pk) == (12, 12)


def test_a_running_job_page_shows_its_progress_and_polls_for_more(owner_client):
    job = JobFactory(owner=owner_client.owner, status=Job.Status.RUNNING, done=250, total=1000)

    page = owner_client.get(job.get_absolute_url()).content.decode()

    assert "250 of 1,000" in page
    assert 'value="250" max="1000"' in page
    assert f'data-job-status-url="{reverse("jobs:status", args=[job.pk])}"' in page
    assert "js/job_progress.js" in page


def test_status_json_gives_the_progress_to_the_owner(owner_client):
    job = JobFactory(owner=owner_client.owner, status=Job.Status.RUNNING, done=250, total=1000)

    response = owner_client.get(reverse("jobs:status", args=[job.pk]))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "status": "running",
        "status_display": "Running",
        "done": 250,
        "total": 1000,
        "percent": 25,
        "finished": False,
    }


def test_a_finished_job_page_stops_polling(owner_client):
    job = JobFactory(owner=owner_client.owner, finished_with_file=b"a,b\r\n")

    page = owner_client.get(job.get_absolute_url()).content.decode()

    assert "data-job-status-url" not in page and "job_progress.js" not in page
    assert reverse("jobs:download", args=[job.pk]) in page


# Who sees and downloads what --------------------------------------------------------------


def test_the_owner_downloads_the_file_as_an_attachment(owner_client):
    job = JobFactory(owner=owner_client.owner, finished_with_file=b"sku,name\r\n")

    response = owner_client.get(reverse("jobs:download", args=[job.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sale-lines-2026-12-04.csv"'
    assert b"".join(response.streaming_content) == b"sku,name\r\n"


def test_a_manager_downloads_anyones_file(client, manager):
    job = JobFactory(finished_with_file=b"sku,name\r\n")
    client.force_login(manager)

    response = client.get(reverse("jobs:download", args=[job.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"sku,name\r\n"


@pytest.mark.parametrize("route", ["jobs:detail", "jobs:status", "jobs:download"])
def test_another_clerk_gets_404_for_someone_elses_job(client, django_user_model, route):
    job = JobFactory(finished_with_file=b"secret")
    clerk = django_user_model.objects.create_user("other-clerk")
    clerk.groups.add(Group.objects.get(name="Clerk"))
    client.force_login(clerk)

    assert client.get(reverse(route, args=[job.pk])).status_code == 404


@pytest.mark.parametrize("route", ["jobs:list", "jobs:detail", "jobs:status", "jobs:download"])
def test_a_visitor_is_sent_to_login(client, route):
    job = JobFactory(finished_with_file=b"secret")
    args = [] if route == "jobs:list" else [job.pk]

    response = client.get(reverse(route, args=args))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_expired_file_is_not_served_and_says_why(owner_client):
    job = JobFactory(owner=owner_client.owner, finished_with_file=b"old")
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    response = owner_client.get(reverse("jobs:download", args=[job.pk]), follow=True)

    assert response.redirect_chain == [(job.get_absolute_url(), 302)]
    page = response.content.decode()
    assert "This job&#x27;s file has expired" in page
    assert 'data-testid="job-expired"' in page
    assert 'data-testid="job-download"' not in page


def test_a_file_deleted_under_the_job_gives_a_message_not_an_error(owner_client):
    job = JobFactory(owner=owner_client.owner, finished_with_file=b"gone")
    job.file.storage.delete(job.file.name)

    response = owner_client.get(reverse("jobs:download", args=[job.pk]), follow=True)

    assert response.status_code == 200
    assert "no longer there" in response.content.decode()


def test_every_signed_in_user_finds_their_jobs_in_the_user_menu(owner_client):
    page = owner_client.get(reverse("password_change")).content.decode()

    user_menu = page.split('data-testid="current-user"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{reverse("jobs:list")}">Jobs</a>' in user_menu


def test_the_list_shows_a_clerk_only_their_own_jobs(owner_client, django_assert_num_queries):
    mine = JobFactory.create_batch(3, owner=owner_client.owner)
    JobFactory.create_batch(2)

    with django_assert_num_queries(6):  # session, user, permissions ×2, count, page
        page = owner_client.get(reverse("jobs:list"))

    assert [job.pk for job in page.context["object_list"]] == [job.pk for job in reversed(mine)]
    assert not page.context["sees_all_jobs"]


def test_the_list_shows_a_manager_everyones_jobs_in_constant_queries(client, manager):
    JobFactory.create_batch(2)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("jobs:list"))
    JobFactory.create_batch(20)

    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("jobs:list"))

    assert len(many) == len(few)
    assert page.context["sees_all_jobs"]
    assert len(page.context["object_list"]) == 22
    assert "job-owner" in page.content.decode()  # the owners are named


# Cleaning up --------------------------------------------------------------------------------


def test_purge_jobs_deletes_expired_files_and_old_jobs_only():
    now = timezone.now()
    fresh = JobFactory(finished_with_file=b"fresh")
    expired = JobFactory(finished_with_file=b"expired")
    old = JobFactory(finished_with_file=b"old")
    Job.objects.filter(pk=expired.pk).update(expires_at=now - datetime.timedelta(hours=1))
    Job.objects.filter(pk=old.pk).update(
        finished_at=now - datetime.timedelta(days=40), expires_at=now - datetime.timedelta(days=39)
    )
    storage = fresh.file.storage
    expired_name, old_name = expired.file.name, old.file.name

    call_command("purge_jobs", keep_days=30)

    expired.refresh_from_db()
    assert storage.exists(fresh.file.name)
    assert not storage.exists(expired_name) and not expired.file
    assert expired.file_name  # its page still says which file expired
    assert not storage.exists(old_name)
    assert not Job.objects.filter(pk=old.pk).exists()


def test_purge_jobs_fails_jobs_a_stopped_worker_left_running_and_says_so(settings, client):
    settings.JOB_RUNNING_LIMIT = datetime.timedelta(hours=6)
    now = timezone.now()
    abandoned = JobFactory(status=Job.Status.RUNNING, started_at=now - datetime.timedelta(hours=7))
    working = JobFactory(status=Job.Status.RUNNING, started_at=now - datetime.timedelta(hours=5))
    queued = JobFactory(created_at=now - datetime.timedelta(hours=9))  # no worker took it yet
    told = []

    def listener(sender, job, **kwargs):
        told.append(job.pk)

    services.job_abandoned.connect(listener)
    try:
        call_command("purge_jobs")
    finally:
        services.job_abandoned.disconnect(listener)

    abandoned.refresh_from_db()
    assert abandoned.status == Job.Status.FAILED
    assert abandoned.error.startswith("Its worker stopped while running it (still unfinished 6")
    assert abandoned.finished_at and abandoned.expires_at > abandoned.finished_at
    assert told == [abandoned.pk]
    assert Job.objects.get(pk=working.pk).status == Job.Status.RUNNING
    assert Job.objects.get(pk=queued.pk).status == Job.Status.QUEUED
    # Its page says what happened, not "running".
    client.force_login(abandoned.owner)
    page = client.get(reverse("jobs:detail", args=[abandoned.pk])).content.decode()
    assert "Its worker stopped" in page


def test_purge_jobs_prunes_the_queues_old_task_results(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(owner=UserFactory(), kind="test", label="Old", task=tasks.write_a_file,
                        args=("x",))  # fmt: skip
    job.refresh_from_db()
    DBTaskResult.objects.filter(pk=job.task_id).update(
        status="SUCCESSFUL", finished_at=timezone.now() - datetime.timedelta(days=31)
    )

    call_command("purge_jobs", keep_days=30)

    assert not DBTaskResult.objects.filter(pk=job.task_id).exists()


def test_purge_jobs_deletes_work_files_a_dead_worker_left():
    abandoned = services.new_work_file(".csv")
    current = services.new_work_file(".csv")
    two_days_ago = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(abandoned, (two_days_ago, two_days_ago))

    call_command("purge_jobs")

    assert not abandoned.exists() and current.exists()


# Several workers -------------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_get_the_same_task():
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite has no row locks: a worker's claim takes the whole database "
            "(BEGIN EXCLUSIVE), so two claims never overlap and there is no race to show."
        )
    owner = UserFactory()
    for text in ("first", "second"):
        start_job(owner=owner, kind="test", label=text, task=tasks.write_a_file, args=(text,))
    both_holding_their_lock = threading.Barrier(2, timeout=30)
    claims, errors = [], []

    def claim(worker_id):
        try:
            with exclusive_transaction():
                # As db_worker's loop: lock the first ready row (skipping locked ones), claim it.
                task_result = DBTaskResult.objects.ready().get_locked()
                task_result.claim(worker_id)
                claims.append(task_result.pk)
                # Hold the row lock until the other worker has claimed too.
                both_holding_their_lock.wait()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=claim, args=(f"worker-{n}",)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert not errors
    assert len(claims) == 2 and claims[0] != claims[1]
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 2


def test_start_job_inside_a_rolled_back_transaction_enqueues_nothing(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        start_job(owner=UserFactory(), kind="test", label="Never", task=tasks.crash)
        raise RuntimeError("the caller failed")

    assert callbacks == []
    assert not Job.objects.exists() and not DBTaskResult.objects.exists()
