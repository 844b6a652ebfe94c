"""Pages that belong to no domain: the public welcome page and the load balancers' health check."""

import logging
import shutil
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.db import DatabaseError, connection, transaction
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from core.exceptions import error_line, is_database_outage
from core.models import Heartbeat

logger = logging.getLogger(__name__)


@method_decorator(login_not_required, name="dispatch")
class WelcomeView(TemplateView):
    """The public start page; signed-in users go straight to their dashboard."""

    template_name = "core/welcome.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("dashboard:index")
        return super().get(request, *args, **kwargs)


HEARTBEAT_PK = 1
RETRY_AFTER_SECONDS = 30


@login_not_required
@require_safe
def healthz(request):
    """For load balancers: 200 when the database answers reads and accepts writes, else 503.

    The write is one committed update of the heartbeat row: a rolled-back
    write may never reach the disk, and a full disk must turn the check red.
    """
    checks = {name: _check(name, probe) for name, probe in HEALTH_PROBES.items()}
    healthy = all(result == "ok" for result in checks.values())
    database = "ok" if healthy else "read-only" if checks["read"] == "ok" else "down"
    body = {"status": "ok" if healthy else "unavailable", "database": database}
    return JsonResponse(body | checks, status=200 if healthy else 503)


@login_not_required
@require_safe
@cache_control(max_age=24 * 60 * 60, public=True)
def favicon(request):
    """/favicon.ico, which browsers and bookmark tools ask for whatever the page links:
    the app's icon (static/img/favicon.svg) itself, with no redirect to follow."""
    return FileResponse(open(finders.find("img/favicon.svg"), "rb"), content_type="image/svg+xml")


@login_not_required
@require_safe
def web_app_manifest(request):
    """What a phone needs to add the app to its home screen: name, start page, icon."""
    manifest = {
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME[:12],
        "start_url": reverse("dashboard:index"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#212529",
        "icons": [{"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(manifest, content_type="application/manifest+json")


def server_error(request):
    """handler500: a database outage is a 503 "try again in a moment"; anything else a 500.

    Django calls it while handling the exception, so ``sys.exc_info()`` names it.
    The page is rendered without a request: the session and user live in the
    database that is down.
    """
    if is_database_outage(sys.exc_info()[1]):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)


def _check(name: str, probe) -> str:
    try:
        probe()
    except DatabaseError as error:
        # One line: a load balancer asks every few seconds throughout an outage.
        logger.error("Health check: the database failed a %s: %s", name, error_line(error))
        return "failing"
    return "ok"


def _read_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _write_heartbeat() -> None:
    _require_free_disk()
    with transaction.atomic():
        if not Heartbeat.objects.filter(pk=HEARTBEAT_PK).update(beat_at=timezone.now()):
            Heartbeat.objects.get_or_create(pk=HEARTBEAT_PK, defaults={"beat_at": timezone.now()})


def _require_free_disk() -> None:
    """On SQLite, a disk nearly full counts as failing writes.

    The heartbeat rewrites one existing row, which still fits in pages the WAL
    already holds for some seconds after the disk filled, while every sale
    (new rows, new pages) already fails.
    """
    if connection.vendor != "sqlite":
        return  # the server's disk is the server's to report: a write there fails
    name = str(connection.settings_dict["NAME"])
    if name.startswith("file:"):  # a URI: the path is between the scheme and the query
        name = name.removeprefix("file:").split("?", 1)[0]
    path = Path(name)
    if not path.is_file():
        return  # in memory (the tests)
    try:
        # The file's own file system, also when the name is a symbolic link.
        free = shutil.disk_usage(path.resolve()).free
    except OSError as error:
        raise DatabaseError(f"cannot read the database disk's free space: {error}") from error
    if free < settings.HEALTHZ_MIN_FREE_MB * 1024 * 1024:
        raise DatabaseError(
            f"only {free // (1024 * 1024)} MB free on the database's disk "
            f"(HEALTHZ_MIN_FREE_MB is {settings.HEALTHZ_MIN_FREE_MB})"
        )


HEALTH_PROBES = {"read": _read_database, "write": _write_heartbeat}
