from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm, UsernameField
from django.contrib.auth.password_validation import validate_password
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.access import store_ids
from accounts.models import Profile
from accounts.roles import CLERK, MANAGER, ROLE_LABELS, ROLES
from accounts.throttling import check_old_password
from accounts.users import (
    generate_temporary_password,
    password_chosen,
    profile_of,
    role_of,
    user_save,
    user_set_temporary_password,
)
from core.crud import CaseInsensitiveUniqueMixin, FilterForm, matching_every_word
from stores.models import Store


class ChoosesOwnPasswordMixin:
    """For the forms with which a user sets their own password: a change is no longer due."""

    def save(self, commit=True):
        user = super().save(commit)
        if commit:
            password_chosen(user)
        return user


class PasswordResetConfirmForm(ChoosesOwnPasswordMixin, SetPasswordForm):
    """The new password from a reset link (by email or from a manager); the validators apply."""


class ThrottledPasswordChangeForm(ChoosesOwnPasswordMixin, PasswordChangeForm):
    """Django's password change, with wrong old passwords counted as failed logins."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "throttled": _(
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
            "default_store": {"invalid_choice": _("Choose one of the active stores, or none.")}
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["default_store"]
        field.queryset = field.queryset.active().order_by("name")
        field.empty_label = gettext("No default store")
        current = self.instance.default_store if self.instance.default_store_id else None
        if current is not None and not current.is_active:
            field.help_text = gettext(
                "Your default store, %(store)s, is archived: choose another one, or none."
            ) % {"store": current}


# Managing users (/users/) --------------------------------------------------------------------


class UserFilterForm(FilterForm):
    """The users list's search and filters; a bad value is ignored (see FilterForm)."""

    NO_ROLE = "none"
    STATUS_CHOICES = [("active", _("Active")), ("inactive", _("Deactivated")), ("all", _("All"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[
            ("", _("Any role")),
            *((role, ROLE_LABELS[role]) for role in ROLES),
            (NO_ROLE, _("No role")),
        ],
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    search_fields = ("username", "first_name", "last_name", "email")

    def filter_queryset(self, queryset):
        data = self.valid_data
        queryset = matching_every_word(queryset, data.get("q"), self.search_fields)
        role = data.get("role")
        if role == self.NO_ROLE:
            queryset = queryset.exclude(groups__name__in=ROLES)
        elif role:
            queryset = queryset.filter(groups__name=role)
        status = data.get("status") or "active"
        if status != "all":
            queryset = queryset.filter(is_active=status == "active")
        return queryset


# The largest id a BigAutoField holds: a longer number names no store, and SQLite
# cannot even compare with it (an OverflowError, so a server error).
MAX_ID = 2**63 - 1


class StoresField(forms.ModelMultipleChoiceField):
    """The stores a user works in; an id too large for any row is refused like an unknown one."""

    def _check_values(self, value):
        for pk in value:
            try:
                too_large = abs(int(str(pk))) > MAX_ID
            except ValueError:
                continue  # not a number: Django's own message
            if too_large:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class UserForm(CaseInsensitiveUniqueMixin, forms.ModelForm):
    """A colleague as a manager adds or edits them: who they are, their role, their stores.

    The password is not here: a new user gets none, and the manager gives a
    one-time link or a temporary password next (UserPasswordView).
    """

    error_messages = {
        "no_stores": _(
            "A clerk who does not work in every store needs at least one store: "
            "tick their stores, or “Works in every store”."
        ),
        "own_role": _(
            "You cannot remove your own Manager role: ask another manager if it must change."
        ),
    }
    # "alice" and "Alice" would be two accounts that people cannot tell apart.
    case_insensitive_unique = ("username",)

    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(MANAGER, ROLE_LABELS[MANAGER]), (CLERK, ROLE_LABELS[CLERK])],
        widget=forms.RadioSelect,
        help_text=_(
            "Managers may do everything, users included; clerks record purchases, sales, "
            "returns and transfers."
        ),
    )
    all_stores = forms.BooleanField(
        label=_("Works in every store"),
        required=False,
        help_text=_("Records documents in any store, today's and those added later."),
    )
    stores = StoresField(
        label=_("Stores"),
        queryset=Store.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The stores they record documents in, when not in every store. "
            "A manager with none ticked works in every store."
        ),
    )

    class Meta:
        model = get_user_model()
        fields = ["username", "first_name", "last_name", "email"]
        field_classes = {"username": UsernameField}

    def __init__(self, *args, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user
        user = self.instance
        profile = profile_of(user) if user.pk else None
        current_stores = list(profile.stores.all()) if profile and profile.pk else []
        # The active stores, and any archived one the user still has: offering
        # only active ones would drop it silently at the next save.
        self.fields["stores"].queryset = Store.objects.filter(
            Q(is_active=True) | Q(pk__in=[store.pk for store in current_stores])
        ).order_by("name")
        # A manager limited to some stores gives only those (accounts.users.within_stores_of).
        self.acting_store_ids = store_ids(acting_user)
        if self.acting_store_ids is not None:
            self.fields["stores"].queryset = self.fields["stores"].queryset.filter(
                pk__in=self.acting_store_ids
            )
            self.fields["all_stores"].disabled = True
            self.fields["all_stores"].initial = False
            self.initial["all_stores"] = False
        if profile is not None:
            self.initial.setdefault("role", role_of(user))
            self.initial.setdefault("all_stores", profile.all_stores)
            self.initial.setdefault("stores", current_stores)
        # A new user starts with no store ticked: a clerk is given their stores,
        # a manager left so works in every store (clean()).

    def clean_role(self):
        role = self.cleaned_data["role"]
        user = self.instance
        if user.pk == self.acting_user.pk and role != MANAGER and role_of(user) == MANAGER:
            raise forms.ValidationError(self.error_messages["own_role"], code="own_role")
        return role

    def clean(self):
        cleaned_data = super().clean()
        role = cleaned_data.get("role")
        no_stores = not cleaned_data.get("all_stores") and not cleaned_data.get("stores")
        if no_stores and "stores" not in self.errors:
            if role == MANAGER and self.acting_store_ids is None:
                # Managers work in every store unless limited to some.
                cleaned_data["all_stores"] = True
            else:
                self.add_error(
                    "stores",
                    forms.ValidationError(self.error_messages["no_stores"], code="no_stores"),
                )
        return cleaned_data

    def save(self, commit=True):
        user = super().save(commit=False)
        if commit:
            user_save(
                user=user,
                role=self.cleaned_data["role"],
                all_stores=self.cleaned_data["all_stores"],
                stores=self.cleaned_data["stores"],
            )
        return user


class TemporaryPasswordForm(forms.Form):
    """A password the manager passes on, typed or generated; the user must change it at login.

    Unbound, it offers a generated one: the manager sees it once, on this form,
    and it is stored nowhere but as the user's password hash.
    """

    password = forms.CharField(
        label=_("Temporary password"),
        strip=False,
        # Long enough for any passphrase, short enough that hashing it costs nothing.
        max_length=128,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Generated for you; type another if you prefer. Pass it on: they choose "
            "their own at their next login."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.is_bound:
            self.initial["password"] = generate_temporary_password()

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password, self.user)
        return password

    def save(self):
        user_set_temporary_password(user=self.user, password=self.cleaned_data["password"])
