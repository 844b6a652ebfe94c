"""Answers to signed-in users are never kept by a cache; public ones may be."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard:index"),
        reverse("products:list"),
        reverse("products:search") + "?q=a",
        reverse("reports:products-csv"),
        reverse("password_change"),
    ],
    ids=["page", "list", "picker json", "csv export", "password page"],
)
def test_answers_to_a_signed_in_user_are_private_and_not_stored(manager_client, url):
    response = manager_client.get(url)

    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_a_forbidden_page_for_a_signed_in_user_is_not_stored_either(user_client):
    response = user_client.get(reverse("products:list"))

    assert response.status_code == 403
    assert "no-store" in response["Cache-Control"]


def test_the_public_welcome_page_carries_no_private_directive(client):
    response = client.get(reverse("welcome"))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
