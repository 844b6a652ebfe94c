"""``manage.py seed_demo``: a demo login and a realistic hardware business to explore.

    python manage.py seed_demo [--size small|medium|large] [--seed N] [--force]

``small`` (the default, used by ``make run``) trades for four months through
the real services; ``medium`` and ``large`` write years of history in bulk
(see :mod:`demo.history`). Running it again adds nothing:
once the demo stores exist it only makes sure the demo login works.
"""

import random
import secrets
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.roles import CLERK, MANAGER, ensure_roles
from demo.catalogue import DEMO_STORE_CODES, SIZES
from demo.history import BulkHistory, ServiceHistory, create_catalogue
from demo.purchase_orders import seed_purchase_orders, seed_replenishment_rules
from demo.transfers import seed_transfers
from people.models import Customer, Supplier
from products.models import Category, Product, StockLevel, StockMovement, TaxRate
from purchases.models import Purchase, PurchaseLine, PurchaseOrder
from sales.models import Sale, SaleLine, SaleReturn
from stores.models import Store
from transfers.models import Transfer

DEMO_USERNAME = "demo"
# One login per role, so the difference between them can be tried out.
DEMO_ROLE_USERS = {"demo-manager": MANAGER, "demo-clerk": CLERK}
DEFAULT_SEED = 2024


def ensure_demo_user(password: str):
    """Create the demo superuser, or bring it back to a working login; returns (user, created)."""
    user, created = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"email": "demo@example.com"}
    )
    user.is_active = user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
    return user, created


def ensure_role_users() -> dict[str, str]:
    """Create (or reset) one demo login per role; returns username -> new password."""
    ensure_roles()
    passwords = {}
    for username, role in DEMO_ROLE_USERS.items():
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_active, user.is_staff, user.is_superuser = True, False, False
        passwords[username] = secrets.token_urlsafe(9)
        user.set_password(passwords[username])
        user.save()
        user.groups.set([Group.objects.get(name=role)])
    return passwords


class Command(BaseCommand):
    help = (
        "Create a demo superuser (password printed) and realistic demo data: stores, "
        "catalogue, customers, suppliers, a trading history consistent with the stock "
        "ledger, transfers and purchase orders in every state, and a few replenishment rules. "
        "Only with DEBUG on, or with --force. Running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=list(SIZES),
            default="small",
            help=(
                "small: 3 stores, 50 products, 4 months through the real services (default); "
                "medium: 5 stores, 2,000 products, 2 years; large: 10 stores, 20,000 "
                "products, 3 years, 1,000,000 sale lines (written in bulk)."
            ),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed: the same seed gives the same data (default {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed and print the demo login even with DEBUG off (never on a real system).",
        )

    def handle(self, *args, size: str, seed: int, force: bool, **options):
        if not (settings.DEBUG or force):
            # With DEBUG off this may be a production database: a superuser
            # with a password printed to a terminal (and logs) must not
            # appear there by accident.
            raise CommandError(
                "DEBUG is off, so this may be a production database: seed_demo would create "
                f'a superuser "{DEMO_USERNAME}" and print its password. Nothing was written. '
                "Set DEBUG=true for a local demo, or pass --force if you really mean it."
            )
        started = time.monotonic()
        password = secrets.token_urlsafe(9)
        # The debug cursor would keep every multi-megabyte bulk INSERT in
        # memory (and on SQLite quote all its parameters with extra queries).
        with override_settings(DEBUG=False), transaction.atomic():
            user, created = ensure_demo_user(password)
            role_passwords = ensure_role_users()
            existing = list(
                Store.objects.filter(code__in=DEMO_STORE_CODES).values_list("code", flat=True)
            )
            if existing:
                self.stdout.write(
                    f"Demo data already present (stores {', '.join(sorted(existing))}); "
                    "nothing added. Start from an empty database for another size or seed."
                )
            else:
                self.seed(size, seed, user)
        if not existing:
            self.report(size, seed, time.monotonic() - started)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login {'created' if created else 'ready (password reset)'}: "
                f"username {DEMO_USERNAME}, password {password}"
            )
        )
        for username, role in DEMO_ROLE_USERS.items():
            self.stdout.write(
                self.style.SUCCESS(
                    f"{role} login: username {username}, password {role_passwords[username]}"
                )
            )

    def seed(self, size_name: str, seed: int, user) -> None:
        size = SIZES[size_name]
        rng = random.Random(seed)
        today = timezone.localdate()
        self.stdout.write(f"Seeding {size_name} demo data (seed {seed}) up to {today}…")
        catalogue = create_catalogue(size, rng)
        if size_name == "small":
            ServiceHistory(catalogue, user=user, rng=rng, today=today, days=size.days).run()
        else:
            BulkHistory(catalogue, size, user=user, rng=rng, today=today, stream=self.stdout).run()
        seed_transfers(catalogue.stores, user, rng)
        seed_purchase_orders(catalogue.stores, user, rng, today)
        seed_replenishment_rules(catalogue.stores, rng)

    def report(self, size: str, seed: int, seconds: float) -> None:
        counts = {
            "stores": Store.objects.count(),
            "tax rates": TaxRate.objects.count(),
            "categories": Category.objects.count(),
            "suppliers": Supplier.objects.count(),
            "customers": Customer.objects.count(),
            "products": Product.objects.count(),
            "purchases": Purchase.objects.count(),
            "purchase lines": PurchaseLine.objects.count(),
            "sales": Sale.objects.count(),
            "sale lines": SaleLine.objects.count(),
            "discounted sale lines": SaleLine.objects.filter(price_set_by__isnull=False).count(),
            "customer returns": SaleReturn.objects.count(),
            "transfers": Transfer.objects.count(),
            "purchase orders": PurchaseOrder.objects.count(),
            "open purchase orders": PurchaseOrder.objects.open().count(),
            "stock levels": StockLevel.objects.count(),
            "stock movements": StockMovement.objects.count(),
            "products at or below reorder level": Product.objects.below_reorder_level().count(),
        }
        self.stdout.write(
            self.style.SUCCESS(f"Seeded {size} demo data (seed {seed}) in {seconds:.1f} s:")
        )
        for name, count in counts.items():
            self.stdout.write(f"  {count:>10,} {name}")
