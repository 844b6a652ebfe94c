"""The project's logging: a request id on every response, and JSON log lines with the request.

Uses /healthz with its database down (see core/tests/test_healthz.py) to make a log line.
"""

import json
import logging

import pytest

from core.tests.test_healthz import DownDatabase
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
    monkeypatch.setattr("core.views.connection", DownDatabase())
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
    assert "OperationalError" in line["exception"]
