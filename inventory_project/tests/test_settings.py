"""The settings module read from the environment: each case imports it in a fresh process.

Settings are evaluated once per process, so every variation runs ``python -c`` with its own
environment. The ``.env`` file a developer may keep beside ``manage.py`` is switched off in
those processes, so only the variables given here count.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

# Variables the settings read; removed from the child's environment unless a test sets them.
SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CACHE_URL",
    "TIME_ZONE",
    "SQLITE_TIMEOUT",
    "CONN_MAX_AGE",
    "SHOP_ADDRESS",
    "SHOP_TAX_NUMBER",
    "DJANGO_SETTINGS_MODULE",
}

PRELUDE = textwrap.dedent(
    """
    import json, os, sys
    import environ
    # Ignore a developer's .env file: only the environment given by the test counts.
    environ.Env.read_env = staticmethod(lambda *args, **kwargs: None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "inventory_project.settings"
    """
)


def run_settings(code: str, **variables: str) -> subprocess.CompletedProcess:
    """Run ``code`` after the prelude in a new interpreter with exactly ``variables`` set."""
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def database_settings(**variables: str) -> dict:
    """The DATABASES["default"] the settings build from ``variables``."""
    result = run_settings(
        """
        from inventory_project import settings
        print(json.dumps(settings.DATABASES["default"], default=str))
        """,
        **variables,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# SECRET_KEY ---------------------------------------------------------------------------------


def test_settings_without_secret_key_in_production_stop_with_clear_message():
    result = run_settings("import inventory_project.settings", DEBUG="false")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_with_empty_secret_key_in_production_stop_with_clear_message():
    result = run_settings("import inventory_project.settings", DEBUG="false", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_default_is_production_so_missing_secret_key_stops():
    """DEBUG defaults to off: forgetting every variable must not start an insecure app."""
    result = run_settings("import inventory_project.settings")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_without_secret_key_in_debug_use_development_key():
    result = run_settings(
        """
        from inventory_project import settings
        print(settings.SECRET_KEY)
        """,
        DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("django-insecure-")


def test_settings_with_secret_key_in_production_use_it():
    result = run_settings(
        """
        from inventory_project import settings
        print(settings.DEBUG, settings.SECRET_KEY, settings.SESSION_COOKIE_SECURE)
        """,
        DEBUG="false",
        SECRET_KEY="a-real-production-key",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "a-real-production-key", "True"]


def test_settings_manage_check_fails_without_secret_key_in_production():
    """The app stops at start, not at the first signed cookie."""
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environment.update(DEBUG="false", SECRET_KEY="")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


# Other variables ----------------------------------------------------------------------------


def test_settings_read_hosts_time_zone_and_cache_from_environment():
    result = run_settings(
        """
        from inventory_project import settings
        print(json.dumps({
            "hosts": settings.ALLOWED_HOSTS,
            "tz": settings.TIME_ZONE,
            "cache": settings.CACHES["default"]["BACKEND"],
            "location": settings.CACHES["default"]["LOCATION"],
        }))
        """,
        DEBUG="true",
        ALLOWED_HOSTS="stock.example.com,www.example.com",
        TIME_ZONE="Europe/Berlin",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "hosts": ["stock.example.com", "www.example.com"],
        "tz": "Europe/Berlin",
        "cache": "django.core.cache.backends.redis.RedisCache",
        "location": "redis://127.0.0.1:6379/1",
    }


def test_settings_read_the_shops_address_and_tax_number_from_environment():
    read = """
        from inventory_project import settings
        print(json.dumps([settings.SHOP_ADDRESS, settings.SHOP_TAX_NUMBER]))
        """

    # A one-line value, as a .env file holds it, breaks its lines at a written \n; a real
    # line break from the environment stays one.
    one_line = run_settings(
        read, DEBUG="true", SHOP_ADDRESS="12 Harbour Road\\nPort Town", SHOP_TAX_NUMBER="GB 1"
    )
    real_breaks = run_settings(read, DEBUG="true", SHOP_ADDRESS="12 Harbour Road\nPort Town\n")
    unset = run_settings(read, DEBUG="true")

    for result in (one_line, real_breaks, unset):
        assert result.returncode == 0, result.stderr
    assert json.loads(one_line.stdout) == ["12 Harbour Road\nPort Town", "GB 1"]
    assert json.loads(real_breaks.stdout) == ["12 Harbour Road\nPort Town", ""]
    assert json.loads(unset.stdout) == ["", ""]


def test_settings_without_cache_url_use_django_default_cache():
    result = run_settings(
        """
        from django.conf import settings
        print(settings.CACHES["default"]["BACKEND"])
        """,
        DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache"


def test_env_example_documents_every_variable_the_settings_read():
    env_example = (BASE_DIR / ".env.example").read_text()
    settings_source = (BASE_DIR / "inventory_project" / "settings.py").read_text()
    documented = {
        line.split("=", 1)[0]
        for line in env_example.splitlines()
        if line and not line.startswith("#") and "=" in line
    }
    read = set(re.findall(r'(?:env\.\w+|environ\.get)\("([A-Z_]+)"', settings_source))

    assert read, "no environment variables found in settings.py"
    assert read <= documented, f"not in .env.example: {sorted(read - documented)}"


# Databases ----------------------------------------------------------------------------------


def test_database_default_is_sqlite_file_beside_manage_py():
    database = database_settings(DEBUG="true")

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(database["NAME"]) == BASE_DIR / "db.sqlite3"


def test_database_sqlite_is_configured_for_concurrent_writers():
    database = database_settings(DEBUG="true", SQLITE_TIMEOUT="7")

    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 7
    assert "journal_mode=WAL" in options["init_command"]


def test_database_sqlite_timeout_defaults_to_twenty_seconds():
    database = database_settings(DEBUG="true")

    assert database["OPTIONS"]["timeout"] == 20


def test_database_postgres_url_selects_postgresql_backend():
    database = database_settings(
        DEBUG="true", DATABASE_URL="postgres://clerk:s3cret@db.example.com:5433/inventory"
    )

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == (
        "inventory",
        "clerk",
        "s3cret",
    )
    assert (database["HOST"], int(database["PORT"])) == ("db.example.com", 5433)
    assert "transaction_mode" not in database.get("OPTIONS", {})
    assert database["CONN_HEALTH_CHECKS"] is True


def test_database_postgres_sessions_run_without_jit_compilation():
    database = database_settings(DEBUG="true", DATABASE_URL="postgres://u@db.example.com/inventory")

    assert database["OPTIONS"]["options"] == "-c jit=off"


def test_database_mysql_url_selects_mysql_backend_with_utf8mb4():
    database = database_settings(DEBUG="true", DATABASE_URL="mysql://root@127.0.0.1:3306/inventory")

    assert database["ENGINE"] == "django.db.backends.mysql"
    assert (database["NAME"], database["USER"], database["HOST"]) == (
        "inventory",
        "root",
        "127.0.0.1",
    )
    assert int(database["PORT"]) == 3306
    assert database["OPTIONS"]["charset"] == "utf8mb4"
    assert database["TEST"] == {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    assert "init_command" not in database["OPTIONS"]


def test_database_conn_max_age_is_read_from_environment():
    database = database_settings(
        DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1/inventory", CONN_MAX_AGE="60"
    )

    assert database["CONN_MAX_AGE"] == 60


def test_sqlite_file_database_really_runs_in_wal_mode(tmp_path):
    database_file = tmp_path / "wal.sqlite3"
    result = run_settings(
        """
        import django
        django.setup()
        from django.db import connection
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal_mode = cursor.fetchone()[0]
            cursor.execute("PRAGMA busy_timeout")
            busy_timeout = cursor.fetchone()[0]
            cursor.execute("CREATE TABLE counter (value integer)")
        print(json.dumps({"journal_mode": journal_mode, "busy_timeout": busy_timeout}))
        """,
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{database_file}",
        SQLITE_TIMEOUT="5",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"journal_mode": "wal", "busy_timeout": 5000}
    # WAL is a property of the file: any later connection, Django's or not, finds it.
    with closing(sqlite3.connect(database_file)) as plain_connection:
        assert plain_connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_immediate_transaction_takes_write_lock_at_begin(tmp_path):
    """A transaction that has only read already blocks other writers: no late lock upgrade."""
    database_file = tmp_path / "lock.sqlite3"
    with closing(sqlite3.connect(database_file)) as setup_connection:
        setup_connection.execute("CREATE TABLE counter (value integer)")
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environment.update(DEBUG="true", DATABASE_URL=f"sqlite:///{database_file}")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            PRELUDE
            + textwrap.dedent(
                """
                import django
                django.setup()
                from django.db import connection, transaction
                with transaction.atomic():
                    connection.cursor().execute("SELECT count(*) FROM counter")
                    print("inside", flush=True)
                    sys.stdin.readline()
                """
            ),
        ],
        cwd=BASE_DIR,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "inside", holder.stderr.read()
        other_writer = sqlite3.connect(database_file, timeout=0.2)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other_writer.execute("INSERT INTO counter VALUES (1)")
        other_writer.close()
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0


# The test settings are hermetic ------------------------------------------------------------

# What the suite relies on; none of it may follow a .env file or the caller's environment.
PINNED_SETTINGS = """
import json
import shutil
from django.conf import settings
names = [
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "TIME_ZONE", "SITE_NAME",
    "CURRENCY_SYMBOL", "SHOP_ADDRESS", "SHOP_TAX_NUMBER", "SESSION_COOKIE_AGE",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "AXES_ENABLED", "AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME",
    "LOG_LEVEL", "STORAGES", "CACHES",
]
pinned = {name: getattr(settings, name) for name in names}
pinned["SECURE_PROXY_SSL_HEADER"] = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
database = settings.DATABASES["default"]
pinned["DATABASE"] = [database["ENGINE"], database["CONN_MAX_AGE"], database["OPTIONS"]]
print(json.dumps(pinned, default=str, sort_keys=True))
"""

# A developer's values, as `cp .env.example .env` and a shell with DEBUG=true would give.
HOSTILE_ENVIRONMENT = {
    "DEBUG": "true",
    "SECRET_KEY": "a-developer-key",
    "ALLOWED_HOSTS": "dev.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://dev.example.com",
    "TIME_ZONE": "Asia/Tokyo",
    "SITE_NAME": "My Shop",
    "CURRENCY_SYMBOL": "€",
    "SHOP_ADDRESS": "1 Dev Lane",
    "SHOP_TAX_NUMBER": "DEV-123",
    "SESSION_COOKIE_AGE": "60",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "60",
    "BEHIND_TLS_PROXY": "true",
    "AXES_FAILURE_LIMIT": "1",
    "LOG_LEVEL": "DEBUG",
    "CACHE_URL": "redis://127.0.0.1:6379/9",
    "SQLITE_TIMEOUT": "1",
    "CONN_MAX_AGE": "600",
}


def pinned_test_settings(project_dir: Path, **variables: str) -> dict:
    """The settings the suite relies on, as inventory_project.test_settings in ``project_dir``
    builds them, in a new interpreter whose environment holds ``variables``."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES and name not in HOSTILE_ENVIRONMENT
    }
    environment.pop("DJANGO_READ_DOT_ENV_FILE", None)
    environment.update(
        variables,
        DJANGO_SETTINGS_MODULE="inventory_project.test_settings",
        PYTHONPATH=str(project_dir),
    )
    result = subprocess.run(
        [sys.executable, "-c", PINNED_SETTINGS],
        cwd=project_dir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_test_settings_ignore_a_dot_env_file_and_the_callers_environment(tmp_path):
    # Given a copy of the settings package with a .env beside it: .env.example
    # with every value changed, as a developer would adjust it.
    shutil.copytree(
        BASE_DIR / "inventory_project",
        tmp_path / "inventory_project",
        ignore=shutil.ignore_patterns("tests", "__pycache__"),
    )
    shutil.copy(BASE_DIR / ".env.example", tmp_path / ".env.example")
    dot_env = (BASE_DIR / ".env.example").read_text() + "".join(
        f"{name}={value}\n" for name, value in HOSTILE_ENVIRONMENT.items()
    )
    (tmp_path / ".env").write_text(dot_env)

    clean = pinned_test_settings(BASE_DIR)
    with_dot_env = pinned_test_settings(tmp_path)
    with_environment = pinned_test_settings(BASE_DIR, **HOSTILE_ENVIRONMENT)

    assert with_dot_env == clean
    assert with_environment == clean
    assert clean["DEBUG"] is False
    assert clean["SESSION_COOKIE_SECURE"] is True and clean["CSRF_COOKIE_SECURE"] is True


def test_test_settings_take_the_database_from_database_url():
    postgres = pinned_test_settings(
        BASE_DIR, DATABASE_URL="postgres://postgres@127.0.0.1:5432/inventory"
    )

    assert postgres["DATABASE"][0] == "django.db.backends.postgresql"


def test_passwords_are_hashed_with_the_projects_argon2_and_older_hashes_still_verify():
    result = run_settings(
        """
        from inventory_project import settings
        print(json.dumps(settings.PASSWORD_HASHERS))
        """,
        DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    hashers = json.loads(result.stdout)
    assert hashers[:2] == [
        "accounts.hashers.ShopArgon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
