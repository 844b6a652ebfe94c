from django import forms
from django.contrib.auth.forms import PasswordChangeForm

from accounts.models import Profile
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


class ProfileForm(forms.ModelForm):
    """The user's own preferences: the default store, chosen among the active stores.

    An archived store chosen earlier stays the default until changed, but is not
    offered again: the page names it, and posting its id is an error like any
    unknown id.
    """

    class Meta:
        model = Profile
        fields = ["default_store"]
        error_messages = {
            "default_store": {"invalid_choice": "Choose one of the active stores, or none."}
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["default_store"]
        field.queryset = field.queryset.active().order_by("name")
        field.empty_label = "No default store"
        current = self.instance.default_store if self.instance.default_store_id else None
        if current is not None and not current.is_active:
            field.help_text = (
                f"Your default store, {current}, is archived: choose another one, or none."
            )
