"""Where the system Chromium is and how to launch it (no Playwright import here).

Shared by the test fixtures (conftest.py) and the screenshot command (screenshots.py).
No browser is ever downloaded: Playwright launches the Chromium the system has.
"""

import os
import shutil

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PLAYWRIGHT_MISSING = (
    "playwright is not installed (pip install -r requirements-dev.txt); e2e tests skipped"
)


def chromium_setting() -> str:
    return os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM


def chromium_path() -> str | None:
    """The Chromium to launch, ``$CHROMIUM_PATH`` or /usr/bin/chromium, or None if missing."""
    return shutil.which(chromium_setting())


def chromium_missing() -> str:
    return f"Chromium not found at {chromium_setting()} (or $CHROMIUM_PATH); e2e tests skipped"


def e2e_required() -> bool:
    """With ``E2E_REQUIRED=true`` (CI) a missing browser fails the tests instead of skipping."""
    return os.environ.get("E2E_REQUIRED", "").lower() in ("1", "true", "yes")
