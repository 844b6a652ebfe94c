from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import PasswordChangeView, PasswordResetView
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import UpdateView

from accounts.forms import ProfileForm, ThrottledPasswordChangeForm
from accounts.middleware import SESSION_FLAG, forget_must_change_password
from accounts.models import Profile
from accounts.reset_limits import reset_allowed
from accounts.roles import ROLE_LABELS, roles_of


class ThrottledPasswordChangeView(PasswordChangeView):
    """The password change page; guesses of the old password are throttled like logins."""

    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        # The form cleared the profile's flag; this session's copy goes too.
        forget_must_change_password(self.request)
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["change_due"] = bool(self.request.session.get(SESSION_FLAG))
        return context


class ProfileUpdateView(LoginRequiredMixin, UpdateView):
    """The signed-in user's own profile: who they are, and their default store."""

    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("profile")
    success_message = _("Saved.")

    def get_object(self, queryset=None):
        """The user's profile; an unsaved one if they have none yet (a GET creates nothing)."""
        user = self.request.user
        profile = Profile.objects.select_related("default_store").filter(user=user).first()
        return profile or Profile(user=user)

    def form_valid(self, form):
        # update_or_create rather than form.save(): a first profile saved from two
        # tabs at once would otherwise be inserted twice, and the second would break
        # the one-profile-per-user constraint with a server error.
        self.object, _ = Profile.objects.update_or_create(
            user=self.request.user,
            defaults={"default_store": form.cleaned_data["default_store"]},
        )
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = [str(ROLE_LABELS[role]) for role in roles_of(self.request.user)]
        return context


class ThrottledPasswordResetView(PasswordResetView):
    """ "Forgot password?", at most a few links per hour per client and per address asked
    for (accounts.reset_limits); beyond that, the same answer and no mail."""

    def form_valid(self, form):
        if reset_allowed(self.request, form.cleaned_data["email"]):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())
