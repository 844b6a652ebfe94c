"""Template filters for the lockout page (templates/registration/locked_out.html)."""

import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def whole_minutes(duration: timedelta | None) -> int | None:
    """A cool-off as the whole minutes to wait, rounded up (AXES_COOLOFF_TIME is in hours)."""
    if duration is None or duration == "":
        return None
    return math.ceil(duration.total_seconds() / 60)
