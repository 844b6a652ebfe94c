"""``manage.py purge_jobs``: delete expired job files, old jobs and old task results.

Meant to run hourly (or at least daily) from cron, next to the low-stock digest;
see docs/DEPLOY.md. A job's file is deleted once its ``expires_at`` (the job's end
plus ``JOB_FILES_KEEP_HOURS``) has passed; the job itself, and django-tasks-db's
record of the task that ran it (``prune_db_task_results``), after ``--keep-days``.
Before all that, a job still running ``JOB_RUNNING_LIMIT_HOURS`` (6) after it started is
marked failed: its worker was stopped.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

from jobs.services import jobs_purge


class Command(BaseCommand):
    help = (
        "Fail jobs abandoned by a stopped worker; delete expired job files, jobs finished "
        "over --keep-days ago and their task results."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-days",
            type=int,
            default=30,
            help="Days a finished job stays listed (its file goes earlier). Default: 30.",
        )

    def handle(self, *args, keep_days: int, **options):
        if keep_days < 0:
            raise CommandError("--keep-days must be 0 or more.")
        result = jobs_purge(keep_jobs_days=keep_days)
        self.stdout.write(
            f"Marked {result.abandoned_jobs_failed} job(s) abandoned by a stopped worker as "
            f"failed. Deleted {result.files_deleted} expired job file(s), "
            f"{result.jobs_deleted} old job(s) and {result.work_files_deleted} abandoned work "
            "file(s)."
        )
        # The queue's own rows of finished tasks: the jobs are what users see, these
        # only grow. Nothing to prune where tasks do not go through the database.
        if isinstance(task_backends["default"], DatabaseBackend):
            call_command(
                "prune_db_task_results",
                queue_name="*",
                min_age_days=keep_days,
                verbosity=options["verbosity"],
                stdout=self.stdout,
            )
