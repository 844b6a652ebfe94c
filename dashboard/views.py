from urllib.parse import urlencode

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import render
from django.views.generic import TemplateView

from dashboard.charts import ranking_bars, value_bars
from dashboard.forms import PeriodForm
from dashboard.selectors import dashboard_summary


class DashboardView(PermissionRequiredMixin, TemplateView):
    """Counts, period totals, charts and what needs attention, for the shop's staff."""

    template_name = "dashboard/index.html"
    permission_required = "dashboard.view_dashboard"

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return super().handle_no_permission()
        # Where every login lands: a new account without a role is told why
        # there is nothing here and whom to ask, not just "not allowed".
        return render(self.request, "dashboard/no_access.html", status=403)

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
