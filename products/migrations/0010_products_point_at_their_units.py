"""Each product's unit of measure, from the code it was counted in (see 0009).

Its own migration: on PostgreSQL, the foreign keys it writes leave pending
trigger events, and no table they touch may be altered in the same transaction.
"""

from django.db import migrations


def point_products_at_their_unit(apps, schema_editor):
    Unit = apps.get_model("products", "Unit")
    Product = apps.get_model("products", "Product")
    # By symbol in any case: MariaDB compares "PCS" and "pcs" as one value.
    # A code that is a unit's name ("piece") means that unit.
    units = {unit.name.lower(): unit for unit in Unit.objects.all()}
    units |= {unit.symbol.lower(): unit for unit in Unit.objects.all()}
    for code in Product.objects.values_list("unit", flat=True).distinct():
        key = code[:8].lower()
        if key not in units:  # a code written outside the old choices: keep it, whole units
            units[key] = Unit.objects.create(
                symbol=code[:8], name=code[:40], plural=code[:40], decimal_places=0
            )
        Product.objects.filter(unit=code).update(unit_of_measure=units[key])


def point_back_to_codes(apps, schema_editor):
    Product = apps.get_model("products", "Product")
    for product in Product.objects.select_related("unit_of_measure"):
        Product.objects.filter(pk=product.pk).update(unit=product.unit_of_measure.symbol)


class Migration(migrations.Migration):
    dependencies = [("products", "0009_decimal_quantities")]

    operations = [
        migrations.RunPython(point_products_at_their_unit, point_back_to_codes),
    ]
