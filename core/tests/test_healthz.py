"""/healthz, the load balancers' check: it says only whether the database answers."""

import shutil

import pytest
from django.db import OperationalError, connection

from core.models import Heartbeat
from core.views import HEARTBEAT_PK

pytestmark = pytest.mark.django_db


def test_healthz_answers_a_visitor_with_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "read": "ok", "write": "ok"}


def refuse_connection(*args, **kwargs):
    raise OperationalError("connection refused")


@pytest.fixture
def database_down(monkeypatch):
    """Every query fails as with a lost server: the connection gives no cursor."""
    monkeypatch.setattr(connection, "cursor", refuse_connection)


def test_healthz_is_503_when_the_database_is_down(client, database_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "down",
        "read": "failing",
        "write": "failing",
    }


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_writes_the_heartbeat_each_time(client):
    client.get("/healthz")
    first = Heartbeat.objects.get(pk=HEARTBEAT_PK).beat_at

    client.get("/healthz")

    assert Heartbeat.objects.count() == 1
    assert Heartbeat.objects.get(pk=HEARTBEAT_PK).beat_at > first


READ_ONLY = {
    "sqlite": ("PRAGMA query_only = ON", "PRAGMA query_only = OFF"),
    "postgresql": (
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    ),
    "mysql": ("SET SESSION TRANSACTION READ ONLY", "SET SESSION TRANSACTION READ WRITE"),
}


@pytest.fixture
def read_only_database(transactional_db):
    """The database refuses every write, as with a full disk, while reads still work."""
    on, off = READ_ONLY[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(on)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(off)


def test_healthz_is_503_when_the_database_refuses_writes(client, read_only_database):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "read-only",
        "read": "ok",
        "write": "failing",
    }


def test_healthz_counts_a_nearly_full_disk_under_sqlite_as_failing_writes(
    client, monkeypatch, settings, tmp_path
):
    """On SQLite the disk is the app's own: below HEALTHZ_MIN_FREE_MB writes are failing.

    A full disk fails a sale's inserts seconds before the heartbeat's one-row
    update (the fault run, docs/FAULTS.md). A database server's disk is the
    server's to report, so there the check goes on to the write itself.
    """
    database_file = tmp_path / "db.sqlite3"
    database_file.touch()
    monkeypatch.setitem(connection.settings_dict, "NAME", str(database_file))
    settings.HEALTHZ_MIN_FREE_MB = 16
    monkeypatch.setattr(
        "core.views.shutil.disk_usage",
        lambda path: shutil._ntuple_diskusage(total=10**9, used=10**9 - 2**20, free=2**20),
    )

    response = client.get("/healthz")

    if connection.vendor == "sqlite":
        assert response.status_code == 503
        assert response.json()["write"] == "failing"
        assert response.json()["read"] == "ok"
    else:
        assert response.status_code == 200


def test_the_favicon_and_the_web_app_manifest_need_no_login(client, settings):
    settings.SITE_NAME = "Corner Hardware"

    icon = client.get("/favicon.ico")
    manifest = client.get("/manifest.webmanifest")

    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)
    assert manifest["Content-Type"] == "application/manifest+json"
    body = manifest.json()
    assert (body["name"], body["start_url"]) == ("Corner Hardware", "/dashboard/")
    assert body["icons"][0]["src"].endswith(".svg")
