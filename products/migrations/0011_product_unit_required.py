import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("products", "0010_products_point_at_their_units")]

    operations = [
        migrations.RemoveField(model_name='product', name='unit'),
        migrations.RenameField(model_name='product', old_name='unit_of_measure', new_name='unit'),
        migrations.AlterField(
            model_name='product',
            name='unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='products', to='products.unit', verbose_name='unit of measure'),
        ),
    ]
