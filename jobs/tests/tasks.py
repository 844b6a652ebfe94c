"""Tasks for the jobs' tests: module-level functions, as the tasks framework requires."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.tasks import task

from jobs.services import JobFailed, new_work_file, running_job


@task
def write_a_file(job_id: int, text: str) -> None:
    """Count to three, then hand over a file holding ``text``."""
    with running_job(job_id) as run:
        for done in range(1, 4):
            run.progress(done, 3)
        path = new_work_file(suffix=".txt")
        path.write_text(text)
        run.attach_file("greeting.txt", path)


@task
def write_then_fail(job_id: int, group_name: str) -> None:
    """Attach a file and write a row in one transaction, then fail: none of it may stay."""
    with running_job(job_id) as run:
        path = new_work_file(suffix=".txt")
        path.write_text("half done")
        run.attach_file("half.txt", path)
        with transaction.atomic():
            Group.objects.create(name=group_name)
            run.progress(1, 2)
            raise JobFailed(f"Line 2 names a store that does not exist: {group_name}.")


@task
def crash(job_id: int) -> None:
    with running_job(job_id):
        raise ZeroDivisionError("division by zero")
