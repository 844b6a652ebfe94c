from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Dashboard(models.Model):
    """No table: the holder of the permission to see the dashboard's business figures.

    Sales value, profit, stock value and the latest documents are for the
    shop's staff; a signed-in user without a role sees a page that says whom
    to ask instead. Both roles hold the permission (see accounts.roles).
    """

    class Meta:
        managed = False
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")
        default_permissions = ()
        permissions = [("view_dashboard", "Can see the dashboard (sales, profit, stock value)")]

    def __str__(self):
        return gettext("Dashboard")
