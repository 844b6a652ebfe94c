from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ImportKind(models.TextChoices):
    PRODUCTS = "products", "Products"
    SUPPLIERS = "suppliers", "Suppliers"
    CUSTOMERS = "customers", "Customers"
    OPENING_STOCK = "opening_stock", "Opening stock"


class ImportRun(models.Model):
    """One file a manager imported (or tried to): who, when, with what options, and what came of it.

    The uploaded file is kept (under MEDIA_ROOT/imports/) so the run can read it
    twice, streaming (a validating pass, then an applying one), and so the error
    file can be rebuilt from it and the errors kept here.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded, columns to map"
        VALIDATING = "validating", "Checking"
        VALIDATED = "validated", "Checked, ready to run"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        REFUSED = "refused", "Not imported (all or nothing, with errors)"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=ImportKind)
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    update_existing = models.BooleanField(
        "update existing records", default=False, help_text="Otherwise a row for one is an error."
    )
    create_missing = models.BooleanField("create missing categories and suppliers", default=False)
    all_or_nothing = models.BooleanField(
        "all or nothing", default=False, help_text="Import nothing if any row has an error."
    )
    # Target field -> the file's column header ("" when not imported).
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.UPLOADED)
    # The last pass's progress (the dry run's, then the run's), for the page.
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # What the dry run found, then (after the run) what was done.
    to_create = models.PositiveIntegerField(default=0)
    to_update = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    applied = models.BooleanField(default=False)
    # [[row number, column header, value, message], ...]: enough to rebuild the error file.
    errors = models.JSONField(default=list, blank=True)
    # Why the run as a whole failed (an unreadable file, a crash), if it did.
    failure = models.TextField(blank=True)
    job_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Only managers import; a "view" permission would hand clerks the records.
        default_permissions = ()
        permissions = [("run_import", "Can import data from files")]

    def __str__(self):
        return f"{self.get_kind_display()} import #{self.pk}"

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

    kind = models.CharField(max_length=20, choices=ImportKind, unique=True)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"Columns of {self.get_kind_display().lower()} imports"
