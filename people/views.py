from django.db.models import F

from core.crud import RecordDetailView, RecordListCreateView, model_permission
from core.pickers import RecordSearchView
from core.sections import sections_for
from people.forms import (
    CustomerForm,
    PartyFilterForm,
    PartySearchForm,
    SupplierForm,
    describe_party,
)
from people.models import Customer, Supplier

RECENT_DOCUMENTS = 20


PARTY_SORT_FIELDS = {"name": "name", "email": "email", "phone": "phone", "created": "created_at"}


class SupplierListView(RecordListCreateView):
    model = Supplier
    form_class = SupplierForm
    filter_form_class = PartyFilterForm
    sort_fields = PARTY_SORT_FIELDS | {"contact": "contact_person"}


class SupplierDetailView(RecordDetailView):
    model = Supplier
    form_class = SupplierForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["products"] = self.object.products.select_related("category").order_by("name")
        # Through the reverse relation: people sits below the document apps
        # and never imports them.
        context["purchases"] = (
            self.object.purchases.select_related("store", "supplier")
            .with_totals()
            .order_by("-date", "-pk")[:RECENT_DOCUMENTS]
        )
        # Lazy: the template reads it only for users who may see purchase orders.
        context["open_orders"] = (
            self.object.purchase_orders.open()
            .select_related("store")
            .with_totals()
            .order_by(F("expected_date").asc(nulls_last=True), "date", "pk")[:RECENT_DOCUMENTS]
        )
        context["sections"] = sections_for("suppliers:detail", self.object, self.request)
        return context


class CustomerListView(RecordListCreateView):
    model = Customer
    form_class = CustomerForm
    filter_form_class = PartyFilterForm
    sort_fields = PARTY_SORT_FIELDS


class CustomerDetailView(RecordDetailView):
    model = Customer
    form_class = CustomerForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sales"] = (
            self.object.sales.select_related("store", "customer")
            .with_totals()
            .order_by("-date", "-pk")[:RECENT_DOCUMENTS]
        )
        context["sections"] = sections_for("customers:detail", self.object, self.request)
        return context


class PartySearchView(RecordSearchView):
    """JSON for the customer and supplier pickers: those whose name contains ``q``, by name,
    at most ``LIMIT``; with ``active=1`` only active ones (new documents take no others).

    The list filters search archived ones too, for their history, marked in the detail.
    ``{"results": [{"id", "name", "detail"}, ...]}``, the detail as under the field
    (see describe_party).
    """

    form_class = PartySearchForm
    model = None  # Customer or Supplier, set in urls.py

    def get_permission_required(self):
        return (model_permission(self.model, "view"),)

    def results(self, term, options):
        parties = self.model.objects.filter(name__icontains=term)
        if options["active"]:
            parties = parties.filter(is_active=True)
        parties = parties.only("name", "email", "phone", "is_active").order_by("name", "pk")
        return [
            {"id": party.pk, "name": party.name, "detail": describe_party(party)}
            for party in parties[: self.LIMIT]
        ]
