from django import forms
from django.contrib.auth.forms import PasswordChangeForm

from accounts.throttling import check_old_password


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with wrong old passwords counted as failed logins."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "throttled": (
            "Too many wrong passwords: the old password was not checked. "
            "Try again later, or ask a manager to reset your password."
        ),
    }

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        matches = check_old_password(self.request, self.user, old_password)
        if matches is None:
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        if not matches:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
