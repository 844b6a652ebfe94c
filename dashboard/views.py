from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from dashboard.selectors import dashboard_summary


@method_decorator(login_not_required, name="dispatch")
class WelcomeView(TemplateView):
    """The public start page; signed-in users go straight to their dashboard."""

    template_name = "dashboard/welcome.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("dashboard:index")
        return super().get(request, *args, **kwargs)


class DashboardView(TemplateView):
    template_name = "dashboard/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = dashboard_summary()
        return context
