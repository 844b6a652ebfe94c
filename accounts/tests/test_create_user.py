"""``manage.py create_user``: a user with a role, for a first deployment without the admin."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts.management.commands import create_user as create_user_command
from accounts.roles import CLERK, MANAGER, ROLES

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "correct-Horse-battery-9"


@pytest.fixture
def password_env(monkeypatch):
    monkeypatch.setenv("INVENTORY_USER_PASSWORD", STRONG_PASSWORD)


@pytest.fixture
def no_password_env(monkeypatch):
    monkeypatch.delenv("INVENTORY_USER_PASSWORD", raising=False)


def prompt_answers(monkeypatch, *answers):
    """Answer the password prompts with ``answers`` (an exception is raised instead)."""
    remaining = list(answers)

    def getpass(prompt=""):
        answer = remaining.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    monkeypatch.setattr(create_user_command.getpass, "getpass", getpass)


@pytest.mark.parametrize(("role", "group"), [("manager", MANAGER), ("clerk", CLERK)])
def test_create_user_with_role_puts_user_in_that_group_only(
    django_user_model, password_env, capsys, role, group
):
    call_command("create_user", "ana", "--role", role, "--email", "ana@example.com")

    user = django_user_model.objects.get(username="ana")
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert user.email == "ana@example.com"
    assert user.check_password(STRONG_PASSWORD)
    assert not user.is_staff and not user.is_superuser
    assert f"Created ana with the {group} role." in capsys.readouterr().out


def test_create_user_clerk_gets_clerk_permissions_not_manager_ones(django_user_model, password_env):
    call_command("create_user", "cleo", "--role", "clerk")

    user = django_user_model.objects.get(username="cleo")
    assert user.has_perm("sales.add_sale") and user.has_perm("people.change_customer")
    assert not user.has_perm("sales.void_sale") and not user.has_perm("products.change_product")


def test_create_user_superuser_gets_the_admin_too(django_user_model, password_env):
    call_command("create_user", "root", "--role", "manager", "--superuser")

    user = django_user_model.objects.get(username="root")
    assert user.is_superuser and user.is_staff
    assert user.groups.filter(name=MANAGER).exists()


def test_create_user_refuses_existing_username_and_keeps_the_old_user(
    django_user_model, password_env
):
    existing = django_user_model.objects.create_user("ana", password="old-Password-123")

    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "ana", "--role", "manager")

    assert django_user_model.objects.filter(username="ana").count() == 1
    existing.refresh_from_db()
    assert existing.check_password("old-Password-123")
    assert not existing.groups.exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345678", "too common"),
        ("Xy7-kq", "too short"),
        ("84629175302", "entirely numeric"),
        ("anastasia-w", "too similar"),
    ],
)
def test_create_user_refuses_weak_password_and_creates_nobody(
    django_user_model, monkeypatch, password, message
):
    monkeypatch.setenv("INVENTORY_USER_PASSWORD", password)

    with pytest.raises(CommandError, match=f"Password refused: .*{message}"):
        call_command("create_user", "anastasia-w", "--role", "clerk")

    assert not django_user_model.objects.filter(username="anastasia-w").exists()


@pytest.mark.parametrize("role", ["owner", "Manager", "", "admin"])
def test_create_user_refuses_unknown_role_and_creates_nobody(django_user_model, password_env, role):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("create_user", "ana", "--role", role)

    assert not django_user_model.objects.exists()


def test_create_user_without_role_is_refused(django_user_model, password_env):
    with pytest.raises(CommandError, match="--role"):
        call_command("create_user", "ana")

    assert not django_user_model.objects.exists()


def test_create_user_asks_for_password_twice_without_the_variable(
    django_user_model, no_password_env, monkeypatch
):
    prompt_answers(monkeypatch, STRONG_PASSWORD, STRONG_PASSWORD)

    call_command("create_user", "ana", "--role", "clerk")

    assert django_user_model.objects.get(username="ana").check_password(STRONG_PASSWORD)


def test_create_user_empty_variable_counts_as_unset_and_asks(django_user_model, monkeypatch):
    monkeypatch.setenv("INVENTORY_USER_PASSWORD", "")
    prompt_answers(monkeypatch, STRONG_PASSWORD, STRONG_PASSWORD)

    call_command("create_user", "ana", "--role", "clerk")

    assert django_user_model.objects.get(username="ana").check_password(STRONG_PASSWORD)


def test_create_user_refuses_mismatched_prompted_passwords(
    django_user_model, no_password_env, monkeypatch
):
    prompt_answers(monkeypatch, STRONG_PASSWORD, STRONG_PASSWORD + "x")

    with pytest.raises(CommandError, match="do not match"):
        call_command("create_user", "ana", "--role", "clerk")

    assert not django_user_model.objects.exists()


def test_create_user_without_terminal_or_variable_says_to_set_it(
    django_user_model, no_password_env, monkeypatch
):
    prompt_answers(monkeypatch, EOFError())

    with pytest.raises(CommandError, match="INVENTORY_USER_PASSWORD"):
        call_command("create_user", "ana", "--role", "clerk")

    assert not django_user_model.objects.exists()


def test_create_user_recreates_missing_role_groups(django_user_model, password_env):
    Group.objects.filter(name__in=ROLES).delete()

    call_command("create_user", "ana", "--role", "manager")

    user = django_user_model.objects.get(username="ana")
    assert user.has_perm("products.adjust_stock")
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


def test_create_user_created_user_can_log_in(client, password_env):
    call_command("create_user", "ana", "--role", "clerk")

    assert client.login(username="ana", password=STRONG_PASSWORD)
    assert client.get("/sales/new/").status_code == 200
    assert client.post("/sales/1/void/", {"reason": "x"}).status_code == 403
