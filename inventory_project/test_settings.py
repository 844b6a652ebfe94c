"""Settings for the test suite: the real settings, pinned so the suite tests one thing anywhere.

Neither a ``.env`` file nor the caller's environment changes what the tests
see: every variable the settings read (``.env.example`` documents them all; a
test checks it) is removed from the environment before the settings load, the
``.env`` file is not read, and the few values the tests rely on are set here.
Only ``DATABASE_URL`` passes through: it chooses the database the suite runs
on (``DATABASE_URL=postgres://… make test``, and CI).

DEBUG stays off, so tests exercise the production code paths.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
PASSED_THROUGH = {"DATABASE_URL"}
PINNED_ENVIRONMENT = {
    "DJANGO_READ_DOT_ENV_FILE": "false",
    "DEBUG": "false",
    "SECRET_KEY": "test-only-secret-key-not-for-production",
}


def documented_variables() -> set[str]:
    """The variables ``.env.example`` documents: every one the settings read."""
    return {
        line.split("=", 1)[0].strip()
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#") and "=" in line
    }


for _name in documented_variables() - PASSED_THROUGH:
    os.environ.pop(_name, None)
os.environ.update(PINNED_ENVIRONMENT)

from inventory_project.settings import *  # noqa: E402, F403
from inventory_project.settings import STORAGES  # noqa: E402

# Pages link static files by their hashed names in production; tests render
# pages without running collectstatic first.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Login throttling would lock the test users out; the tests of throttling turn it on.
AXES_ENABLED = False

# Jobs write their files (big exports) under MEDIA_ROOT: one throwaway folder per
# test process, never the checkout's media/ folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="inventory-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
