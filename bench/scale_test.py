"""``python -m bench.scale_test``: two app servers behind HAProxy on one PostgreSQL, shown working.

    python -m bench.scale_test        # or: make scale-test

What docs/DEPLOY.md ("When one machine is not enough") says, run rather than described:

1. A fresh PostgreSQL database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/inventory_scale``; its name must contain
   "scale", since it is dropped), migrated, with one store, one product with
   exactly 10 units on hand (received through a real purchase) and a Clerk.
2. Two gunicorn servers (gunicorn.conf.py, production settings, ports 8101 and
   8102) behind HAProxy on port 8100, running ``bench/haproxy.cfg`` itself.
3. Through the balancer: 30 one-unit sales of the 10 units at once, from five
   logged-in sessions. Exactly 10 must be recorded and 20 refused with "Not
   enough stock", none failing.
4. A mixed load through the balancer (clients reading pages and the dashboard,
   clients recording purchases and sales) while app1 is stopped with SIGTERM
   unannounced and started again, app2 is killed (SIGKILL, master and workers)
   and started again, and app1 is stopped the planned way: drained at the
   balancer, then SIGTERM. Every session must go on working on the other
   server; the only requests that may fail are POSTs the stopped or killed
   server held (HAProxy retries a GET elsewhere, never a POST), and none at all
   around the drained stop. Afterwards ``verify_stock`` must be clean, every
   confirmed document in the database, and the stock equal to purchases minus
   sales, as recorded.

Prints a summary and exits 1 when a check fails. Every process it starts is
stopped on the way out, also on failure or Ctrl-C. Logs are in .bench/scale/.
"""

import argparse
import contextlib
import csv
import io
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.harness import PYTHON, ROOT, collect_static, log_in, port_is_free, run_checked

BIN = Path(PYTHON).parent
HAPROXY_CONFIG = ROOT / "bench" / "haproxy.cfg"
DEPLOY_DOC = ROOT / "docs" / "DEPLOY.md"  # shows HAPROXY_CONFIG, word for word
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/inventory_scale"
USERNAME = "scale-clerk"
PASSWORD = "scale-Stockroom-2026!"
SKU = "SCALE-1"
OPENING_STOCK = 10
OVERSELL_ATTEMPTS = 30
SESSIONS = 5  # logged-in clients: 3 reading pages, 2 writing documents
READERS = 3
WORKERS, THREADS = 2, 2  # per app server: small, the machine is shared
PAGES = ["/dashboard/", "/products/", "/sales/", "/purchases/", "/stores/", "/reports/stock/"]
REFUSAL = "Not enough stock: nothing was saved."
# Notes on the documents each phase records, to count them afterwards.
OVERSELL_NOTE = "scale test: oversell"
LOAD_NOTE = "scale test: load"

# Production settings (see .ci/run, step "check --deploy"), except what needs
# HTTPS: the test speaks plain HTTP to 127.0.0.1.
SERVER_ENV = {
    "DJANGO_READ_DOT_ENV_FILE": "false",
    "DEBUG": "false",
    "SECRET_KEY": "scale-test-only-" + "s" * 50,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "BEHIND_TLS_PROXY": "true",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "CONN_MAX_AGE": "60",
    "LOG_LEVEL": "WARNING",
    "GUNICORN_WORKERS": str(WORKERS),
    "GUNICORN_THREADS": str(THREADS),
}


def log(message: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------------------------
# Inside Django: `python -m bench.scale_test prepare|ledger`, run as children with the
# servers' environment, so that this process never holds a database connection.


def prepare() -> dict:
    """The minimal shop: a store, a product with OPENING_STOCK units bought in, a Clerk."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from people.models import Customer, Supplier
    from products.models import Category, Product, Unit
    from purchases.services import PurchaseLineInput, purchase_record
    from stores.models import Store

    os.environ["INVENTORY_USER_PASSWORD"] = PASSWORD
    call_command("create_user", USERNAME, role="clerk", stdout=io.StringIO())
    clerk = get_user_model().objects.get(username=USERNAME)
    store = Store.objects.create(name="Scale Test Store", code="SCALE")
    supplier = Supplier.objects.create(name="Scale Test Supplier")
    customer = Customer.objects.create(name="Scale Test Customer")
    product = Product.objects.create(
        sku=SKU,
        name="Scale test widget",
        category=Category.objects.create(name="Scale test"),
        supplier=supplier,
        unit=Unit.objects.standard()["pcs"],
        cost_price=Decimal("4.00"),
        sale_price=Decimal("10.00"),
    )
    purchase_record(
        supplier=supplier,
        store=store,
        lines=[
            PurchaseLineInput(
                product=product, quantity=Decimal(OPENING_STOCK), unit_cost=Decimal("4")
            )
        ],
        user=clerk,
        notes="scale test: opening stock",
    )
    return {
        "store": store.pk,
        "supplier": supplier.pk,
        "customer": customer.pk,
        "product": product.pk,
        "date": timezone.localdate().isoformat(),
    }


def ledger() -> dict:
    """The product's stock, against what the purchases and sales recorded say it must be."""
    from django.db.models import Sum

    from products.models import Product, StockLevel
    from purchases.models import Purchase, PurchaseLine
    from sales.models import Sale, SaleLine

    product = Product.objects.get(sku=SKU)
    bought = PurchaseLine.objects.filter(product=product, purchase__voided_at__isnull=True)
    sold = SaleLine.objects.filter(product=product, sale__voided_at__isnull=True)
    level = StockLevel.objects.get(product=product)
    return {
        "stock_level": str(level.quantity),
        "product_on_hand": str(product.on_hand),
        "purchased": str(bought.aggregate(total=Sum("quantity"))["total"] or 0),
        "sold": str(sold.aggregate(total=Sum("quantity"))["total"] or 0),
        "oversell_sales": Sale.objects.filter(notes=OVERSELL_NOTE).count(),
        "load_sales": Sale.objects.filter(notes=LOAD_NOTE).count(),
        "load_purchases": Purchase.objects.filter(notes=LOAD_NOTE).count(),
        "negative_levels": StockLevel.objects.filter(quantity__lt=0).count(),
    }


def django_child(command: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inventory_project.settings")
    django.setup()
    result = prepare() if command == "prepare" else ledger()
    print("SCALE-JSON " + json.dumps(result))


# --------------------------------------------------------------------------------------------
# The database


def database_parts(url: str) -> tuple[str, str]:
    """(URL of the server's maintenance database, name of the test database)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"The scale test runs on PostgreSQL; DATABASE_URL is {url!r}.")
    name = parts.path.lstrip("/")
    if "scale" not in name:
        # It is dropped: a DATABASE_URL exported for other work must not be.
        raise SystemExit(
            f"The scale test drops and recreates its database; {name!r} does not contain "
            "'scale'. Use e.g. postgres://postgres@127.0.0.1:5432/inventory_scale."
        )
    server = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return server, name


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    server, name = database_parts(url)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_json(command: str, env: dict, scratch: Path) -> dict:
    stdout = run_checked(
        [PYTHON, "-m", "bench.scale_test", command], env, scratch / f"{command}.log"
    )
    for line in stdout.splitlines():
        if line.startswith("SCALE-JSON "):
            return json.loads(line.removeprefix("SCALE-JSON "))
    raise SystemExit(f"bench.scale_test {command} printed no result; see {scratch}")


# --------------------------------------------------------------------------------------------
# Processes: the app servers and the balancer


def wait_for(what: str, condition, timeout: float, interval: float = 0.2) -> float:
    """Poll ``condition`` until it is true; the monotonic time it became so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(interval)
    raise SystemExit(f"{what}: not after {timeout:.0f} s")


class AppServer:
    """gunicorn with gunicorn.conf.py, in a process group of its own (its master's pid)."""

    def __init__(self, name: str, port: int, env: dict, scratch: Path, runtime: Path):
        self.name, self.port, self.env, self.scratch = name, port, env, scratch
        # gunicorn's control socket is ~/.gunicorn/gunicorn.ctl unless told
        # otherwise: one per server here, so neither removes the other's (or
        # that of another gunicorn on this machine) when it stops.
        self.control_socket = runtime / f"{name}.ctl"
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.log_paths: list[Path] = []

    def start(self) -> None:
        self.starts += 1
        log_path = self.scratch / f"{self.name}-{self.starts}.log"
        self.log_paths.append(log_path)
        with open(log_path, "w") as output:
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    "gunicorn.conf.py",
                    "--control-socket",
                    str(self.control_socket),
                    "inventory_project.wsgi",
                ],
                cwd=ROOT,
                env={**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"{self.name} answering /healthz", self.healthy, timeout=60)

    def healthy(self) -> bool:
        import requests

        if self.process.poll() is not None:
            raise SystemExit(f"{self.name} exited; see {self.log_paths[-1]}")
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).ok
        except requests.RequestException:
            return False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        """SIGTERM to the master, as a deploy or `systemctl stop` does: a graceful stop."""
        self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once, as a crash or a lost machine."""
        os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        """Whatever is left of it, gone (cleanup: also on failure)."""
        if self.process is None:
            return
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=35)
            os.killpg(self.process.pid, signal.SIGKILL)  # workers that outlived the master
        except ProcessLookupError:
            pass
        self.process.wait()

    def request_ids(self) -> set[str]:
        """The request ids of every request this server answered (its access log)."""
        ids = set()
        for path in self.log_paths:
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("{") and '"method"' in line:
                    try:
                        ids.add(json.loads(line)["request_id"])
                    except (ValueError, KeyError):
                        continue
        return ids


# A request in HAProxy's httplog, with the X-Request-ID it captures:
# ... www app/app1 0/0/0/12/12 200 5320 - - ---- 5/5/3/1/0 0/0 {scale-client1-7} "GET ..."
HAPROXY_LINE = re.compile(r" www \S+/(\S+) \S+ (-?\d+) \S+ \S+ \S+ (\S{4}) .*?\{([^}]*)\} \"")


class Balancer:
    """HAProxy running bench/haproxy.cfg in the foreground, as a child of this script."""

    def __init__(self, port: int, servers: list[AppServer], scratch: Path, runtime: Path):
        self.port, self.servers, self.scratch = port, servers, scratch
        self.admin_socket = runtime / "admin.sock"
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "LB_BIND": f"127.0.0.1:{port}",
            "APP1": f"127.0.0.1:{servers[0].port}",
            "APP2": f"127.0.0.1:{servers[1].port}",
            "APP_MAXCONN": str(WORKERS * THREADS),
            "SITE_HOST": "127.0.0.1",
            "ADMIN_SOCKET": str(self.admin_socket),
        }

    def start(self) -> None:
        command = [find_haproxy(), "-f", str(HAPROXY_CONFIG)]
        checked = subprocess.run(
            [*command, "-c"], env=self.env, capture_output=True, text=True, check=False
        )
        if checked.returncode:
            raise SystemExit(f"haproxy -c refused {HAPROXY_CONFIG}:\n{checked.stdout}")
        self.log_path = self.scratch / "haproxy.log"
        with open(self.log_path, "w") as output:
            # -db: stay in the foreground, not a daemon; stopped with this script.
            self.process = subprocess.Popen(
                [*command, "-db"],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for("HAProxy's runtime API", self.admin_socket.exists, timeout=10)
        for server in self.servers:
            self.wait_for_state(server.name, "UP", timeout=15)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def command(self, text: str) -> str:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(5)
            connection.connect(str(self.admin_socket))
            connection.sendall(text.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stats(self) -> dict[str, dict]:
        """`show stat` of the app backend's servers, by name."""
        if self.process.poll() is not None:
            raise SystemExit(f"HAProxy exited; see {self.log_path}")
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = csv.DictReader(lines[1:], fieldnames=header)
        return {row["svname"]: row for row in rows if row["pxname"] == "app"}

    def routes(self) -> dict[str, tuple[str, str, str]]:
        """Request id -> (server, status, termination state), from HAProxy's log."""
        routes = {}
        for line in self.log_path.read_text(errors="replace").splitlines():
            if match := HAPROXY_LINE.search(line):
                server, status, state, request_id = match.groups()
                routes[request_id] = (server, status, state)
        return routes

    def wait_until_idle(self, server: str, timeout: float) -> float:
        """Until ``server`` holds no request and has none queued for it."""

        def idle():
            row = self.stats()[server]
            return row["scur"] == "0" and row["qcur"] == "0"

        return wait_for(f"HAProxy seeing {server} idle", idle, timeout, interval=0.05)

    def wait_for_state(self, server: str, state: str, timeout: float) -> float:
        def reached():
            # "UP", "DOWN", or on the way: "UP 1/2" (one failed check), "DOWN 1/2".
            return self.stats()[server]["status"] == state

        return wait_for(f"HAProxy seeing {server} {state}", reached, timeout, interval=0.1)


# --------------------------------------------------------------------------------------------
# Clients


SALE_URL = re.compile(r"^/sales/\d+/$")
PURCHASE_URL = re.compile(r"^/purchases/\d+/$")


@dataclass
class Sample:
    """One request as its client saw it."""

    client: str
    kind: str  # page, form, sale, purchase
    method: str
    path: str
    request_id: str
    started: float
    finished: float = 0.0
    status: int | None = None
    outcome: str = ""  # ok, created, refused, login (a lost session), error
    detail: str = ""


@dataclass
class ShopClient:
    """One person in a browser: their own session, logged in once, through the balancer."""

    name: str
    base_url: str
    samples: list[Sample] = field(default_factory=list)
    token: str = ""

    def __post_init__(self):
        import requests

        self.session = requests.Session()
        self.numbers = iter(range(1, 1_000_000))

    def login(self) -> None:
        self.token = log_in(self.session, self.base_url, USERNAME, PASSWORD, self.name)

    def clone(self, name: str) -> "ShopClient":
        """Another tab of the same browser: same session cookie, own connection."""
        tab = ShopClient(name, self.base_url, token=self.token)
        tab.session.cookies.update(self.session.cookies)
        return tab

    def request(self, kind: str, method: str, path: str, data: dict | None = None) -> Sample:
        import requests

        sample = Sample(
            client=self.name,
            kind=kind,
            method=method,
            path=path,
            request_id=f"scale-{self.name}-{next(self.numbers)}",
            started=time.monotonic(),
        )
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                data=data,
                headers={"X-Request-ID": sample.request_id},
                allow_redirects=False,
                timeout=60,
            )
        except requests.RequestException as error:
            sample.outcome, sample.detail = "error", f"{type(error).__name__}: {error}"[:300]
        else:
            sample.status = response.status_code
            sample.outcome, sample.detail = classify(kind, response)
        sample.finished = time.monotonic()
        self.samples.append(sample)
        return sample

    def page(self, path: str) -> Sample:
        return self.request("page", "GET", path)

    def sell(self, fixtures: dict, note: str) -> Sample:
        return self.request(
            "sale",
            "POST",
            "/sales/new/",
            document_form(
                self.token,
                {"customer": fixtures["customer"], "date": fixtures["date"]},
                {"product": SKU, "quantity": "1", "unit_price": ""},
                fixtures,
                note,
            ),
        )

    def buy(self, fixtures: dict, quantity: int) -> Sample:
        return self.request(
            "purchase",
            "POST",
            "/purchases/new/",
            document_form(
                self.token,
                {"supplier": fixtures["supplier"], "date": fixtures["date"], "reference": ""},
                {"product": SKU, "quantity": str(quantity), "unit_cost": "", "entered_in": ""},
                fixtures,
                LOAD_NOTE,
            ),
        )


def document_form(token: str, header: dict, line: dict, fixtures: dict, note: str) -> dict:
    """The POST of a new purchase or sale page: header, notes, and a formset of one line."""
    data = {
        "csrfmiddlewaretoken": token,
        "store": fixtures["store"],
        "notes": note,
        **header,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
    }
    data.update({f"lines-0-{name}": value for name, value in line.items()})
    return data


def classify(kind: str, response) -> tuple[str, str]:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/accounts/login/"):
        return "login", location
    if kind in ("page", "form"):
        return ("ok", "") if response.status_code == 200 else ("error", "")
    created = SALE_URL if kind == "sale" else PURCHASE_URL
    if response.status_code == 302 and created.match(location):
        return "created", location
    if response.status_code == 200 and kind == "sale" and REFUSAL in response.text:
        return "refused", ""
    if response.status_code == 200:
        return "error", "the form came back without the stock refusal"
    return "error", ""


# --------------------------------------------------------------------------------------------
# The two tests


def oversell(clients: list[ShopClient], fixtures: dict) -> list[Sample]:
    """OVERSELL_ATTEMPTS one-unit sales of the OPENING_STOCK units, all sent at once."""
    tabs = [
        clients[number % len(clients)].clone(f"oversell{number}")
        for number in range(OVERSELL_ATTEMPTS)
    ]
    start = threading.Barrier(len(tabs))
    results: list[Sample] = []

    def sell(tab: ShopClient) -> None:
        start.wait()
        results.append(tab.sell(fixtures, OVERSELL_NOTE))

    threads = [threading.Thread(target=sell, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@dataclass
class Event:
    name: str
    at: float


def mixed_load(
    clients: list[ShopClient],
    fixtures: dict,
    apps: list[AppServer],
    balancer: Balancer,
    pause: float,
) -> list[Event]:
    """Readers and writers through the balancer while app1 stops, app2 dies, app1 is drained."""
    stop = threading.Event()
    readers, writers = clients[:READERS], clients[READERS:]

    def read(client: ShopClient, offset: int) -> None:
        for path in itertools.cycle(PAGES[offset:] + PAGES[:offset]):
            if stop.is_set():
                return
            client.page(path)
            time.sleep(0.05)

    def write(client: ShopClient) -> None:
        # Two in, two out, as a person would: open the form, then save it. The
        # stock stays near zero, so some sales are refused: cleanly, or it fails.
        steps = [
            lambda: client.request("form", "GET", "/purchases/new/"),
            lambda: client.buy(fixtures, 2),
            lambda: client.request("form", "GET", "/sales/new/"),
            lambda: client.sell(fixtures, LOAD_NOTE),
            lambda: client.request("form", "GET", "/sales/new/"),
            lambda: client.sell(fixtures, LOAD_NOTE),
        ]
        for step in itertools.cycle(steps):
            if stop.is_set():
                return
            step()
            time.sleep(0.05)

    threads = [
        threading.Thread(target=read, args=(client, number))
        for number, client in enumerate(readers)
    ] + [threading.Thread(target=write, args=(client,)) for client in writers]
    app1, app2 = apps
    events: list[Event] = []

    def mark(name: str, at: float | None = None) -> None:
        events.append(Event(name, at or time.monotonic()))

    mark("load starts")
    for thread in threads:
        thread.start()
    try:
        time.sleep(2 * pause)
        # 1. A stop nobody announced to the balancer (systemctl stop, a deploy
        #    script that forgot): gunicorn finishes what it holds, then exits.
        mark("SIGTERM app1")
        app1.terminate()
        mark("HAProxy: app1 DOWN", balancer.wait_for_state("app1", "DOWN", 20))
        app1.process.wait(timeout=40)
        mark("app1 exited")
        app1.start()
        mark("app1 started again")
        mark("HAProxy: app1 UP", balancer.wait_for_state("app1", "UP", 20))
        time.sleep(pause)
        # 2. A crash: the master and its workers gone at once, mid-request.
        mark("SIGKILL app2")
        app2.kill()
        app2.process.wait(timeout=10)
        mark("app2's master reaped")
        # Gone when nothing listens on its port any more, not when its master is reaped:
        # a worker still dying keeps the socket open a few ms longer, and what reaches its
        # backlog then is reset unanswered (CI saw a POST lost 20 ms after the reaping).
        wait_for("app2's port free", lambda: port_is_free(app2.port), timeout=10, interval=0.002)
        mark("app2 gone")
        mark("HAProxy: app2 DOWN", balancer.wait_for_state("app2", "DOWN", 20))
        app2.start()
        mark("app2 started again")
        mark("HAProxy: app2 UP", balancer.wait_for_state("app2", "UP", 20))
        time.sleep(pause)
        # 3. A planned stop: drained at the balancer first, so that nothing is
        #    sent to it any more, then stopped once it holds no request.
        mark("drain app1")
        balancer.command("set server app/app1 state drain")
        mark("app1 idle", balancer.wait_until_idle("app1", 30))
        mark("SIGTERM app1 (drained)")
        app1.terminate()
        app1.process.wait(timeout=40)
        mark("app1 exited (drained)")
        app1.start()
        balancer.command("set server app/app1 state ready")
        mark("app1 started again, ready")
        mark("HAProxy: app1 UP again", balancer.wait_for_state("app1", "UP", 20))
        time.sleep(pause / 2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    mark("load stops")
    return events


# --------------------------------------------------------------------------------------------
# Checks and the summary


class Checks:
    def __init__(self):
        self.failures: list[str] = []

    def expect(self, condition: bool, description: str) -> None:
        print(f"  {'ok  ' if condition else 'FAIL'} {description}", flush=True)
        if not condition:
            self.failures.append(description)


def count(samples: list[Sample], **criteria) -> int:
    return sum(all(getattr(s, k) == v for k, v in criteria.items()) for s in samples)


def check_oversell(checks: Checks, results: list[Sample], stock: dict) -> None:
    created, refused = count(results, outcome="created"), count(results, outcome="refused")
    others = [s for s in results if s.outcome not in ("created", "refused")]
    print(
        f"\n{OVERSELL_ATTEMPTS} one-unit sales of {OPENING_STOCK} units at once: "
        f"{created} recorded, {refused} refused, {len(others)} other "
        f"{sorted({(s.status, s.outcome, s.detail) for s in others}, key=str)}"
    )
    checks.expect(created == OPENING_STOCK, f"exactly {OPENING_STOCK} sales recorded")
    checks.expect(
        refused == OVERSELL_ATTEMPTS - OPENING_STOCK,
        f"the other {OVERSELL_ATTEMPTS - OPENING_STOCK} refused with {REFUSAL!r}",
    )
    checks.expect(
        stock["oversell_sales"] == OPENING_STOCK and Decimal(stock["stock_level"]) == 0,
        f"the database holds {stock['oversell_sales']} such sales and "
        f"{stock['stock_level']} units on hand",
    )


def check_load(
    checks: Checks,
    clients: list[ShopClient],
    events: list[Event],
    apps: list[AppServer],
    balancer: Balancer,
    balancer_stats: dict,
    stock: dict,
    verify: subprocess.CompletedProcess,
) -> None:
    at = {event.name: event.at for event in events}
    start = at["load starts"]
    samples = [s for client in clients for s in client.samples if s.started >= start]
    print("\nMixed load through the balancer:")
    for event in events:
        print(f"  {event.at - start:6.2f} s  {event.name}")
    by_kind = {}
    for sample in samples:
        by_kind.setdefault(sample.kind, {}).setdefault(sample.outcome, 0)
        by_kind[sample.kind][sample.outcome] += 1
    print(f"  {len(samples)} requests: " + "; ".join(f"{k} {v}" for k, v in by_kind.items()))
    for name, row in balancer_stats.items():
        print(
            f"  HAProxy {name}: {row['stot']} requests, {row['wretr']} retried, "
            f"{row['wredis']} redispatched, {row['econ']} connection errors, "
            f"{row['eresp']} response errors, {row['hrsp_5xx']} 5xx"
        )

    # What a stop may cost: a POST that HAProxy had already handed to the server
    # being stopped (until it was gone, for SIGTERM; for SIGKILL, from the signal
    # until its port refused connections: a POST can reach its socket's backlog
    # while its last worker dies, a few ms after the master).
    # HAProxy retries a GET elsewhere, but never a POST: that server may have
    # recorded it. Any other failure is a lost request.
    stops = {
        "SIGTERM app1": ("app1", at["SIGTERM app1"], at["app1 exited"]),
        "SIGKILL app2": ("app2", at["SIGKILL app2"], at["app2 gone"]),
    }
    routed = balancer.routes()

    def stop_of(sample: Sample) -> str | None:
        for stop, (server, begin, end) in stops.items():
            if (
                sample.method == "POST"
                and sample.started <= end
                and sample.finished >= begin
                and routed.get(sample.request_id, (server,))[0] == server
            ):
                return stop
        return None

    errors = [s for s in samples if s.outcome == "error"]
    excused = {sample.request_id: stop_of(sample) for sample in errors}
    for sample in errors:
        server, status, state = routed.get(sample.request_id, ("-", "-", "not logged"))
        print(
            f"  error ({excused[sample.request_id] or 'LOST'}): {sample.method} {sample.path} "
            f"at {sample.started - start:.2f}-{sample.finished - start:.2f} s: "
            f"{sample.status or sample.detail}; HAProxy: {server} {status} {state} "
            f"[{sample.request_id}]"
        )
    unsure = [s for s in errors if excused[s.request_id]]  # recorded or not: either is right
    lost = [s for s in errors if not excused[s.request_id]]
    checks.expect(
        not lost,
        f"no request lost but POSTs on the server being stopped ({len(lost)} lost)",
    )
    for stop in stops:
        failed = sum(cause == stop for cause in excused.values())
        checks.expect(
            failed <= len(clients) - READERS,
            f"{stop}: {failed} POST(s) it held failed (at most one per writing client)",
        )
    drained = sum(s.started >= at["drain app1"] for s in errors)
    checks.expect(not drained, f"app1 drained, then stopped: {drained} request(s) failed")

    # Sessions: every client keeps being served, by both servers, never sent to log in.
    served = [server.request_ids() for server in apps]
    checks.expect(count(samples, outcome="login") == 0, "no client was sent back to the login page")
    windows = {
        "app1 stopped": (at["SIGTERM app1"], at["HAProxy: app1 UP"]),
        "app2 killed": (at["HAProxy: app2 DOWN"], at["HAProxy: app2 UP"]),
        "app1 drained": (at["drain app1"], at["HAProxy: app1 UP again"]),
    }
    for client in clients:
        own = [s for s in samples if s.client == client.name]
        by_server = [sum(s.request_id in ids for s in own) for ids in served]
        answered = {
            label: sum(s.outcome != "error" and begin <= s.started <= end for s in own)
            for label, (begin, end) in windows.items()
        }
        checks.expect(
            all(by_server) and all(answered.values()),
            f"{client.name}: one session, answered by app1 {by_server[0]}× and app2 "
            f"{by_server[1]}×; answered while app1 was stopped {answered['app1 stopped']}×, "
            f"app2 dead {answered['app2 killed']}×, app1 drained {answered['app1 drained']}×",
        )

    # The documents: what the clients were told, against what the database holds.
    sales_created = count(samples, kind="sale", outcome="created")
    purchases_created = count(samples, kind="purchase", outcome="created")
    sales_unsure = count(unsure, kind="sale")
    purchases_unsure = count(unsure, kind="purchase")
    print(
        f"  documents: {purchases_created} purchases and {sales_created} sales confirmed to "
        f"the clients, {count(samples, kind='sale', outcome='refused')} sales refused for "
        f"stock; the database holds {stock['load_purchases']} and {stock['load_sales']}"
    )
    checks.expect(
        sales_created <= stock["load_sales"] <= sales_created + sales_unsure
        and purchases_created <= stock["load_purchases"] <= purchases_created + purchases_unsure,
        "every confirmed document is in the database, and no other but those in flight",
    )
    checks.expect(
        verify.returncode == 0,
        f"manage.py verify_stock: {(verify.stdout + verify.stderr).strip().splitlines()[-1:]}",
    )
    on_hand = Decimal(stock["stock_level"])
    expected = Decimal(stock["purchased"]) - Decimal(stock["sold"])
    checks.expect(
        on_hand == expected == Decimal(stock["product_on_hand"]) and stock["negative_levels"] == 0,
        f"on hand {stock['stock_level']} = purchased {stock['purchased']} − sold "
        f"{stock['sold']} (product total {stock['product_on_hand']})",
    )


# --------------------------------------------------------------------------------------------


def find_haproxy() -> str | None:
    # Debian installs it in /usr/sbin, which is not on an ordinary user's PATH.
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return shutil.which("haproxy", path=search)


def ensure_haproxy() -> None:
    if find_haproxy():
        return
    log("haproxy is missing: installing Debian's package")
    as_root = [] if os.geteuid() == 0 else ["sudo", "-n"]
    for command in (
        ["apt-get", "update", "-qq"],
        ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "haproxy"],
    ):
        if subprocess.run(as_root + command, check=False).returncode:
            raise SystemExit("Could not install haproxy: run `apt-get install haproxy` as root.")
    if not find_haproxy():
        raise SystemExit("haproxy is still not found after installing Debian's package.")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale_test", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        help=f"PostgreSQL, dropped and created afresh (default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument("--balancer-port", type=int, default=8100)
    parser.add_argument("--app-ports", default="8101,8102", help="two ports, comma-separated")
    parser.add_argument(
        "--pause", type=float, default=2, help="seconds of load between the stops and starts"
    )
    parser.add_argument("--scratch", type=Path, default=ROOT / ".bench" / "scale")
    return parser.parse_args(argv)


def stop_on_sigterm(signum, frame):
    # Unwinds through the finally blocks, so every child is stopped too.
    raise SystemExit(f"stopped by signal {signum}")


def run(args) -> int:
    started = time.monotonic()
    ports = [int(port) for port in args.app_ports.split(",")]
    busy = [p for p in [args.balancer_port, *ports] if not port_is_free(p)]
    if busy:
        raise SystemExit(f"Port(s) {busy} already in use: choose others (--app-ports ...).")
    database_parts(args.database_url)  # refuses a database it must not drop
    ensure_haproxy()
    args.scratch.mkdir(parents=True, exist_ok=True)
    for old_log in args.scratch.glob("*.log"):  # this run's logs only
        old_log.unlink()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CACHE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(SERVER_ENV, DATABASE_URL=args.database_url)

    log(f"database {database_parts(args.database_url)[1]}: drop, create, migrate")
    recreate_database(args.database_url)
    run_checked([PYTHON, "manage.py", "migrate", "--noinput"], env, args.scratch / "migrate.log")
    collect_static(env, args.scratch, log)
    fixtures = django_json("prepare", env, args.scratch)
    log(f"a store, {OPENING_STOCK} units of {SKU} bought in, the Clerk {USERNAME}")

    runtime = Path(tempfile.mkdtemp(prefix="scale-test-"))
    apps = [
        AppServer(f"app{n}", port, env, args.scratch, runtime) for n, port in enumerate(ports, 1)
    ]
    balancer = Balancer(args.balancer_port, apps, args.scratch, runtime)
    checks = Checks()
    try:
        for app in apps:
            app.start()
        balancer.start()
        setup_seconds = time.monotonic() - started
        log(
            f"app1 :{ports[0]} and app2 :{ports[1]} ({WORKERS} workers × {THREADS} threads) "
            f"behind HAProxy :{args.balancer_port}, both UP after {setup_seconds:.0f} s"
        )
        clients = [ShopClient(f"client{n}", balancer.url) for n in range(1, SESSIONS + 1)]
        for client in clients:
            client.login()

        oversell_started = time.monotonic()
        results = oversell(clients, fixtures)
        oversell_seconds = time.monotonic() - oversell_started
        check_oversell(checks, results, django_json("ledger", env, args.scratch))
        print(f"  ({oversell_seconds:.1f} s)")

        events = mixed_load(clients, fixtures, apps, balancer, args.pause)
        balancer_stats = balancer.stats()
    finally:
        balancer.stop()
        for app in apps:
            app.stop()
        shutil.rmtree(runtime, ignore_errors=True)
    verify = subprocess.run(
        [PYTHON, "manage.py", "verify_stock"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    stock = django_json("ledger", env, args.scratch)
    check_load(checks, clients, events, apps, balancer, balancer_stats, stock, verify)
    checks.expect(
        HAPROXY_CONFIG.read_text() in DEPLOY_DOC.read_text(),
        f"{DEPLOY_DOC.relative_to(ROOT)} shows {HAPROXY_CONFIG.relative_to(ROOT)} as it is",
    )

    total = time.monotonic() - started
    print(
        f"\nScale test: {len(checks.failures)} failed check(s) in {total:.0f} s "
        f"(setup {setup_seconds:.0f} s, load {events[-1].at - events[0].at:.0f} s); "
        f"logs in {args.scratch}",
        flush=True,
    )
    return 1 if checks.failures else 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["prepare"], ["ledger"]):
        django_child(argv[0])
        return 0
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
