"""Each sale line gets a copy of its sale's date and voided state (see SaleLine.sale_date).

Added nullable and filled here; 0011 makes the date required and indexes both, in a
transaction of its own (PostgreSQL refuses to alter a table with updates pending).
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_from_sales(apps, schema_editor):
    Sale = apps.get_model("sales", "Sale")
    SaleLine = apps.get_model("sales", "SaleLine")
    db = schema_editor.connection.alias
    SaleLine.objects.using(db).update(
        sale_date=Subquery(Sale.objects.using(db).filter(pk=OuterRef("sale_id")).values("date"))
    )
    # A subquery, not a list of keys: SQLite limits the parameters of one statement.
    voided = Sale.objects.using(db).filter(voided_at__isnull=False)
    SaleLine.objects.using(db).filter(sale__in=voided).update(voided=True)


class Migration(migrations.Migration):
    dependencies = [("sales", "0009_translatable_labels")]

    operations = [
        migrations.AddField(
            model_name="saleline",
            name="sale_date",
            field=models.DateField(editable=False, null=True, verbose_name="date"),
        ),
        migrations.AddField(
            model_name="saleline",
            name="voided",
            field=models.BooleanField(default=False, editable=False, verbose_name="voided"),
        ),
        migrations.RunPython(copy_from_sales, migrations.RunPython.noop, elidable=True),
    ]
