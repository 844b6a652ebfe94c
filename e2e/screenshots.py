"""Regenerate the README's screenshots from demo data.

    python -m e2e.screenshots            (from the repository root)
    python e2e/screenshots.py [--output docs/screenshots] [--width 1400]

Builds a throwaway SQLite database in a temporary folder, migrates it, seeds it
with ``manage.py seed_demo --force``, serves the app with ``runserver`` on a free
port, signs in as the demo user through the login form and saves full-page
screenshots of the dashboard, a product page, the new-sale form (in English and in
Spanish), a transfer in transit and the dashboard's first screen at phone size. Nothing
outside the temporary folder and the output folder is touched.

Needs the ``playwright`` package and a system Chromium (/usr/bin/chromium or
``$CHROMIUM_PATH``); no browser is downloaded.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make ``e2e`` importable
    sys.path.insert(0, str(REPO))

from e2e.browser import CHROMIUM_ARGS, chromium_missing, chromium_path  # noqa: E402

DEMO_LOGIN = re.compile(r"username (?P<username>\S+), password (?P<password>\S+)")
SERVER_START_SECONDS = 60
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict, *arguments: str) -> str:
    """Run a manage.py command in the throwaway environment; its output, or exit on failure."""
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(
            f"manage.py {' '.join(arguments)} failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
    return result.stdout


def wait_for_server(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"runserver stopped with exit code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    sys.exit(f"The app did not answer at {url} within {SERVER_START_SECONDS} s")


def take_screenshots(base_url: str, username: str, password: str, output: Path, width: int):
    from playwright.sync_api import expect, sync_playwright

    from e2e.actions import document_line, labelled, log_in, party_picker, product_picker

    output.mkdir(parents=True, exist_ok=True)
    saved = []

    def save(page, name: str, full_page: bool = True) -> None:
        page.wait_for_load_state("networkidle")
        path = output / f"{name}.png"
        page.screenshot(path=path, full_page=full_page, animations="disabled")
        saved.append(path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=base_url, viewport={"width": width, "height": 900}, locale="en-US"
        )
        page = context.new_page()
        log_in(page, username, password)
        expect(page.get_by_test_id("top-products-chart")).to_be_visible()
        save(page, "dashboard")

        # The best seller of the period, reached the way a user would: from the dashboard.
        top_products = page.get_by_test_id("top-products-table")
        page.locator("details").filter(has=top_products).get_by_text("Show as a table").click()
        top_products.get_by_role("link").first.click()
        expect(page.get_by_test_id("on-hand-total")).to_be_visible()
        save(page, "product")

        # The new-sale form, filled in with two lines but not confirmed.
        page.goto("/sales/new/")
        # The first customer the picker suggests for "a".
        party_picker(page, "Customer").press_sequentially("a")
        # Its suggestions read "name — #number · email"; the store <select>'s options do not.
        page.get_by_role("option", name=re.compile(" — ")).first.click()
        page.get_by_label(labelled("Store")).select_option(index=1)
        # The first and the second product the picker suggests for "a".
        for index, quantity in enumerate((2, 1)):
            if index:
                page.get_by_role("button", name="+ Add line").click()
            line = document_line(page, index)
            product_picker(line).press_sequentially("a")
            line.get_by_role("listbox", name="Matching products").get_by_role("option").nth(
                index
            ).click()
            line.get_by_label(labelled("Quantity")).fill(str(quantity))
        page.get_by_label("Notes").fill("Delivery on Friday morning")
        page.get_by_role("button", name="Confirm sale").focus()
        save(page, "new-sale")

        # A transfer in transit, with its receive form (the demo has some in each state).
        page.goto("/transfers/?status=dispatched")
        page.get_by_role("table").locator("a[href^='/transfers/']").first.click()
        expect(page.get_by_role("button", name="Receive")).to_be_visible()
        save(page, "transfer")

        # The new-sale form in Spanish, chosen at the foot of the page (the labels in Spanish).
        chooser = page.get_by_test_id("language-chooser")
        chooser.get_by_label("Language").select_option("es")
        chooser.get_by_role("button", name="Change").click()
        page.goto("/sales/new/")
        party_picker(page, "Cliente").press_sequentially("a")
        page.get_by_role("option", name=re.compile(" — ")).first.click()
        page.get_by_label(labelled("Tienda")).select_option(index=1)
        line = document_line(page, 0)
        line.get_by_role("combobox", name=labelled("Producto")).press_sequentially("a")
        line.get_by_role("listbox").get_by_role("option").first.click()
        line.get_by_label(labelled("Cantidad")).fill("3")
        page.get_by_role("button", name="Confirmar venta").focus()
        save(page, "new-sale-es")

        # The dashboard on a phone (390 × 844 CSS pixels, an iPhone 12 to 15's screen).
        phone = browser.new_context(
            base_url=base_url, viewport=PHONE, device_scale_factor=1, locale="en-US"
        )
        page = phone.new_page()
        log_in(page, username, password)
        expect(page.get_by_test_id("top-products-chart")).to_be_visible()
        save(page, "dashboard-phone", full_page=False)  # the first screen, as a phone shows it
        browser.close()
    return saved


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--width", type=int, default=1400, help="window width in CSS pixels")
    options = parser.parse_args(argv)

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        sys.exit("playwright is not installed: pip install -r requirements-dev.txt")
    if chromium_path() is None:
        sys.exit(chromium_missing().replace("e2e tests skipped", "install Debian's chromium"))

    with tempfile.TemporaryDirectory(prefix="stockroom-screenshots-") as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'demo.sqlite3'}",
            "DEBUG": "true",  # runserver serves the static files
            "DJANGO_SETTINGS_MODULE": "inventory_project.settings",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("CACHE_URL", None)
        print(f"Building a demo database in {folder}…")
        manage(env, "migrate", "--noinput")
        seeded = manage(env, "seed_demo", "--force")
        login = DEMO_LOGIN.search(seeded)
        if login is None:
            sys.exit(f"seed_demo did not print the demo login:\n{seeded}")

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with open(Path(folder) / "server.log", "w") as server_log:
            server = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=REPO,
                env=env,
                stdout=server_log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_for_server(f"{base_url}/", server)
                saved = take_screenshots(
                    base_url, login["username"], login["password"], options.output, options.width
                )
            finally:
                server.terminate()
                server.wait(timeout=10)
    for path in saved:
        print(f"Saved {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


if __name__ == "__main__":
    main()
