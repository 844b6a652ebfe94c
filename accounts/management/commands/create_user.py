import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.roles import ROLES, ensure_roles

PASSWORD_VARIABLE = "INVENTORY_USER_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a user with a role (Manager or Clerk), e.g. for a first deployment without "
        f"the admin. The password comes from ${PASSWORD_VARIABLE} or is asked for."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.lower() for role in ROLES])
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--superuser", action="store_true", help="Also give access to the admin site."
        )

    def handle(self, *args, username, role, email, superuser, **options):
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            raise CommandError(f"A user called {username!r} already exists.")
        password = os.environ.get(PASSWORD_VARIABLE) or self.ask_password()
        candidate = user_model(username=username, email=email)
        try:
            validate_password(password, candidate)
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from error
        ensure_roles()
        group = Group.objects.get(name=role.capitalize())
        manager = user_model.objects
        create = manager.create_superuser if superuser else manager.create_user
        user = create(username=username, email=email, password=password)
        user.groups.add(group)
        self.stdout.write(self.style.SUCCESS(f"Created {username} with the {group.name} role."))

    def ask_password(self) -> str:
        try:
            first = getpass.getpass("Password: ")
            second = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt) as error:
            raise CommandError(
                f"No password given: set ${PASSWORD_VARIABLE} when there is no terminal."
            ) from error
        if first != second:
            raise CommandError("The passwords do not match.")
        return first
