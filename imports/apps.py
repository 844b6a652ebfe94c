from django.apps import AppConfig


def _fail_the_import(sender, job, **kwargs):
    """A job found abandoned by its stopped worker: the import it ran failed too."""
    from imports.services import import_abandoned

    import_abandoned(job_id=job.pk, reason=job.error)


class ImportsConfig(AppConfig):
    """A shop's data in from CSV or Excel: products, suppliers, customers, opening stock."""

    name = "imports"

    def ready(self):
        from jobs.services import job_abandoned

        job_abandoned.connect(_fail_the_import, dispatch_uid="imports.fail_the_import")
