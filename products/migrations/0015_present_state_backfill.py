"""Fill the present state kept beside the stock rows (see products.state): each product's
totals on hand and on order, and each stock row's value, rule in force and listing.

Apart from the columns (0014) and the generated flag and indexes (0016): PostgreSQL
refuses to alter a table with pending trigger events from an update in the same
transaction. Written out here rather than imported: a migration must not depend on code
that changes later.
"""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import Case, Exists, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Round


def fill(apps, schema_editor):
    Product = apps.get_model("products", "Product")
    StockLevel = apps.get_model("products", "StockLevel")
    quantity = models.DecimalField(max_digits=18, decimal_places=3)

    def total(column):
        per_product = (
            StockLevel.objects.filter(product=OuterRef("pk"))
            .order_by()
            .values("product")
            .annotate(total=Round(Sum(column), 3))
            .values("total")
        )
        return Coalesce(Subquery(per_product, output_field=quantity), Decimal("0"))

    Product.objects.update(on_hand=total("quantity"), on_order=total("on_order"))
    average_cost = Subquery(
        Product.objects.filter(pk=OuterRef("product_id")).values("average_cost")[:1]
    )
    StockLevel.objects.update(stock_value=F("quantity") * average_cost)
    Supplier = apps.get_model("people", "Supplier")
    Store = apps.get_model("stores", "Store")
    active = Exists(
        Product.objects.filter(
            pk=OuterRef("product_id"),
            is_active=True,
            supplier__in=Supplier.objects.filter(is_active=True).values("pk"),
        )
    ) & Exists(Store.objects.filter(pk=OuterRef("store_id"), is_active=True))
    StockLevel.objects.update(listed=Case(When(active, then=Value(True)), default=Value(False)))
    reorder_level = Subquery(
        Product.objects.filter(pk=OuterRef("product_id")).values("reorder_level")[:1],
        output_field=quantity,
    )
    minimum = Coalesce(F("reorder_point"), reorder_level, output_field=quantity)
    StockLevel.objects.update(
        minimum=minimum,
        maximum=Greatest(
            Coalesce(F("order_up_to"), minimum * 2, output_field=quantity),
            minimum,
            output_field=quantity,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0014_present_state_columns"),
        ("people", "0002_created_at_and_contact_person_indexes"),
        ("stores", "0002_created_at_index_name_code_ci_unique"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
