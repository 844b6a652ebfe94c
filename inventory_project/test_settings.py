"""Settings for the test suite: the real settings, with a test-only key and faster hashing.

DEBUG stays off, so tests exercise the production code paths.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

from inventory_project.settings import *  # noqa: F403
from inventory_project.settings import STORAGES

# Pages link static files by their hashed names in production; tests render
# pages without running collectstatic first.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Login throttling would lock the test users out; the tests of throttling turn it on.
AXES_ENABLED = False
