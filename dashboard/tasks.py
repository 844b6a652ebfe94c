"""The dashboard's background tasks: a CSV export too large to stream while the user waits.

The task rebuilds the export the view would have streamed, from the list's query string
and with its owner's permissions of the moment (costs columns follow
:func:`products.costs.sees_costs`), and writes exactly those bytes to a file.
"""

from collections.abc import Iterable, Iterator

from django.http import QueryDict
from django.tasks import task
from django.utils.translation import gettext as _

from core import csv_export
from dashboard.exports import EXPORTS
from jobs.services import JobFailed, JobRun, new_work_file, running_job


def with_progress(rows: Iterable[tuple], run: JobRun, total: int) -> Iterator[tuple]:
    """``rows`` unchanged, telling the job how many have gone by once a chunk."""
    done = 0
    for done, row in enumerate(rows, start=1):
        yield row
        if done % csv_export.CHUNK_SIZE == 0:
            run.progress(done, total)
    run.progress(done, total)


@task
def export_csv(job_id: int, export_name: str, query_string: str) -> None:
    """Write export ``export_name`` of the list filtered by ``query_string`` to the job's file."""
    with running_job(job_id) as run:
        owner = run.job.owner
        export_kind = EXPORTS[export_name]
        # Checked again now: the owner may have lost the right (or left) since asking.
        if not owner.is_active or not owner.has_perm(export_kind.permission):
            raise JobFailed(_("You may no longer run this export."))
        export = export_kind.build(QueryDict(query_string), owner)
        total = export.row_count()
        run.progress(0, total)
        response = csv_export.csv_response(
            export.name, export.header, with_progress(export.rows, run, total)
        )
        path = new_work_file(suffix=".csv")
        try:
            with path.open("wb") as file:
                for chunk in response.streaming_content:
                    file.write(chunk)
            run.attach_file(attachment_name(response), path)
        finally:
            path.unlink(missing_ok=True)


def attachment_name(response) -> str:
    """The file name a download response gives (``attachment; filename="x.csv"``)."""
    return response["Content-Disposition"].split('filename="', 1)[1].rstrip('"')
