"""One-time form tokens (core.submissions): a token records once; a refused post leaves it free."""

import datetime
from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from core.exceptions import OperationRefused
from core.models import FormSubmission, Heartbeat
from core.submissions import (
    SUBMISSION_TOKEN_FIELD,
    AlreadySubmitted,
    already_submitted,
    form_token,
    new_token,
    posted_token,
    submit_once,
)

pytestmark = pytest.mark.django_db

TOKEN = "k3Y-for_a-form-0123456789abcdef"


class Recorded:
    """What a document service returns, as far as the guard cares: a page and a name."""

    def __init__(self, pk):
        self.pk = pk

    def get_absolute_url(self):
        return f"/things/{self.pk}/"

    def __str__(self):
        return f"Thing #{self.pk}"


def post(user, token=TOKEN):
    request = RequestFactory().post(
        "/things/new/", {SUBMISSION_TOKEN_FIELD: token} if token else {}
    )
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def record_a_heartbeat():
    """A record that writes a row, so a rollback can be seen."""
    beat = Heartbeat.objects.create(beat_at=timezone.now())
    return Recorded(beat.pk)


class Refused(OperationRefused):
    pass


def refuse():
    Heartbeat.objects.create(beat_at=timezone.now())  # written, then rolled back
    raise Refused("not enough stock")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("other")


# Reading the token


def test_new_tokens_are_random_and_accepted_when_posted(user):
    tokens = {new_token() for _ in range(50)}

    assert len(tokens) == 50
    assert all(posted_token(post(user, token)) == token for token in tokens)


@pytest.mark.parametrize(
    "token", ["", "short", "x" * 65, "has space in it 123456", "<script>alert(1)</script>"]
)
def test_a_posted_token_we_could_not_have_made_is_ignored(user, token):
    assert posted_token(post(user, token)) is None


def test_a_get_has_no_posted_token(user):
    request = RequestFactory().get("/things/new/", {SUBMISSION_TOKEN_FIELD: TOKEN})

    assert posted_token(request) is None
    assert form_token(request) != TOKEN


def test_a_form_shown_again_after_a_post_keeps_its_token(user):
    assert form_token(post(user)) == TOKEN
    assert form_token(post(user, token=None)) != TOKEN


# Recording once


def test_the_first_post_records_and_keeps_where_it_is_shown(user):
    result = submit_once(post(user), record_a_heartbeat)

    submission = FormSubmission.objects.get()
    assert Heartbeat.objects.count() == 1
    assert (submission.token, submission.user, submission.url, submission.label) == (
        TOKEN,
        user,
        result.get_absolute_url(),
        str(result),
    )


def test_the_second_post_of_a_token_records_nothing_and_names_the_first(user):
    first = submit_once(post(user), record_a_heartbeat)

    with pytest.raises(AlreadySubmitted) as raised:
        submit_once(post(user), record_a_heartbeat)

    assert Heartbeat.objects.count() == 1
    assert raised.value.submission.url == first.get_absolute_url()
    assert FormSubmission.objects.count() == 1


def test_posts_without_a_token_are_recorded_each_time_as_before(user):
    submit_once(post(user, token=None), record_a_heartbeat)
    submit_once(post(user, token=None), record_a_heartbeat)

    assert Heartbeat.objects.count() == 2
    assert not FormSubmission.objects.exists()


def test_a_refused_post_leaves_nothing_and_the_token_unused(user):
    with pytest.raises(Refused):
        submit_once(post(user), refuse)

    assert not Heartbeat.objects.exists()
    assert not FormSubmission.objects.exists()

    # The corrected form goes again with the same token, and records.
    submit_once(post(user), record_a_heartbeat)

    assert Heartbeat.objects.count() == 1
    assert FormSubmission.objects.get().token == TOKEN


def test_a_custom_description_says_where_to_go(user):
    submit_once(post(user), record_a_heartbeat, describe=lambda _: ("/orders/7/", "Receipt #3"))

    assert FormSubmission.objects.values_list("url", "label").get() == ("/orders/7/", "Receipt #3")


def test_another_users_token_shows_them_nothing_and_records_nothing(user, other_user):
    submit_once(post(user), record_a_heartbeat)

    with pytest.raises(AlreadySubmitted) as raised:
        submit_once(post(other_user), record_a_heartbeat)

    assert raised.value.submission is None
    assert Heartbeat.objects.count() == 1
    refusal = already_submitted(post(other_user))
    assert refusal is not None and refusal.submission is None


def test_already_submitted_finds_a_used_token_only(user):
    assert already_submitted(post(user)) is None
    assert already_submitted(post(user, token=None)) is None

    submit_once(post(user), record_a_heartbeat)

    assert already_submitted(post(user)).submission == FormSubmission.objects.get()


# What the user is shown


def test_the_response_goes_to_the_first_document_and_says_so(user):
    first = submit_once(post(user), record_a_heartbeat)
    request = post(user)
    with pytest.raises(AlreadySubmitted) as raised:
        submit_once(request, record_a_heartbeat)

    response = raised.value.response(request)

    assert response.status_code == 302
    assert response.url == first.get_absolute_url()
    [message] = [str(message) for message in get_messages(request)]
    assert message.startswith("This form was already sent: ")
    assert f'<a href="{first.get_absolute_url()}">{first}</a> was recorded then' in message
    assert "Nothing was saved a second time." in message


def test_the_response_to_another_users_token_names_nothing(user, other_user):
    first = submit_once(post(user), record_a_heartbeat)
    request = post(other_user)

    response = already_submitted(request).response(request, fallback_url="/things/")

    assert response.url == "/things/"
    [message] = [str(message) for message in get_messages(request)]
    assert "already sent" in message
    assert str(first) not in message and first.get_absolute_url() not in message


# Purging


def test_purge_deletes_the_tokens_older_than_a_week_only(user):
    now = timezone.now()
    old = FormSubmission.objects.create(
        token="a" * 32, user=user, created_at=now - datetime.timedelta(days=8)
    )
    recent = FormSubmission.objects.create(
        token="b" * 32, user=user, created_at=now - datetime.timedelta(days=6)
    )

    call_command("purge_form_tokens", stdout=StringIO())

    assert list(FormSubmission.objects.all()) == [recent]
    assert not FormSubmission.objects.filter(pk=old.pk).exists()


def test_purge_takes_a_number_of_days_and_refuses_none(user):
    FormSubmission.objects.create(
        token="a" * 32, user=user, created_at=timezone.now() - datetime.timedelta(days=2)
    )

    with pytest.raises(CommandError):
        call_command("purge_form_tokens", "--days", "0")
    assert FormSubmission.objects.count() == 1

    call_command("purge_form_tokens", "--days", "1", stdout=StringIO())
    assert not FormSubmission.objects.exists()
