"""How a recorded value reads on a page: moments in the one date-and-time format of the pages."""

import datetime

from django.db import models
from django.utils import formats, timezone

from audit.changes import shown_value


def test_a_recorded_moment_reads_like_every_other_moment_on_the_pages(settings):
    settings.TIME_ZONE = "Europe/Madrid"
    field = models.DateTimeField()
    stored = "2026-12-02 14:05:00"  # auditlog's text, in UTC without a zone

    shown = shown_value(field, stored, {})

    local = timezone.localtime(datetime.datetime(2026, 12, 2, 14, 5, tzinfo=datetime.UTC))
    assert local.hour == 15
    assert shown == formats.date_format(local, "DATETIME_FORMAT")
    assert shown.startswith("Dec. 2, 2026, 3:05")
