"""The low-stock digest: who opts in, what each email lists, and what counts as new."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import CLERK, MANAGER
from purchases.orders import order_delete
from replenishment.models import DigestSubscription, LowStockDigest
from replenishment.tests.factories import make_order, stock_up, stocked

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

DIGEST_URL = reverse("replenishment:digest")


def person(django_user_model, username, *, role=MANAGER, email=None, subscribed=True, **fields):
    user = django_user_model.objects.create_user(
        username, email=f"{username}@example.com" if email is None else email, **fields
    )
    user.groups.add(Group.objects.get(name=role))
    if subscribed:
        DigestSubscription.objects.create(user=user)
    return user


def send() -> str:
    out = StringIO()
    call_command("send_low_stock_digest", stdout=out)
    return out.getvalue()


def test_digest_goes_to_subscribed_managers_with_an_email_address(django_user_model, store):
    person(django_user_model, "ann")
    person(django_user_model, "bob", subscribed=False)
    person(django_user_model, "cid", email="")
    person(django_user_model, "dee", is_active=False)
    person(django_user_model, "eve", role=CLERK)  # opted in as a manager, a clerk now
    stocked(store, 2, minimum=5, maximum=10, name="Wood glue", sku="GLUE")

    output = send()

    assert [message.to for message in mail.outbox] == [["ann@example.com"]]
    [message] = mail.outbox
    assert message.subject == "Low stock: 1 product crossed the minimum"
    assert "- GLUE Wood glue at Main Street: projected 2 pcs, minimum 5 pcs" in message.body
    assert "suggested order 8 pcs" in message.body
    assert "to 1 recipient: ann@example.com" in output


def test_digest_lists_only_what_crossed_since_the_last_one(django_user_model, store):
    person(django_user_model, "ann")
    stocked(store, 2, minimum=5, name="Glue")
    send()
    mail.outbox.clear()
    stocked(store, 1, minimum=5, name="Tape")

    send()

    [message] = mail.outbox
    assert "Tape at Main Street" in message.body
    assert "Glue" not in message.body


def test_nothing_new_sends_nothing_and_says_so(django_user_model, store):
    person(django_user_model, "ann")
    stocked(store, 2, minimum=5)
    send()
    mail.outbox.clear()

    output = send()

    assert mail.outbox == []
    assert (
        "Nothing crossed its minimum since the last digest: nothing sent (1 pairs still low)"
        in (output)
    )
    assert LowStockDigest.objects.count() == 2


def test_a_pair_that_recovers_and_falls_again_is_news_again(django_user_model, store):
    person(django_user_model, "ann")
    glue = stocked(store, 2, minimum=5, maximum=10, name="Glue")
    send()
    order = make_order(store=store, lines=[(glue, 8)])  # a draft: projected 10
    send()
    order_delete(order=order)  # the draft is dropped: low again
    mail.outbox.clear()

    send()

    [message] = mail.outbox
    assert "Glue at Main Street" in message.body


def test_projected_stock_decides_what_is_low(django_user_model, store):
    person(django_user_model, "ann")
    glue = stocked(store, 2, minimum=5, name="Glue")
    make_order(store=store, lines=[(glue, 10)], place=True)

    send()

    assert mail.outbox == []


def test_the_digest_records_what_was_low(django_user_model, store, other_store):
    person(django_user_model, "ann")
    glue = stocked(store, 2, minimum=5)
    stock_up(glue, other_store, 1)

    send()

    digest = LowStockDigest.objects.get()
    assert sorted(digest.items) == sorted([f"{glue.pk}:{store.pk}", f"{glue.pk}:{other_store.pk}"])
    assert (digest.new_items, digest.recipients) == (2, 1)


def test_without_subscribers_nothing_is_sent_or_recorded(store):
    stocked(store, 2, minimum=5)

    output = send()

    assert mail.outbox == []
    assert not LowStockDigest.objects.exists()
    assert "No one subscribed" in output


# The opt-in page ----------------------------------------------------------------------------


def test_a_manager_opts_in_and_out(manager_client, manager):
    manager.email = "boss@example.com"
    manager.save()

    on = manager_client.post(DIGEST_URL, {"subscribe": "on"}, follow=True)
    assert DigestSubscription.objects.filter(user=manager).exists()
    assert "You receive the digest at <strong>boss@example.com</strong>" in on.content.decode()

    off = manager_client.post(DIGEST_URL, {"subscribe": "off"}, follow=True)
    assert not DigestSubscription.objects.exists()
    assert "You do not receive the digest." in off.content.decode()


def test_opting_in_twice_keeps_one_subscription(manager_client, manager):
    manager_client.post(DIGEST_URL, {"subscribe": "on"})
    manager_client.post(DIGEST_URL, {"subscribe": "on"})

    assert DigestSubscription.objects.filter(user=manager).count() == 1


def test_a_manager_without_an_email_address_is_warned(manager_client):
    response = manager_client.post(DIGEST_URL, {"subscribe": "on"}, follow=True)

    assert "Your account has no email address" in response.content.decode()


def test_clerks_may_not_subscribe(clerk_client):
    assert clerk_client.get(DIGEST_URL).status_code == 403
    assert clerk_client.post(DIGEST_URL, {"subscribe": "on"}).status_code == 403
    assert not DigestSubscription.objects.exists()


def test_the_digest_page_needs_login(client):
    assert client.get(DIGEST_URL).status_code == 302
