"""/users/: managing the shop's staff (accounts.user_views), under the "users" namespace."""

from django.urls import path

from accounts import user_views

app_name = "users"

urlpatterns = [
    path("", user_views.UserListView.as_view(), name="list"),
    path("add/", user_views.UserCreateView.as_view(), name="create"),
    path("<int:pk>/", user_views.UserDetailView.as_view(), name="detail"),
    path("<int:pk>/deactivate/", user_views.UserDeactivateView.as_view(), name="deactivate"),
    path("<int:pk>/reactivate/", user_views.UserReactivateView.as_view(), name="reactivate"),
    path("<int:pk>/password/", user_views.UserPasswordView.as_view(), name="password"),
    path("<int:pk>/reset-link/", user_views.UserResetLinkView.as_view(), name="reset_link"),
    path("<int:pk>/unlock/", user_views.UserUnlockView.as_view(), name="unlock"),
]
