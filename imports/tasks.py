"""Imports too big for a request run as background jobs (see jobs.services)."""

from django.tasks import task
from django.urls import reverse
from django.utils.translation import ngettext

from imports.models import ImportRun
from imports.services import import_apply, import_validate
from jobs.services import JobFailed, running_job

VALIDATE, APPLY = "validate", "apply"


@task
def run_import_task(job_id: int, import_id: int, step: str) -> None:
    """Check (``step`` "validate") or apply ("apply") import ``import_id``, with progress.

    An exception marks both the job and the import failed; a run that failed applies
    nothing half: all or nothing is one transaction, otherwise each chunk is one.
    """
    run = ImportRun.objects.select_related("created_by").get(pk=import_id)
    with running_job(job_id) as job:
        job.set_result_url(reverse("imports:detail", args=[import_id]))
        try:
            if step == VALIDATE:
                run = import_validate(run=run, progress=job.progress)
            else:
                run = import_apply(run=run, progress=job.progress)
        except BaseException as error:
            # import_apply said how far it got; a dry run writes nothing but the record.
            ImportRun.objects.filter(pk=import_id, failure="").update(
                status=ImportRun.Status.FAILED, failure=f"{type(error).__name__}: {error}"[:2000]
            )
            raise
        # A file found unreadable fails the import without an exception: the job says so too.
        if run.status == ImportRun.Status.FAILED:
            raise JobFailed(run.failure)
        # An all-or-nothing run refused (rows found wrong since the dry run) imported
        # nothing: the job did not do what it was started for, so it is not "succeeded".
        if run.status == ImportRun.Status.REFUSED:
            count = run.error_count
            raise JobFailed(
                ngettext(
                    "Nothing was imported: you chose “all or nothing” and %(count)s row has "
                    "errors.",
                    "Nothing was imported: you chose “all or nothing” and %(count)s rows have "
                    "errors.",
                    count,
                )
                % {"count": f"{count:,}"}
            )
