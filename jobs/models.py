"""A job: one piece of long work (a big export, an import) run by the task worker.

The queue itself is django-tasks-db's table; a Job is what the user sees of the
work: who started it, how far it got, its file or its error.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

JOB_DONE_LTE_TOTAL = "job_done_lte_total"


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "JobQuerySet":
        """The jobs ``user`` may see: their own, or everyone's with ``jobs.view_all_jobs``."""
        if user.has_perm("jobs.view_all_jobs"):
            return self
        return self.filter(owner=user)

    def expired(self, *, now=None) -> "JobQuerySet":
        """Finished jobs whose file's keeping time is over."""
        return self.filter(expires_at__lte=now or timezone.now())


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="jobs", verbose_name=_("owner")
    )
    # What the job does, for code and logs ("export:sale-lines", "import").
    kind = models.CharField(_("kind"), max_length=40)
    # What the user sees ("Sale lines CSV").
    label = models.CharField(_("label"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveBigIntegerField(_("done"), default=0)
    # Unknown until the job has counted its work.
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="jobs/%Y/%m/", blank=True, max_length=255)
    # The name the download is saved under ("sale-lines-2026-12-04.csv").
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    # A page that shows the result (an import's page), if there is one.
    result_url = models.CharField(_("result url"), max_length=300, blank=True)
    # django-tasks-db's result id, to find the queue row from the job.
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When the file is deleted (purge_jobs); set when the job finishes.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, db_index=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-pk"]
        # Jobs are created by the code that starts them and changed by the worker only.
        default_permissions = ("view",)
        permissions = [("view_all_jobs", "Can view and download everyone's jobs")]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(done__lte=models.F("total")),
                name=JOB_DONE_LTE_TOTAL,
            )
        ]

    def __str__(self):
        return f"{self.label} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def has_download(self) -> bool:
        """A file is ready and still kept."""
        return self.status == self.Status.SUCCEEDED and bool(self.file) and not self.is_expired

    @property
    def percent(self) -> int | None:
        """How far the job got, 0–100, or None while the total is unknown."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)

    def can_be_seen_by(self, user) -> bool:
        return user.is_authenticated and (
            self.owner_id == user.pk or user.has_perm("jobs.view_all_jobs")
        )
