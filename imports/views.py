"""The import pages (``/imports/``): upload, map columns, dry run, run; managers only."""

import logging
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, UpdateView, View
from django.views.generic.detail import SingleObjectMixin

from imports.forms import ImportMappingForm, ImportUploadForm, read_headers
from imports.models import ImportKind, ImportRun
from imports.readers import UnreadableFile, count_rows, csv_bytes
from imports.services import (
    COLUMNS,
    MAX_ERRORS_KEPT,
    guess_mapping,
    import_apply,
    import_validate,
    mapping_remember,
    template_rows,
)

logger = logging.getLogger(__name__)

RUN_IMPORT = "imports.run_import"
# Errors listed on the page; the error file has every stored one.
ERRORS_SHOWN = 200


class ImportPermissionMixin(PermissionRequiredMixin):
    permission_required = RUN_IMPORT


class ImportListView(ImportPermissionMixin, ListView):
    """Every import, newest first: who, when, which file, and what came of it."""

    model = ImportRun
    paginate_by = 25
    template_name = "imports/importrun_list.html"

    def get_queryset(self):
        return ImportRun.objects.select_related("created_by").defer("errors", "mapping")


class ImportCreateView(ImportPermissionMixin, FormView):
    """Step 1: the kind of data and the file."""

    form_class = ImportUploadForm
    template_name = "imports/importrun_form.html"

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", ImportKind.PRODUCTS)}

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        run = ImportRun(
            kind=form.cleaned_data["kind"],
            file_name=Path(upload.name).name[:255],
            created_by=self.request.user,
        )
        run.file.save(Path(upload.name).name, upload, save=False)
        try:
            headers = read_headers(run.file.path)
        except Exception as error:  # forms.ValidationError: the reader's reason
            run.file.delete(save=False)
            form.add_error("file", error)
            return self.form_invalid(form)
        run.mapping = guess_mapping(run.kind, headers)
        run.save()
        return redirect("imports:mapping", run.pk)


class ImportMappingView(ImportPermissionMixin, UpdateView):
    """Step 2: which column holds what (guessed, remembered), and the options; then the dry run."""

    model = ImportRun
    form_class = ImportMappingForm
    template_name = "imports/importrun_mapping.html"

    def get(self, request, *args, **kwargs):
        return self._refusal() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._refusal() or super().post(request, *args, **kwargs)

    def _refusal(self):
        run = self.get_object()
        if run.is_busy or run.applied:
            messages.error(self.request, _("This import has run (or is running): upload it again."))
            return redirect(run)
        return None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        try:
            self.headers = read_headers(self.object.file.path)
        except Exception:
            self.headers = []
        kwargs["headers"] = self.headers
        kwargs["initial_mapping"] = self.object.mapping
        return kwargs

    def form_valid(self, form):
        run = form.save(commit=False)
        run.mapping = form.mapping()
        mapping_remember(kind=run.kind, mapping=run.mapping)
        try:
            run.rows_total = count_rows(run.file.path)
        except UnreadableFile as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        run.rows_done, run.errors, run.error_count, run.failure = 0, [], 0, ""
        run.status = ImportRun.Status.VALIDATING
        run.save()
        start_import_step(run, "validate", self.request)
        return redirect(run)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = COLUMNS[self.object.kind]
        return context


def start_import_step(run: ImportRun, step: str, request) -> None:
    """Check or apply ``run``: in the request when small, as a background job (with progress
    on the page) when larger than settings.IMPORT_IN_BACKGROUND_ROWS."""
    if run.rows_total <= settings.IMPORT_IN_BACKGROUND_ROWS:
        (import_validate if step == "validate" else import_apply)(run=run)
        return
    from imports.tasks import run_import_task
    from jobs.services import start_job

    job = start_job(
        owner=request.user,
        kind="import",
        label=(_("%(import)s (dry run)") if step == "validate" else _("%(import)s (run)"))
        % {"import": run},
        task=run_import_task,
        args=[run.pk, step],
        result_url=run.get_absolute_url(),
    )
    ImportRun.objects.filter(pk=run.pk).update(job_id=job.pk)


class ImportDetailView(ImportPermissionMixin, DetailView):
    """Step 3 and the record: the dry run's summary and errors, the run's progress and result."""

    model = ImportRun
    template_name = "imports/importrun_detail.html"

    def get_queryset(self):
        return ImportRun.objects.select_related("created_by")

    def get_object(self, queryset=None):
        run = super().get_object(queryset)
        if run.is_busy and run.job_id:
            self._fail_if_its_job_failed(run)
        return run

    @staticmethod
    def _fail_if_its_job_failed(run: ImportRun) -> None:
        # A job that failed before the import could say so (the queue refused it, the
        # worker could not start it) would leave the import "checking" for ever.
        from jobs.models import Job

        error = (
            Job.objects.filter(pk=run.job_id, status=Job.Status.FAILED)
            .values_list("error", flat=True)
            .first()
        )
        if error is not None:
            run.status, run.failure = ImportRun.Status.FAILED, error or _("The job failed.")
            run.save(update_fields=["status", "failure"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["errors_shown"] = self.object.errors[:ERRORS_SHOWN]
        context["errors_complete"] = len(self.object.errors) < MAX_ERRORS_KEPT
        context["can_run"] = self.object.status == ImportRun.Status.VALIDATED and not (
            self.object.all_or_nothing and self.object.error_count
        )
        context["job_url"] = self._job_url()
        return context

    def _job_url(self) -> str:
        if not self.object.job_id:
            return ""
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("jobs:detail", args=[self.object.job_id])
        except NoReverseMatch:
            return ""


class ImportApplyView(ImportPermissionMixin, SingleObjectMixin, View):
    """Step 4: run the checked import (POST only)."""

    model = ImportRun
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        run = self.get_object()
        # Claimed in one UPDATE: a double click starts one run, not two.
        claimed = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.VALIDATED).update(
            status=ImportRun.Status.RUNNING
        )
        if not claimed:
            messages.error(request, _("This import is not ready to run: check it first."))
            return redirect(run)
        run.refresh_from_db()
        run.status = ImportRun.Status.VALIDATED  # import_apply moves it on
        try:
            start_import_step(run, "apply", request)
        except Exception:  # the record says what happened (import_apply wrote it)
            logger.exception("Import %s failed", run.pk)
        run.refresh_from_db()
        if run.status == ImportRun.Status.DONE:
            messages.success(
                request,
                _("Imported: %(created)s created, %(updated)s updated.")
                % {"created": run.to_create, "updated": run.to_update},
            )
        return redirect(run)


class ImportErrorsView(ImportPermissionMixin, SingleObjectMixin, View):
    """The failing rows as a CSV with an "error" column, to fix and upload again."""

    model = ImportRun

    def get(self, request, *args, **kwargs):
        from imports.services import error_file

        run = self.get_object()
        try:
            content = error_file(run)
        except (UnreadableFile, FileNotFoundError, ValueError):
            raise Http404("The imported file is no longer there.") from None
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        stem = Path(run.file_name).stem or "import"
        # The uploaded name may hold accents or quotes: encoded as RFC 6266 says.
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{stem}-errors.csv"
        )
        return response


class ImportTemplateView(ImportPermissionMixin, View):
    """A kind's template: its header row and an example row."""

    def get(self, request, kind):
        if kind not in ImportKind.values:
            raise Http404("No such kind of import.")
        response = HttpResponse(csv_bytes(template_rows(kind)), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response
