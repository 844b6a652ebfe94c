import logging
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from dashboard.charts import ranking_bars, value_bars
from dashboard.periods import PeriodForm
from dashboard.selectors import dashboard_summary


@method_decorator(login_not_required, name="dispatch")
class WelcomeView(TemplateView):
    """The public start page; signed-in users go straight to their dashboard."""

    template_name = "dashboard/welcome.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("dashboard:index")
        return super().get(request, *args, **kwargs)


logger = logging.getLogger(__name__)


@login_not_required
@require_safe
def healthz(request):
    """For load balancers: 200 when the app can reach its database, 503 when it cannot."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database is unreachable")
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class DashboardView(TemplateView):
    """Counts, period totals, charts and what needs attention, for any signed-in user."""

    template_name = "dashboard/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period_form = PeriodForm(self.request.GET or None)
        period = period_form.get_period()
        summary = dashboard_summary(period)
        context.update(
            period_form=period_form,
            period=period,
            period_query=urlencode(period.query),
            period_form_query=urlencode(period.form_query),
            summary=summary,
            value_chart=value_bars(summary["chart"]["points"], summary["chart"]["step"]),
            top_chart=ranking_bars(summary["top_products"]),
        )
        return context
