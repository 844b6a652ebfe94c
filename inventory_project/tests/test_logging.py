"""The project's logging: a request id on every response, and JSON log lines with the request.

Uses /healthz with its database down (see core/tests/test_healthz.py) to make a log line.
"""

import io
import json
import logging

import pytest
from django.db import OperationalError
from django.urls import reverse

from core.tests.test_healthz import refuse_connection
from core.views import HEALTH_PROBES
from inventory_project.log import JsonFormatter, RequestContextFilter

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_request_id_and_keeps_a_sane_incoming_one(client):
    made_up = client.get("/healthz")["X-Request-ID"]
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})["X-Request-ID"]
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})

    assert len(made_up) == 32
    assert kept == "lb-1234.abc"
    assert replaced["X-Request-ID"] != "bad id\nwith newline"


def test_log_lines_are_json_with_the_request_context(client, manager, monkeypatch):
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("core.views")
    logger.addHandler(handler)
    monkeypatch.setitem(HEALTH_PROBES, "read", refuse_connection)
    client.force_login(manager)
    try:
        response = client.get("/healthz", headers={"X-Request-ID": "req-42"})
    finally:
        logger.removeHandler(handler)

    assert response.status_code == 503
    [record] = records
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR"
    assert line["request_id"] == "req-42"
    assert line["path"] == "/healthz"
    assert line["user"] == "manager"
    # A database outage is one line naming the error, not a traceback per request.
    assert line["message"] == (
        "Health check: the database failed a read: OperationalError: connection refused"
    )
    assert "exception" not in line


@pytest.fixture
def console_log():
    """What the project's console handler writes, as it is configured in settings."""
    [console] = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        yield stream
    finally:
        console.setStream(previous)


def test_a_refused_permission_is_logged_as_one_line_without_a_traceback(user_client, console_log):
    response = user_client.get(reverse("products:list"))

    assert response.status_code == 403
    [line] = [json.loads(line) for line in console_log.getvalue().splitlines()]
    assert line["level"] == "WARNING"
    assert line["status_code"] == 403
    assert line["path"] == "/products/"
    assert "exception" not in line


def test_a_server_error_keeps_its_traceback_in_the_log(manager_client, console_log, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the dashboard broke")

    monkeypatch.setattr("dashboard.views.dashboard_summary", broken)
    manager_client.raise_request_exception = False

    response = manager_client.get(reverse("dashboard:index"))

    assert response.status_code == 500
    lines = [json.loads(line) for line in console_log.getvalue().splitlines()]
    assert any("RuntimeError: the dashboard broke" in line.get("exception", "") for line in lines)


def test_a_query_bug_raising_operational_error_stays_a_500_with_its_traceback(
    manager_client, console_log, monkeypatch
):
    def broken(*args, **kwargs):
        raise OperationalError("no such table: dashboard_widget")

    monkeypatch.setattr("dashboard.views.dashboard_summary", broken)
    manager_client.raise_request_exception = False

    response = manager_client.get(reverse("dashboard:index"))

    # The database answers, so this is a bug, not an outage: no "try again" page.
    assert response.status_code == 500
    lines = [json.loads(line) for line in console_log.getvalue().splitlines()]
    assert any("no such table" in line.get("exception", "") for line in lines)
