from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_profile_stores"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="profile",
            options={"permissions": [("manage_users", "Can manage users")]},
        ),
        migrations.AddField(
            model_name="profile",
            name="must_change_password",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Must choose a new password at the next login (after a temporary password)."
                ),
            ),
        ),
    ]
