from django.urls import path

from transfers import views

app_name = "transfers"

urlpatterns = [
    path("", views.TransferListView.as_view(), name="list"),
    path("new/", views.TransferCreateView.as_view(), name="create"),
    path("<int:pk>/", views.TransferDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.TransferEditView.as_view(), name="edit"),
    path("<int:pk>/slip/", views.PackingSlipView.as_view(), name="slip"),
    path("<int:pk>/dispatch/", views.TransferDispatchView.as_view(), name="dispatch"),
    path("<int:pk>/receive/", views.TransferReceiveView.as_view(), name="receive"),
    path("<int:pk>/cancel/", views.TransferCancelView.as_view(), name="cancel"),
    path("<int:pk>/void/", views.TransferVoidView.as_view(), name="void"),
    path("<int:pk>/delete/", views.TransferDeleteView.as_view(), name="delete"),
]
