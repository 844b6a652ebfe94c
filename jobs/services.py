"""Starting jobs and running them: the two calls every long piece of work goes through.

A job's task is a ``django.tasks`` task whose first argument is the job's id::

    @task
    def export_sale_lines(job_id: int, query_string: str) -> None:
        with running_job(job_id) as run:
            ...
            run.progress(done, total)
            run.attach_file("sale-lines.csv", path)

    job = start_job(owner=user, kind="export:sale-lines", label="Sale lines CSV",
                    task=export_sale_lines, args=(query_string,))

A task that writes to the database makes its writes in one ``transaction.atomic``
block *inside* ``running_job`` so a failure leaves nothing half-applied: the
block rolls back before ``running_job`` marks the job failed. Progress written
inside that block is only seen by others when it commits, so report progress
from the work done before it (reading, checking) where it matters.
"""

import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import Job

logger = logging.getLogger("jobs")

# Progress is written at most this often (seconds): a job reporting every row
# must not turn into one UPDATE per row.
PROGRESS_WRITE_INTERVAL = 1.0
# The error the owner sees is cut to this many characters; the log has it all.
ERROR_MAX_CHARS = 2000


class JobFailed(Exception):
    """A failure the task explains to the user in its own words (the message is shown as is)."""


def start_job(*, owner, kind: str, label: str, task, args=(), result_url: str = "") -> Job:
    """Create the Job row and enqueue ``task`` once the transaction commits.

    ``task`` is a django.tasks task whose first argument is the job's id, then ``args``
    (JSON values: the queue stores them as JSON).
    """
    job = Job.objects.create(owner=owner, kind=kind, label=label, result_url=result_url)
    # After the commit: a worker on another connection must find the Job row (and
    # whatever the caller wrote with it) when it picks the task up.
    transaction.on_commit(lambda: _enqueue(job.pk, task, tuple(args)))
    return job


def _enqueue(job_id: int, task, args: tuple) -> None:
    try:
        task_result = task.enqueue(job_id, *args)
    except Exception as error:
        # The queue refused the task (a database error, arguments that are not JSON):
        # the job would stay "queued" for ever, so say it failed.
        logger.exception("Job %s could not be queued", job_id)
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.FAILED,
            error=_("The job could not be queued: %(error)s") % {"error": readable_error(error)},
            finished_at=timezone.now(),
        )
        return
    # With the immediate backend (development, tests) the task has already run here.
    Job.objects.filter(pk=job_id).update(task_id=str(task_result.id))


def readable_error(error: BaseException) -> str:
    """What the owner is told about ``error``: its message, or its kind when it has none."""
    if isinstance(error, ValidationError):
        text = " ".join(error.messages)
    elif isinstance(error, JobFailed):
        text = str(error)
    else:
        message = str(error)
        name = type(error).__name__
        text = f"{name}: {message}" if message else name
    return text[:ERROR_MAX_CHARS]


class _FileOnDisk(File):
    """A file FileSystemStorage moves into place rather than copies (as an upload's temp file)."""

    def temporary_file_path(self) -> str:
        return self.name


class JobRun:
    """The running job's handle: report progress, hand over the finished file or result page."""

    def __init__(self, job: Job):
        self.job = job
        self._last_write = 0.0

    @property
    def job_id(self) -> int:
        return self.job.pk

    def progress(self, done: int, total: int | None = None) -> None:
        """Record that ``done`` of ``total`` are done (written about once a second at most)."""
        if total is not None:
            # An estimate that the work outgrew must not break the done <= total check.
            self.job.total = max(total, done)
        elif self.job.total is not None and done > self.job.total:
            self.job.total = done
        self.job.done = done
        now = time.monotonic()
        if now - self._last_write < PROGRESS_WRITE_INTERVAL:
            return
        self._last_write = now
        Job.objects.filter(pk=self.job.pk).update(done=self.job.done, total=self.job.total)

    progress.alters_data = True

    def attach_file(self, file_name: str, path: Path) -> None:
        """Move the finished file at ``path`` into the job's storage, named ``file_name``."""
        path = Path(path)
        if self.job.file:
            self.job.file.delete(save=False)
        with path.open("rb") as content:
            # Stored under an id-prefixed name: two jobs' "sale-lines.csv" never collide.
            stored_name = f"{self.job.pk}-{Path(file_name).name}"
            self.job.file.save(stored_name, _FileOnDisk(content, name=str(path)), save=False)
        path.unlink(missing_ok=True)
        self.job.file_name = file_name
        Job.objects.filter(pk=self.job.pk).update(file=self.job.file.name, file_name=file_name)

    attach_file.alters_data = True

    def set_result_url(self, url: str) -> None:
        """Point the job's page at the page that shows its result."""
        self.job.result_url = url
        Job.objects.filter(pk=self.job.pk).update(result_url=url)

    set_result_url.alters_data = True


@contextmanager
def running_job(job_id: int) -> Iterator[JobRun]:
    """Mark the job running and yield its handle (a ``JobRun``).

    The handle has .progress(done, total=None) (cheap: at most one UPDATE a second or so),
    .attach_file(file_name, path) (moves a finished file in) and .set_result_url(url).
    On success mark the job succeeded (expires_at = now + settings.JOB_FILES_KEEP). On an
    exception: mark it failed with a readable error, log it with the traceback (logger
    "jobs"), and re-raise.
    """
    job = Job.objects.get(pk=job_id)
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.error = ""
    job.save(update_fields=["status", "started_at", "error"])
    run = JobRun(job)
    try:
        yield run
    except BaseException as error:
        try:
            _mark_failed(job, error)
        except Exception:
            # The original error is the one to re-raise; this one is only logged.
            logger.exception("Job %s could not be marked failed", job.pk)
        raise
    else:
        finished_at = timezone.now()
        job.status = Job.Status.SUCCEEDED
        job.finished_at = finished_at
        job.expires_at = finished_at + settings.JOB_FILES_KEEP
        if job.total is not None:
            job.done = job.total
        job.save(
            update_fields=[
                "status",
                "done",
                "total",
                "finished_at",
                "expires_at",
                "file",
                "file_name",
                "result_url",
            ]
        )
        logger.info("Job %s (%s) succeeded", job.pk, job.kind)


def _mark_failed(job: Job, error: BaseException) -> None:
    logger.error(
        "Job %s (%s) failed: %s",
        job.pk,
        job.kind,
        readable_error(error),
        exc_info=(type(error), error, error.__traceback__),
    )
    # A failed job keeps no file: a half-written export must not be downloaded.
    if job.file:
        job.file.delete(save=False)
    finished_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED,
        error=readable_error(error),
        done=job.done,
        total=job.total,
        file="",
        file_name="",
        finished_at=finished_at,
        # The row stays visible for the same time a file would, then purge_jobs drops it.
        expires_at=finished_at + settings.JOB_FILES_KEEP,
    )


def new_work_file(suffix: str = "") -> Path:
    """A fresh, empty file for a job to write its result into, next to where the result is kept.

    On the same file system as MEDIA_ROOT/jobs/, so ``attach_file`` is a rename, not a copy.
    """
    folder = Path(settings.MEDIA_ROOT) / "jobs" / "work"
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=suffix, dir=folder)
    os.close(handle)
    return Path(name)


@dataclass(frozen=True)
class PurgeResult:
    files_deleted: int
    jobs_deleted: int
    work_files_deleted: int
    abandoned_jobs_failed: int = 0


# Sent for each job found abandoned (see ``jobs_fail_abandoned``), after it was marked
# failed, with ``job`` (its row as it is now): the app that started it can say so too,
# since jobs imports nothing of the apps above it.
job_abandoned = Signal()


def jobs_fail_abandoned(*, now: datetime | None = None) -> int:
    """Mark failed the jobs still "running" ``JOB_RUNNING_LIMIT`` after they started.

    A worker killed mid-job (a deploy, out of memory, the machine restarted) never
    marks its job ended, so the owner would watch it "running" for ever. No job runs
    anywhere near that long (the biggest export or import takes minutes): past the
    limit its worker is gone. Returns how many jobs were marked.
    """
    now = now or timezone.now()
    limit = settings.JOB_RUNNING_LIMIT
    error = _(
        "Its worker stopped while running it (still unfinished %(hours)s hours after it "
        "started): nothing more will happen. Start it again."
    ) % {"hours": f"{limit.total_seconds() / 3600:g}"}
    marked = 0
    stale = Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=now - limit)
    for job in stale.only("pk").iterator(chunk_size=500):
        # Only if still running: a worker ending it at this moment wins.
        updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED,
            error=error,
            finished_at=now,
            expires_at=now + settings.JOB_FILES_KEEP,
        )
        if updated:
            marked += 1
            job_abandoned.send(sender=Job, job=Job.objects.get(pk=job.pk))
    return marked


# A work file older than this was left by a worker that died mid-job (killed, out of
# memory): no running job still writes it.
ABANDONED_WORK_FILE_AGE = timedelta(days=1)


def jobs_purge(*, keep_jobs_days: int, now: datetime | None = None) -> PurgeResult:
    """Delete the files of jobs past ``expires_at``, and jobs finished over ``keep_jobs_days`` ago.

    First, jobs abandoned by a stopped worker are marked failed (``jobs_fail_abandoned``).

    The row of a job whose file expired stays (its page says the file expired) until
    it is ``keep_jobs_days`` old. A job something else still points to (an import's
    record, by a protecting foreign key) is kept.
    """
    now = now or timezone.now()
    abandoned_jobs_failed = jobs_fail_abandoned(now=now)
    files_deleted = 0
    expired = Job.objects.expired(now=now).exclude(file="").only("pk", "file")
    for job in expired.iterator(chunk_size=500):
        job.file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(file="")
        files_deleted += 1

    jobs_deleted = 0
    old = Job.objects.filter(finished_at__lt=now - timedelta(days=keep_jobs_days))
    for job in old.only("pk", "file").iterator(chunk_size=500):
        try:
            with transaction.atomic():
                job.delete()
        except (ProtectedError, RestrictedError):
            continue
        if job.file:
            job.file.delete(save=False)
        jobs_deleted += 1

    work_files_deleted = 0
    work_folder = Path(settings.MEDIA_ROOT) / "jobs" / "work"
    if work_folder.is_dir():
        cutoff = (now - ABANDONED_WORK_FILE_AGE).timestamp()
        for path in work_folder.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                work_files_deleted += 1
    return PurgeResult(files_deleted, jobs_deleted, work_files_deleted, abandoned_jobs_failed)
