from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0010_sale_line_period_copies")]

    operations = [
        migrations.AlterField(
            model_name="saleline",
            name="sale_date",
            field=models.DateField(editable=False, verbose_name="date"),
        ),
        migrations.AddIndex(
            model_name="saleline",
            index=models.Index(
                fields=[
                    "sale_date",
                    "voided",
                    "product",
                    "quantity",
                    "net_amount",
                    "tax_amount",
                    "unit_cost",
                ],
                name="sale_line_period",
            ),
        ),
    ]
