"""Scenarios 1 and 8: a visitor signs in from the welcome page; a signed-in user signs out."""

import re

import pytest

from e2e.actions import expect, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_visitor_signs_in_from_welcome_page_and_lands_on_dashboard(page, manager_user, password):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stockroom")
    expect(page.get_by_text("Inventory and stock management")).to_be_visible()
    # Visitors get no navigation bar: everything behind it needs an account.
    expect(page.get_by_role("navigation", name="Main navigation")).to_have_count(0)

    page.get_by_role("link", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_test_id("current-user")).to_have_text("Maria")
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()


def test_visitor_with_wrong_password_stays_on_login_page(page, manager_user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("maria")


def test_visitor_opening_a_page_is_sent_to_login_and_back_after_signing_in(
    page, manager_user, password
):
    page.goto("/products/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/products/$"))

    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/products/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Products")


def test_user_logs_out_and_pages_need_signing_in_again(page, manager_user, password):
    log_in(page, "maria", password)

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/dashboard/$"))
