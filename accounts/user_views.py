"""/users/: managers add colleagues, change their role and stores, deactivate them,
give them a way to sign in again and end a login lockout, without the admin.

Every page needs ``accounts.manage_users`` (the Manager role's); the rules live
in ``accounts.forms`` and ``accounts.users``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.auth.models import AbstractUser
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView, View
from django.views.generic.detail import SingleObjectMixin

from accounts.forms import TemporaryPasswordForm, UserFilterForm, UserForm
from accounts.roles import ROLE_LABELS
from accounts.users import (
    UserChangeRefused,
    is_locked_out,
    locked_out_usernames,
    manageable_users,
    name_of,
    password_reset_path,
    profile_of,
    role_of,
    user_deactivate,
    user_reactivate,
    user_unlock,
    within_stores_of,
)
from core.crud import NearestPageMixin, save_or_report
from core.sections import sections_for


@dataclass
class UserSummary:
    """What the users pages show about one user beside their fields."""

    user: AbstractUser
    role: str | None
    all_stores: bool
    stores: list
    must_change_password: bool
    locked_out: bool

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    @property
    def role_label(self) -> str | None:
        """The role as pages name it, in the user's language ("Manager"), or None."""
        return ROLE_LABELS[self.role] if self.role else None

    @classmethod
    def of(cls, users, locked: set[str]) -> list["UserSummary"]:
        summaries = []
        for user in users:
            profile = profile_of(user)
            summaries.append(
                cls(
                    user=user,
                    role=role_of(user),
                    all_stores=profile.all_stores,
                    stores=list(profile.stores.all()) if profile.pk else [],
                    must_change_password=profile.must_change_password,
                    locked_out=user.get_username() in locked,
                )
            )
        return summaries


class ManageUsersMixin(PermissionRequiredMixin):
    """Managers only (a clerk gets the 403 page); only users /users/ manages (others 404)."""

    permission_required = "accounts.manage_users"

    def get_queryset(self):
        return within_stores_of(manageable_users(), self.request.user)


class UserListView(ManageUsersMixin, NearestPageMixin, ListView):
    template_name = "accounts/user_list.html"
    paginate_by = 25
    # Query-string value -> ordering; "-<value>" sorts descending.
    sort_fields = {
        "username": ["username"],
        "name": ["first_name", "last_name"],
        "last_login": ["last_login"],
    }
    default_sort = "username"

    def get_sort(self) -> str:
        requested = self.request.GET.get("sort", "")
        return requested if requested.removeprefix("-") in self.sort_fields else self.default_sort

    def get_queryset(self):
        self.filter_form = UserFilterForm(self.request.GET or None)
        queryset = self.filter_form.filter_queryset(super().get_queryset())
        sort = self.get_sort()
        prefix = "-" if sort.startswith("-") else ""
        ordering = [prefix + field for field in self.sort_fields[sort.removeprefix("-")]]
        # The primary key breaks ties so a page never repeats or skips a row.
        return queryset.order_by(*ordering, f"{prefix}pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        users = context["object_list"]
        locked = locked_out_usernames(user.get_username() for user in users)
        context.update(
            object_list=UserSummary.of(users, locked),
            filter_form=self.filter_form,
            current_sort=self.get_sort(),
            verbose_name=_("user"),
            verbose_name_plural=_("users"),
        )
        return context


class UserFormMixin:
    form_class = UserForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "acting_user": self.request.user}

    def form_valid(self, form):
        if save_or_report(form) is None:
            return self.form_invalid(form)
        self.object = form.instance
        messages.success(self.request, self.success_message % {"user": name_of(self.object)})
        return HttpResponseRedirect(self.get_success_url())


class UserCreateView(ManageUsersMixin, UserFormMixin, CreateView):
    template_name = "accounts/user_form.html"
    success_message = _("%(user)s was added. Now give them a way to sign in.")

    def get_success_url(self):
        return reverse("users:password", args=[self.object.pk])


class UserDetailView(ManageUsersMixin, UserFormMixin, UpdateView):
    """A user's page: the edit form, and their sign-in state with its actions."""

    template_name = "accounts/user_detail.html"
    context_object_name = "member"  # "user" is the signed-in user in every template
    success_message = _("%(user)s was saved.")

    def get_success_url(self):
        return reverse("users:detail", args=[self.object.pk])

    def form_invalid(self, form):
        # The heading shows what is saved, not what was typed.
        self.object = self.get_object()
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        locked = {self.object.get_username()} if is_locked_out(self.object) else set()
        context["summary"] = UserSummary.of([self.object], locked)[0]
        # The History section (audit registers it): role, stores and access changes.
        context["sections"] = sections_for("users:detail", self.object, self.request)
        return context


class UserActionView(ManageUsersMixin, SingleObjectMixin, View):
    """POST-only: one action on a user, reported as a message on their page."""

    http_method_names = ["post"]

    def act(self, user) -> str:
        """Do the action; the success message. UserChangeRefused says why not."""
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        user = self.get_object()
        try:
            messages.success(request, self.act(user))
        except UserChangeRefused as refusal:
            messages.error(request, str(refusal))
        return redirect("users:detail", pk=user.pk)


class UserDeactivateView(UserActionView):
    def act(self, user) -> str:
        user_deactivate(user=user, by=self.request.user)
        return gettext(
            "%(user)s was deactivated: they can no longer sign in. Their history stays."
        ) % {"user": name_of(user)}


class UserReactivateView(UserActionView):
    def act(self, user) -> str:
        user_reactivate(user=user)
        return gettext("%(user)s was reactivated: they can sign in again.") % {
            "user": name_of(user)
        }


class UserUnlockView(UserActionView):
    def act(self, user) -> str:
        if not user_unlock(user=user):
            return gettext("%(user)s had no failed logins to clear.") % {"user": name_of(user)}
        return gettext("%(user)s's failed logins were cleared: they can sign in again now.") % {
            "user": name_of(user)
        }


class GivesPasswordMixin(SingleObjectMixin):
    """For the pages that give a user a way to sign in: not for oneself, nor a deactivated user."""

    context_object_name = "member"

    def dispatch(self, request, *args, **kwargs):
        self.object = user = self.get_object()
        if user.pk == request.user.pk:
            messages.info(request, gettext("Change your own password here."))
            return redirect("password_change")
        if not user.is_active:
            messages.error(
                request,
                gettext("%(user)s is deactivated: reactivate them first.")
                % {"user": name_of(user)},
            )
            return redirect("users:detail", pk=user.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["locked_out"] = is_locked_out(self.object)
        return context


class UserPasswordView(ManageUsersMixin, GivesPasswordMixin, FormView):
    """Reset a password: a generated (or typed) temporary password, or a one-time link."""

    form_class = TemporaryPasswordForm
    template_name = "accounts/user_password.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.object}

    def form_valid(self, form):
        form.save()
        messages.success(
            self.request,
            gettext(
                "%(user)s has the temporary password you gave; they must choose "
                "their own when they next sign in."
            )
            % {"user": name_of(self.object)},
        )
        return redirect("users:detail", pk=self.object.pk)


class UserResetLinkView(ManageUsersMixin, GivesPasswordMixin, DetailView):
    """A one-time link to set a new password, for the manager to pass on.

    A GET: making the link changes nothing (the token is computed, not stored).
    """

    template_name = "accounts/user_reset_link.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["link"] = self.request.build_absolute_uri(password_reset_path(self.object))
        context["valid_hours"] = settings.PASSWORD_RESET_TIMEOUT // 3600
        return context
