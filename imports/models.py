from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.text import mid_sentence


class ImportKind(models.TextChoices):
    PRODUCTS = "products", _("Products")
    SUPPLIERS = "suppliers", _("Suppliers")
    CUSTOMERS = "customers", _("Customers")
    OPENING_STOCK = "opening_stock", _("Opening stock")


class ImportRun(models.Model):
    """One file a manager imported (or tried to): who, when, with what options, and what came of it.

    The uploaded file is kept (under MEDIA_ROOT/imports/) so the run can read it
    twice, streaming (a validating pass, then an applying one), and so the error
    file can be rebuilt from it and the errors kept here.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, columns to map")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked, ready to run")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Not imported (all or nothing, with errors)")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    update_existing = models.BooleanField(
        _("update existing records"),
        default=False,
        help_text=_("Otherwise a row for one is an error."),
    )
    create_missing = models.BooleanField(
        _("create missing categories and suppliers"), default=False
    )
    all_or_nothing = models.BooleanField(
        _("all or nothing"), default=False, help_text=_("Import nothing if any row has an error.")
    )
    # Target field -> the file's column header ("" when not imported).
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.UPLOADED)
    # The last pass's progress (the dry run's, then the run's), for the page.
    rows_total = models.PositiveIntegerField(_("rows total"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    # What the dry run found, then (after the run) what was done.
    to_create = models.PositiveIntegerField(_("to create"), default=0)
    to_update = models.PositiveIntegerField(_("to update"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("error count"), default=0)
    applied = models.BooleanField(_("applied"), default=False)
    # [[row number, column header, value, message], ...]: enough to rebuild the error file.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # Why the run as a whole failed (an unreadable file, a crash), if it did.
    failure = models.TextField(_("failure"), blank=True)
    job_id = models.PositiveBigIntegerField(_("job id"), null=True, blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at", "-pk"]
        # Only managers import; a "view" permission would hand clerks the records.
        default_permissions = ()
        permissions = [("run_import", "Can import data from files")]

    def __str__(self):
        return gettext("%(kind)s import #%(number)s") % {
            "kind": self.get_kind_display(),
            "number": self.pk,
        }

    def get_absolute_url(self):
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_busy(self) -> bool:
        return self.status in {self.Status.VALIDATING, self.Status.RUNNING}

    @property
    def percent_done(self) -> int:
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class ImportMapping(models.Model):
    """The columns last mapped for a kind of import, offered again next time."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind, unique=True)
    mapping = models.JSONField(_("mapping"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        default_permissions = ()

    def __str__(self):
        return gettext("Columns of %(kind)s imports") % {
            "kind": mid_sentence(self.get_kind_display())
        }
