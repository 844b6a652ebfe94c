"""The user's background jobs: the list, one job's progress, its status as JSON, its file.

Every route needs a login (LoginRequiredMiddleware); a job is seen by its owner and
by users with ``jobs.view_all_jobs`` (managers). Anyone else gets a 404, as for a
job that does not exist: the id of someone else's export is none of their business.
"""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, View
from django.views.generic.detail import SingleObjectMixin

from core.crud import NearestPageMixin
from jobs.models import Job


class VisibleJobsMixin:
    """Only the jobs the user may see, whoever asks for which id."""

    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return Job.objects.visible_to(self.request.user).select_related("owner")


class JobListView(VisibleJobsMixin, NearestPageMixin, ListView):
    """The user's jobs, newest first (everyone's for managers)."""

    paginate_by = 50
    template_name = "jobs/job_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sees_all_jobs"] = self.request.user.has_perm("jobs.view_all_jobs")
        return context


class JobDetailView(VisibleJobsMixin, DetailView):
    """One job: its progress while it runs (the page polls status.json), then its file or error."""

    template_name = "jobs/job_detail.html"


def job_status(job: Job) -> dict:
    """What the job page's script needs to redraw the progress bar and know when to reload."""
    return {
        "status": job.status,
        "status_display": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.is_finished,
    }


class JobStatusView(VisibleJobsMixin, SingleObjectMixin, View):
    """The job's status as JSON, polled by static/js/job_progress.js."""

    def get(self, request, *args, **kwargs):
        response = JsonResponse(job_status(self.get_object()))
        response["Cache-Control"] = "no-store"
        return response


class JobDownloadView(VisibleJobsMixin, SingleObjectMixin, View):
    """The job's file, as an attachment under its download name; a clear message once it's gone."""

    def get(self, request, *args, **kwargs):
        job = self.get_object()
        if not job.has_download:
            if job.is_expired and job.status == Job.Status.SUCCEEDED:
                hours = round(settings.JOB_FILES_KEEP.total_seconds() / 3600)
                messages.warning(
                    request,
                    _(
                        "This job's file has expired: files are kept %(hours)s hours after "
                        "the job finishes. Start it again for a fresh one."
                    )
                    % {"hours": hours},
                )
            else:
                messages.warning(request, _("This job has no file to download."))
            return redirect(job)
        try:
            content = job.file.open("rb")
        except FileNotFoundError:
            messages.warning(
                request,
                _("The file of this job is no longer there. Start the export again."),
            )
            return redirect(job)
        return FileResponse(content, as_attachment=True, filename=job.file_name or None)
