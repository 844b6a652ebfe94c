"""/healthz, the load balancers' check: it says only whether the database answers."""

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_answers_a_visitor_with_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


class DownDatabase:
    """Stands in for the view's connection: every cursor fails as a lost server does."""

    def cursor(self):
        raise OperationalError("connection refused")


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr("core.views.connection", DownDatabase())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
