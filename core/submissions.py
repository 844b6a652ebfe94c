"""One-time form tokens: the same form, posted twice, records once.

A page with a form that records something (a sale, a receipt, a return, an
adjustment…) carries a random token in a hidden input
(``templates/includes/submission_token.html``, filled by
:class:`SubmissionTokenMixin`). The view records through :func:`submit_once`,
which inserts a :class:`~core.models.FormSubmission` row with that token in the
same transaction as the document. The token is unique, so:

- a second post of the same page (a double tap on a slow phone, a resend after
  a timeout, Back then Send again) fails on the insert, rolls back, and is sent
  to what the first one recorded (:class:`AlreadySubmitted`);
- two posts at the same moment queue on the token: PostgreSQL and MariaDB make
  the second insert wait for the first transaction, SQLite's ``BEGIN
  IMMEDIATE`` makes the second transaction wait; either way the second sees the
  first's row once it commits, or takes the token if the first rolled back;
- a post the engine refuses (not enough stock) rolls the row back with the
  document, so the corrected form goes again with the same token.

A post without a token (an old tab, a script, the tests that build POST bodies)
is recorded as before, unguarded; so is one whose token is not one we could
have made, rather than failing on the column. Tokens belong to the user who
posted them: another user's token never shows someone else's document.
"""

import re
import secrets
from collections.abc import Callable

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.translation import gettext

from core.models import FormSubmission
from core.transactions import retry_on_deadlock

SUBMISSION_TOKEN_FIELD = "submission_token"
# secrets.token_urlsafe(24) gives 32 characters; anything else is not one of ours.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def posted_token(request) -> str | None:
    """The token the request posted, or None: none, or not one we could have made."""
    if request.method != "POST":
        return None
    token = request.POST.get(SUBMISSION_TOKEN_FIELD, "")
    return token if TOKEN_PATTERN.fullmatch(token) else None


def form_token(request) -> str:
    """The token a page's form carries.

    A form shown again after a refusal keeps the token it was posted with: that
    post recorded nothing (its row rolled back), and the corrected resend must
    still be recognised if it is then sent twice.
    """
    return posted_token(request) or new_token()


class SubmissionTokenMixin:
    """Puts ``submission_token`` in a view's context, for the form's hidden input."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(SUBMISSION_TOKEN_FIELD, form_token(self.request))
        return context


class AlreadySubmitted(Exception):
    """The posted token already recorded something: nothing was recorded this time."""

    def __init__(self, submission: FormSubmission | None):
        super().__init__(gettext("This form was already sent."))
        self.submission = submission

    def response(self, request, fallback_url: str | None = None):
        """A redirect to what the first post recorded, with a message saying so.

        ``fallback_url`` (default: the form's own page) is where to go when
        the token is not this user's.
        """
        submission = self.submission
        if submission is not None and submission.url:
            messages.info(
                request,
                format_html(
                    gettext(
                        'This form was already sent: <a href="{url}">{label}</a> was recorded '
                        "then. Nothing was saved a second time."
                    ),
                    url=submission.url,
                    label=submission.label or gettext("it"),
                ),
            )
            return redirect(submission.url)
        messages.error(
            request,
            gettext(
                "This form was already sent and nothing was saved a second time. "
                "Check the list before entering it again on a fresh page."
            ),
        )
        return redirect(fallback_url or request.path)


def already_submitted(request) -> AlreadySubmitted | None:
    """The refusal of a post whose token already recorded something, else None (one query).

    For views that check the document's state before recording (a sale with
    nothing left to return, an order no longer open): a resend of the post that
    changed that state is told it was recorded, not that it is refused.
    :func:`submit_once` still guards the posts that pass.
    """
    token = posted_token(request)
    if token is None:
        return None
    submission = FormSubmission.objects.filter(token=token).first()
    if submission is None:
        return None
    return AlreadySubmitted(submission if submission.user_id == request.user.pk else None)


def _describe(document) -> tuple[str, str]:
    return document.get_absolute_url(), str(document)


class _TokenTaken(Exception):
    """The token's row exists: raised inside the transaction so that it rolls back."""


def submit_once[T](
    request,
    record: Callable[[], T],
    *,
    describe: Callable[[T], tuple[str, str]] = _describe,
) -> T:
    """Call ``record()`` once per posted token; returns what it returns.

    ``describe(result)`` gives the URL showing what was recorded and its name
    (default: the document's ``get_absolute_url()`` and ``str()``); a second
    post of the token is sent there. Raises :class:`AlreadySubmitted` for a
    token already used; any error of ``record`` (an ``OperationRefused``) goes
    up unchanged, and leaves the token unused.
    """
    token = posted_token(request)
    if token is None:
        return record()
    return _record_once(request.user, token, record, describe)


# The services' own deadlock retries do not run inside this transaction (see
# retry_on_deadlock): the whole unit, token included, is run again instead.
@retry_on_deadlock
def _record_once(user, token: str, record, describe):
    try:
        with transaction.atomic():
            # First, before any stock row is locked: a second post of the token
            # waits here for the first (or, on SQLite, at BEGIN IMMEDIATE).
            try:
                submission = FormSubmission.objects.create(token=token, user=user)
            except IntegrityError:
                raise _TokenTaken from None
            result = record()
            submission.url, submission.label = describe(result)
            submission.save(update_fields=["url", "label"])
            return result
    except _TokenTaken:
        pass
    # After the rollback, in a new statement: the first post's row is committed.
    raise AlreadySubmitted(FormSubmission.objects.filter(token=token, user=user).first())


def purge_submissions(*, older_than) -> int:
    """Delete the tokens recorded before ``older_than``; returns how many.

    A page left open longer than that and sent again records anew.
    """
    deleted, _ = FormSubmission.objects.filter(created_at__lt=older_than).delete()
    return deleted
