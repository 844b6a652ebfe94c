import pytest
from django.contrib.auth.models import Group

from accounts.roles import CLERK


@pytest.fixture
def clerk_client(client, django_user_model):
    """A client signed in as a user holding the Clerk role."""
    user = django_user_model.objects.create_user("counter-clerk")
    user.groups.add(Group.objects.get(name=CLERK))
    client.force_login(user)
    return client
