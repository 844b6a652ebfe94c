from inventory_project.crud import ListFilterForm, RecordDetailView, RecordListCreateView
from people.forms import CustomerForm, SupplierForm
from people.models import Customer, Supplier
from purchases.models import Purchase
from sales.models import Sale

RECENT_DOCUMENTS = 20


class PartyFilterForm(ListFilterForm):
    search_fields = ("name", "email", "phone")


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
        context["purchases"] = (
            Purchase.objects.filter(supplier=self.object)
            .select_related("store", "supplier")
            .with_totals()
            .order_by("-date", "-pk")[:RECENT_DOCUMENTS]
        )
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
            Sale.objects.filter(customer=self.object)
            .select_related("store", "customer")
            .with_totals()
            .order_by("-date", "-pk")[:RECENT_DOCUMENTS]
        )
        return context
