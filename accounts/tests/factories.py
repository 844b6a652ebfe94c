import factory
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

STAFF_PASSWORD = "pw-staff-member-123"


def staff_user():
    """The user that test documents are recorded by (one, made on first use).

    It may set any sale price (sales.pricing), as tests choose their prices to
    make their figures; the pricing rules have tests of their own.
    """
    user, created = get_user_model().objects.get_or_create(username="factory-clerk")
    if created:
        may_set_prices(user)
    return user


def may_set_prices(user):
    """Give ``user`` the permission to sell at any price (sales.pricing); returns it."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="sales", codename="override_price")
    )
    return user


class UserFactory(factory.django.DjangoModelFactory):
    """A member of staff who signs in with STAFF_PASSWORD; ``role="Clerk"`` gives a role."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = "Example"
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(STAFF_PASSWORD)

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create and extracted:
            user.groups.add(Group.objects.get(name=extracted))


def lock_out(username: str, address: str = "10.0.0.1") -> AccessAttempt:
    """Record as many failed logins for ``username`` from ``address`` as django-axes locks out at.

    The row django-axes itself writes after AXES_FAILURE_LIMIT wrong passwords.
    """
    return AccessAttempt.objects.create(
        username=username,
        ip_address=address,
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
