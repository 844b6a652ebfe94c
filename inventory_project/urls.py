from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.forms import PasswordResetConfirmForm
from accounts.views import (
    ProfileUpdateView,
    ThrottledPasswordChangeView,
    ThrottledPasswordResetView,
)
from core.views import WelcomeView, favicon, healthz, web_app_manifest
from dashboard.urls import report_patterns
from people.urls import customer_patterns, supplier_patterns
from products.urls import category_patterns, product_patterns, tax_rate_patterns, unit_patterns

# A database outage answers 503 "try again in a moment" instead of a 500 (see core.views).
handler500 = "core.views.server_error"


def _admin_site_header() -> str:
    return gettext("%(site)s administration") % {"site": settings.SITE_NAME}


# Lazy: the admin's pages are in the language of the request that shows them.
admin.site.site_header = lazy(_admin_site_header, str)()
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = gettext_lazy("Inventory records")

# Each record type has its own URL namespace ("products:detail",
# "categories:list"...), even where one app owns two of them.
urlpatterns = [
    path("", WelcomeView.as_view(), name="welcome"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("manifest.webmanifest", web_app_manifest, name="web_app_manifest"),
    path("", include("dashboard.urls")),
    path("stores/", include("stores.urls")),
    path("categories/", include((category_patterns, "categories"))),
    path("units/", include((unit_patterns, "units"))),
    path("tax-rates/", include((tax_rate_patterns, "tax_rates"))),
    path("products/", include((product_patterns, "products"))),
    path("suppliers/", include((supplier_patterns, "suppliers"))),
    path("customers/", include((customer_patterns, "customers"))),
    path("purchases/", include("purchases.urls")),
    path("purchase-orders/", include("purchases.order_urls")),
    path("replenishment/", include("replenishment.urls")),
    path("sales/", include("sales.urls")),
    path("returns/", include("sales.return_urls")),
    path("transfers/", include("transfers.urls")),
    path("reports/", include((report_patterns, "reports"))),
    path("users/", include("accounts.user_urls")),
    path("audit/", include("audit.urls")),
    path("imports/", include("imports.urls")),
    path("jobs/", include("jobs.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", ProfileUpdateView.as_view(), name="profile"),
    path("accounts/password/", ThrottledPasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # "Forgot password?": Django's reset by email. The answer never says whether an
    # address is known, and the confirm page does not sign the user in.
    path(
        "accounts/password/reset/",
        # The email names the shop, not the host name the request came to.
        ThrottledPasswordResetView.as_view(extra_email_context={"site_name": settings.SITE_NAME}),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=PasswordResetConfirmForm),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The language chooser's form: anyone may change the language, signed in or not.
    path("i18n/setlang/", require_POST(login_not_required(set_language)), name="set_language"),
    path("admin/", admin.site.urls),
]
