"""``python -m bench.fault_run``: faults under a write load, and proof that nothing was lost.

    .venv/bin/python -m bench.fault_run                        # SQLite on a 48 MB tmpfs
    .venv/bin/python -m bench.fault_run --database postgres    # inventory_faults (dropped!)

What docs/DEPLOY.md promises about outages, run rather than described (results
in docs/FAULTS.md):

1. A fresh database with a little data: SQLite in a file on a small tmpfs this
   script mounts (root only), or the PostgreSQL database ``inventory_faults``
   (dropped and created). Migrated, then one store, four products with
   OPENING_STOCK units each (bought in through ``purchase_record``) and a
   Manager (``manage.py create_user``).
2. gunicorn with gunicorn.conf.py and production settings on a free port
   8301-8399; WRITERS logged-in clients post one-unit sales and three-unit
   purchases through the real forms, back to back, each with a note of its own
   so that the database can be asked about every single request; a poller
   asks /healthz every 0.2 s on a new connection, as a load balancer does.
3. Faults, one after another, under that load: on PostgreSQL
   ``pg_terminate_backend`` of every connection to the database, twice; on
   SQLite the tmpfs filled to the last byte for DISK_FULL_SECONDS, then freed;
   then SIGKILL to a worker (the one serving a write at that moment, when one
   is), twice.
4. Checks: every document a client was told was saved is in the database with
   its line and its stock movement; none exists that a client was told had
   failed, except a request in flight at a kill or termination ("accepted, but
   the answer was lost": listed apart); no half-written document; no 500;
   /healthz 503 with ``write: failing`` while the disk is full and 200 after;
   ``manage.py verify_stock`` clean; stock = purchased - sold; SQLite's
   ``PRAGMA integrity_check`` ok.

Prints a table per fault and the checks; exits 1 when a check fails. Every
process, the mount and the filler are removed on the way out; the PostgreSQL
database is dropped unless ``--keep-database``. Logs and a JSON line per run
are kept in .bench/faults/.
"""

import argparse
import contextlib
import datetime
import errno
import itertools
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from bench.harness import PYTHON, ROOT, collect_static, log_in, port_is_free, run_checked

BIN = Path(PYTHON).parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/inventory_faults"
USERNAME = "fault-manager"
PASSWORD = "fault-Stockroom-2026!"
SKUS = ("FAULT-1", "FAULT-2", "FAULT-3", "FAULT-4")
OPENING_STOCK = 1000
PURCHASE_QUANTITY = 3
# Every document a writer posts carries a note of its own: "fault run w1-17".
NOTE_PREFIX = "fault run "
WRITERS = 3
WRITER_PAUSE = 0.05  # seconds between one writer's posts; the machine is shared
POLL_INTERVAL = 0.2
POLL_TIMEOUT = 2  # seconds; a load balancer's check gives up too
DISK_SIZE = "48m"
DISK_FULL_SECONDS = 5
PORTS = range(8301, 8400)
DOCUMENT_URL = {
    "sale": re.compile(r"^/sales/(\d+)/$"),
    "purchase": re.compile(r"^/purchases/(\d+)/$"),
}

# Production settings (see docs/DEPLOY.md), except what needs HTTPS: the run
# speaks plain HTTP to 127.0.0.1. Connections are kept, as DEPLOY.md advises,
# so that a terminated connection is one a worker would otherwise reuse.
SERVER_ENV = {
    "DJANGO_READ_DOT_ENV_FILE": "false",
    "DEBUG": "false",
    "SECRET_KEY": "fault-run-only-" + "f" * 50,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "CONN_MAX_AGE": "60",
    "LOG_LEVEL": "WARNING",
}


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------------------------
# Inside Django: `python -m bench.fault_run --django prepare|inspect`, run as children with the
# server's environment, so that this process never holds a database connection.


def prepare() -> dict:
    """One store, SKUS with OPENING_STOCK units each (a real purchase), and a Manager."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from people.models import Customer, Supplier
    from products.models import Category, Product, Unit
    from purchases.services import PurchaseLineInput, purchase_record
    from stores.models import Store

    os.environ["INVENTORY_USER_PASSWORD"] = PASSWORD
    call_command("create_user", USERNAME, role="manager", stdout=open(os.devnull, "w"))  # noqa: SIM115
    manager = get_user_model().objects.get(username=USERNAME)
    store = Store.objects.create(name="Fault Run Store", code="FAULT")
    supplier = Supplier.objects.create(name="Fault Run Supplier")
    customer = Customer.objects.create(name="Fault Run Customer")
    category = Category.objects.create(name="Fault run")
    products = [
        Product.objects.create(
            sku=sku,
            name=f"Fault run widget {number}",
            category=category,
            supplier=supplier,
            unit=Unit.objects.standard()["pcs"],
            cost_price=Decimal("4.00"),
            sale_price=Decimal("10.00"),
        )
        for number, sku in enumerate(SKUS, 1)
    ]
    purchase_record(
        supplier=supplier,
        store=store,
        lines=[
            PurchaseLineInput(
                product=product, quantity=Decimal(OPENING_STOCK), unit_cost=Decimal(4)
            )
            for product in products
        ],
        user=manager,
        notes="fault run: opening stock",
    )
    return {
        "store": store.pk,
        "supplier": supplier.pk,
        "customer": customer.pk,
        "date": timezone.localdate().isoformat(),
    }


def inspect() -> dict:
    """Every document the writers posted (by note): its lines, its movements; and the stock."""
    from django.db.models import Count, Sum

    from products.models import Product, StockLevel, StockMovement
    from purchases.models import Purchase, PurchaseLine
    from sales.models import Sale, SaleLine

    documents: dict[str, list[dict]] = {}
    for kind, model, line_model in (
        ("sale", Sale, SaleLine),
        ("purchase", Purchase, PurchaseLine),
    ):
        lines = {
            row[kind]: row
            for row in line_model.objects.values(kind).annotate(
                count=Count("pk"), quantity=Sum("quantity")
            )
        }
        movements = {
            row["document_id"]: row
            for row in StockMovement.objects.filter(kind=kind)
            .values("document_id")
            .annotate(count=Count("pk"), quantity=Sum("quantity"))
        }
        for pk, notes, voided_at in model.objects.filter(notes__startswith=NOTE_PREFIX).values_list(
            "pk", "notes", "voided_at"
        ):
            line = lines.get(pk, {"count": 0, "quantity": 0})
            movement = movements.get(pk, {"count": 0, "quantity": 0})
            documents.setdefault(notes, []).append(
                {
                    "kind": kind,
                    "id": pk,
                    "lines": line["count"],
                    "line_quantity": str(line["quantity"] or 0),
                    "movements": movement["count"],
                    "movement_quantity": str(movement["quantity"] or 0),
                    "voided": voided_at is not None,
                }
            )
    stock = {}
    for product in Product.objects.filter(sku__in=SKUS):
        bought = PurchaseLine.objects.filter(product=product).aggregate(total=Sum("quantity"))
        sold = SaleLine.objects.filter(product=product).aggregate(total=Sum("quantity"))
        stock[product.sku] = {
            "on_hand": str(StockLevel.objects.get(product=product).quantity),
            "purchased": str(bought["total"] or 0),
            "sold": str(sold["total"] or 0),
        }
    return {"documents": documents, "stock": stock}


def django_child(command: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inventory_project.settings")
    django.setup()
    result = prepare() if command == "prepare" else inspect()
    print("FAULT-JSON " + json.dumps(result, default=str))


# --------------------------------------------------------------------------------------------
# The database and its disk


def django_json(command: str, env: dict, scratch: Path) -> dict:
    stdout = run_checked(
        [PYTHON, "-m", "bench.fault_run", "--django", command], env, scratch / f"{command}.log"
    )
    for line in stdout.splitlines():
        if line.startswith("FAULT-JSON "):
            return json.loads(line.removeprefix("FAULT-JSON "))
    raise SystemExit(f"bench.fault_run --django {command} printed no result; see {scratch}")


class Disk:
    """A tmpfs of its own, mounted for the run: small, so that it can be filled in an instant."""

    def __init__(self, size: str):
        self.path = Path(tempfile.mkdtemp(prefix="fault-disk-"))
        self.filler = self.path / "filler"
        self.mounted = False
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(self.path)],
            check=True,
        )
        self.mounted = True

    def free_bytes(self) -> int:
        stats = os.statvfs(self.path)
        return stats.f_bavail * stats.f_frsize

    def fill(self) -> int:
        """Grow the filler until the disk is full (ENOSPC); the bytes it took."""
        taken = 0
        descriptor = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            free = self.free_bytes()
            if free:
                with contextlib.suppress(OSError):  # SQLite took some meanwhile: write instead
                    os.posix_fallocate(descriptor, os.fstat(descriptor).st_size, free)
                    taken += free
            for block in (1 << 20, 1 << 12):
                chunk = b"\0" * block
                while True:
                    try:
                        written = os.write(descriptor, chunk)
                    except OSError as error:
                        if error.errno != errno.ENOSPC:
                            raise
                        break
                    taken += written
                    if written < block:
                        break
        finally:
            os.close(descriptor)
        return taken

    def empty(self) -> None:
        self.filler.unlink(missing_ok=True)

    def remove(self) -> None:
        self.empty()
        if self.mounted:
            if subprocess.run(["umount", str(self.path)], check=False).returncode:
                subprocess.run(["umount", "--lazy", str(self.path)], check=False)
            self.mounted = False
        with contextlib.suppress(OSError):
            self.path.rmdir()


class Database:
    """The run's database: SQLite on a Disk, or a PostgreSQL database made for it."""

    def __init__(self, vendor: str, postgres_url: str):
        self.vendor = vendor
        self.disk: Disk | None = None
        if vendor == "sqlite":
            self.url = ""
        else:
            parts = urlsplit(postgres_url)
            self.name = parts.path.lstrip("/")
            if "fault" not in self.name or not re.fullmatch(r"[a-z_][a-z0-9_]*", self.name):
                # It is dropped: a database exported for other work must not be.
                raise SystemExit(
                    f"The fault run drops and recreates its database; {self.name!r} must be a "
                    "plain name containing 'fault', e.g. inventory_faults."
                )
            self.url = postgres_url
            self.server = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))

    def create(self) -> None:
        if self.vendor == "sqlite":
            self.disk = Disk(DISK_SIZE)
            self.path = self.disk.path / "inventory.sqlite3"
            self.url = f"sqlite:///{self.path}"
            return
        import psycopg

        with psycopg.connect(self.server, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {self.name}")

    def terminate_connections(self) -> int:
        """pg_terminate_backend() of every connection to the database; how many there were."""
        import psycopg

        with psycopg.connect(self.server, autocommit=True) as connection:
            rows = connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.name],
            ).fetchall()
        return sum(1 for (terminated,) in rows if terminated)

    def integrity(self) -> str:
        with contextlib.closing(sqlite3.connect(self.path)) as connection:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
        return "; ".join(row[0] for row in rows)

    def remove(self, keep: bool) -> None:
        if self.disk is not None:
            self.disk.remove()
        elif self.vendor == "postgres" and not keep:
            import psycopg

            with (
                contextlib.suppress(psycopg.Error),
                psycopg.connect(self.server, autocommit=True) as connection,
            ):
                connection.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


# --------------------------------------------------------------------------------------------
# gunicorn


GUNICORN_SETTINGS = ("workers", "worker_class", "threads", "worker_connections", "keepalive")


def gunicorn_settings(env: dict) -> dict:
    """What gunicorn.conf.py gives with this environment (it is being tuned: say what ran)."""
    code = (
        "import json, runpy; c = runpy.run_path('gunicorn.conf.py'); "
        f"print(json.dumps({{k: c.get(k) for k in {GUNICORN_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


class Server:
    """gunicorn -c gunicorn.conf.py in a process group of its own."""

    def __init__(self, env: dict, scratch: Path, runtime: Path):
        self.port = next((port for port in PORTS if port_is_free(port)), None)
        if self.port is None:
            raise SystemExit(f"no free port in {PORTS.start}-{PORTS.stop - 1}")
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = scratch / "gunicorn.log"
        self.expected_workers = int(env.get("GUNICORN_WORKERS", (os.cpu_count() or 1) * 2 + 1))
        with open(self.log_path, "w") as output:
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    "gunicorn.conf.py",
                    # Not ~/.gunicorn/gunicorn.ctl, shared with any other gunicorn here.
                    "--control-socket",
                    str(runtime / "gunicorn.ctl"),
                    "inventory_project.wsgi",
                ],
                cwd=ROOT,
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_until(self.ready, "gunicorn answering /healthz with every worker up", 90)

    def wait_until(self, condition, what: str, timeout: float, interval: float = 0.1) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}")
            if condition():
                return time.monotonic()
            time.sleep(interval)
        raise SystemExit(f"{what}: not after {timeout:.0f} s; see {self.log_path}")

    def ready(self) -> bool:
        try:
            healthy = requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False
        return healthy and len(self.worker_pids()) >= self.expected_workers

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        with contextlib.suppress(OSError):
            return [int(pid) for pid in path.read_text().split()]
        return []

    def connections(self) -> dict[str, str]:
        """Established connections to the server: socket inode -> the client's address."""
        held = {}
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == self.port and fields[3] == "01":
                address = bytes.fromhex(fields[2].split(":")[0])[::-1]  # little-endian
                held[fields[9]] = socket.inet_ntoa(address)
        return held

    def sockets_of(self, pid: int) -> set[str]:
        inodes = set()
        with contextlib.suppress(OSError):
            for descriptor in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    target = os.readlink(f"/proc/{pid}/fd/{descriptor}")
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
        return inodes

    def worker_serving(self, client_address: str) -> int | None:
        """The worker holding a connection that comes from ``client_address``."""
        inodes = {inode for inode, peer in self.connections().items() if peer == client_address}
        if not inodes:
            return None
        return next((pid for pid in self.worker_pids() if self.sockets_of(pid) & inodes), None)

    def busiest_worker(self) -> int:
        connections = self.connections()
        pids = self.worker_pids()
        return max(pids, key=lambda pid: len(self.sockets_of(pid) & connections.keys()))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=35)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # workers that outlived the master
        self.process.wait()


# --------------------------------------------------------------------------------------------
# The clients


TITLE = re.compile(r"<title>\s*([^<]*?)\s*</title>", re.IGNORECASE)
FORM_ERROR = re.compile(r"(Nothing was saved[^<]*|Not enough stock[^<]*)")


@dataclass
class Attempt:
    """One post of a new sale or purchase, as its writer saw it."""

    writer: int
    kind: str  # sale, purchase
    note: str
    request_id: str
    started: float
    finished: float = 0.0
    status: int | None = None
    error: str = ""  # the exception's class, when no answer came
    document_id: int | None = None  # from the redirect to the new document's page
    seen: str = ""  # what the user saw instead: the page's title, a form error
    closed: bool = False  # the server closed the connection after answering

    @property
    def saved(self) -> bool:
        return self.document_id is not None

    @property
    def outcome(self) -> str:
        return "saved" if self.saved else self.error or str(self.status)


class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connections from a given local address (any 127.x.y.z is the loopback)."""

    def __init__(self, address: str):
        self.address = address  # read by init_poolmanager, which __init__ calls
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


class Writer:
    """A logged-in person recording sales and purchases, one after another."""

    def __init__(self, number: int, url: str, fixtures: dict):
        self.number, self.url, self.fixtures = number, url, fixtures
        self.session = requests.Session()
        # Each writer connects from an address of its own on the loopback, so
        # that the worker holding its request can be found (with or without
        # keep-alive) in /proc/net/tcp.
        self.address = f"127.0.0.{10 + number}"
        self.session.mount(url, SourceAddressAdapter(self.address))
        self.attempts: list[Attempt] = []
        self.in_flight: Attempt | None = None
        self.counter = itertools.count(1)

    def login(self) -> None:
        self.token = log_in(self.session, self.url, USERNAME, PASSWORD, f"writer {self.number}")

    def run(self, stop: threading.Event) -> None:
        for kind in itertools.cycle(("sale", "purchase")):
            if stop.is_set():
                return
            self.post(kind)
            time.sleep(WRITER_PAUSE)

    def post(self, kind: str) -> Attempt:
        number = next(self.counter)
        attempt = Attempt(
            writer=self.number,
            kind=kind,
            note=f"{NOTE_PREFIX}w{self.number}-{number}",
            request_id=f"fault-w{self.number}-{number}",
            started=time.monotonic(),
        )
        sku = SKUS[(number // 2 + self.number) % len(SKUS)]
        if kind == "sale":
            header = {"customer": self.fixtures["customer"]}
            line = {"product": sku, "quantity": "1", "unit_price": ""}
        else:
            header = {"supplier": self.fixtures["supplier"], "reference": ""}
            line = {
                "product": sku,
                "quantity": str(PURCHASE_QUANTITY),
                "unit_cost": "",
                "entered_in": "",
            }
        data = {
            "csrfmiddlewaretoken": self.token,
            "store": self.fixtures["store"],
            "date": self.fixtures["date"],
            "notes": attempt.note,
            **header,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "100",
            **{f"lines-0-{name}": value for name, value in line.items()},
        }
        self.in_flight = attempt
        try:
            response = self.session.post(
                f"{self.url}/{kind}s/new/",
                data=data,
                headers={"X-Request-ID": attempt.request_id},
                allow_redirects=False,
                timeout=30,
            )
        except requests.RequestException as error:
            attempt.error = type(error).__name__
            attempt.seen = f"no answer ({attempt.error})"
        else:
            attempt.status = response.status_code
            attempt.closed = response.headers.get("Connection", "").lower() == "close"
            location = response.headers.get("Location", "")
            if response.status_code == 302 and (created := DOCUMENT_URL[kind].match(location)):
                attempt.document_id = int(created.group(1))
            else:
                attempt.seen = what_the_user_saw(response)
        finally:
            attempt.finished = time.monotonic()
            self.in_flight = None
        self.attempts.append(attempt)
        return attempt


def what_the_user_saw(response) -> str:
    location = response.headers.get("Location", "")
    if response.is_redirect:
        return f"redirect to {location}"
    title = TITLE.search(response.text)
    seen = title.group(1) if title else response.text[:60].strip()
    if response.status_code == 200 and (error := FORM_ERROR.search(response.text)):
        seen = f"the form again: {error.group(1).strip()}"
    elif response.status_code == 200:
        seen = "the form again, without an error shown"
    if retry := response.headers.get("Retry-After"):
        seen += f" (Retry-After: {retry})"
    return seen


def warm_up(server: Server, writers: list[Writer]) -> None:
    """Pages and /healthz a few times per worker, on new connections: a cold worker is slow."""
    cookies = writers[0].session.cookies
    for _ in range(server.expected_workers * 2):
        for path in ("/healthz", "/sales/new/", "/purchases/new/"):
            requests.get(f"{server.url}{path}", cookies=cookies, timeout=30)


@dataclass
class Poll:
    at: float  # when it was sent
    ended: float
    status: int | None
    body: dict = field(default_factory=dict)
    error: str = ""

    @property
    def label(self) -> str:
        if self.error:
            return self.error
        if self.status == 200:
            return "200"
        return f"{self.status} (read: {self.body.get('read')}, write: {self.body.get('write')})"


def poll_health(url: str, polls: list[Poll], stop: threading.Event) -> None:
    """/healthz every POLL_INTERVAL, each on a new connection, as a load balancer checks."""
    while not stop.is_set():
        began = time.monotonic()
        try:
            response = requests.get(f"{url}/healthz", timeout=POLL_TIMEOUT)
        except requests.RequestException as error:
            polls.append(Poll(began, time.monotonic(), None, error=type(error).__name__))
        else:
            try:
                body = response.json()
            except ValueError:
                body = {"text": response.text[:80]}
            polls.append(Poll(began, time.monotonic(), response.status_code, body))
        stop.wait(max(0.0, POLL_INTERVAL - (time.monotonic() - began)))


# --------------------------------------------------------------------------------------------
# The faults


@dataclass
class Phase:
    name: str
    started: float
    ended: float = 0.0
    # When a worker was killed or the connections cut: (from, to), monotonic.
    instants: list[tuple[float, float]] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    full: tuple[float, float] | None = None  # the disk was full from, to
    target: str = ""  # the request id of the write the killed worker was serving


class FaultRun:
    def __init__(self, database: Database, server: Server, writers: list[Writer]):
        self.database, self.server, self.writers = database, server, writers
        self.phases: list[Phase] = []

    def phase(self, name: str) -> Phase:
        now = time.monotonic()
        if self.phases:
            self.phases[-1].ended = now
        self.phases.append(Phase(name, now))
        log(name)
        return self.phases[-1]

    def kill_worker(self, phase: Phase) -> None:
        """SIGKILL to the worker serving a write right now (the busiest one if none is)."""
        deadline = time.monotonic() + 3
        pid, why = None, ""
        tries = Counter()
        while pid is None and time.monotonic() < deadline:
            for writer in self.writers:
                attempt = writer.in_flight
                if attempt is None:
                    continue
                pid = self.server.worker_serving(writer.address)
                if pid is not None:
                    why = f"serving {attempt.kind} {attempt.request_id}"
                    phase.target = attempt.request_id
                    break
                tries["in flight, no worker holds its connection"] += 1
            else:
                time.sleep(0.005)
        if pid is None:
            pid = self.server.busiest_worker()
            why = f"no worker seen serving a write ({counted(tries.elements())}): the busiest"
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()

        def gone() -> bool:
            # Until the kernel has closed its sockets, a request can still be
            # sent to it: the window of "in flight" lasts until it is a zombie.
            try:
                return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] in "ZX"
            except (OSError, IndexError):
                return True

        gone_at = self.server.wait_until(gone, "the killed worker gone", 10, interval=0.002)
        phase.instants.append((killed_at, gone_at))

        def replaced() -> bool:
            pids = self.server.worker_pids()
            return pid not in pids and len(pids) >= self.server.expected_workers

        back = self.server.wait_until(replaced, "gunicorn replacing the killed worker", 30)
        phase.details.append(
            f"killed worker {pid} ({why}); dead after {(gone_at - killed_at) * 1000:.0f} ms, "
            f"replaced after {back - killed_at:.1f} s"
        )

    def terminate(self, phase: Phase) -> None:
        began = time.monotonic()
        terminated = self.database.terminate_connections()
        phase.instants.append((began, time.monotonic()))
        phase.details.append(f"{terminated} connection(s) terminated")

    def fill_disk(self, phase: Phase) -> None:
        disk = self.database.disk
        files = ", ".join(
            f"{path.name} {path.stat().st_size / 2**20:.1f} MiB"
            for path in sorted(disk.path.iterdir())
        )
        phase.details.append(f"on the disk before: {files}")
        began = time.monotonic()
        taken = disk.fill()
        full_at = time.monotonic()
        topped_up = 0
        while time.monotonic() - full_at < DISK_FULL_SECONDS:
            time.sleep(0.2)
            topped_up += disk.fill()  # whatever SQLite gave back (a checkpointed WAL...)
        freed_at = time.monotonic()
        left = disk.free_bytes()
        disk.empty()
        phase.full = (full_at, freed_at)
        phase.details.append(
            f"filler {taken / 2**20:.1f} MiB in {full_at - began:.2f} s, full for "
            f"{freed_at - full_at:.1f} s (+{topped_up} B topped up; {left} B free at the end)"
        )

    def run(self, polls: list[Poll]) -> None:
        time.sleep(3)
        # The database's faults first, while every worker is warm: a killed
        # worker's replacement is cold, and its first requests take seconds on
        # this machine, which would blur how fast /healthz reacts.
        if self.database.vendor == "postgres":
            for number in (1, 2):
                phase = self.phase(f"terminate connections ({number})")
                self.terminate(phase)
                time.sleep(3)
        else:
            phase = self.phase(f"disk full ({DISK_FULL_SECONDS} s)")
            self.fill_disk(phase)
            recovery = self.phase("disk freed: recovery")
            freed_at = recovery.started
            deadline = freed_at + 20
            while time.monotonic() < deadline:
                recent = [p for p in polls[-3:] if p.at > freed_at]
                if recent and recent[-1].status == 200:
                    break
                time.sleep(0.1)
            time.sleep(2)
        for number in (1, 2):
            phase = self.phase(f"SIGKILL a worker ({number})")
            self.kill_worker(phase)
            time.sleep(3)
        self.phase("after")
        time.sleep(3)


# --------------------------------------------------------------------------------------------
# Checks and the summary


class Checks:
    def __init__(self):
        self.results: list[tuple[bool, str]] = []

    def expect(self, condition: bool, description: str) -> None:
        print(f"  {'ok  ' if condition else 'FAIL'} {description}", flush=True)
        self.results.append((bool(condition), description))

    @property
    def failures(self) -> list[str]:
        return [description for passed, description in self.results if not passed]


def counted(labels) -> str:
    return ", ".join(f"{label} ×{n}" for label, n in Counter(labels).most_common()) or "-"


def timeline(attempts, polls, since: float, until: float, zero: float, step=0.5) -> None:
    """Writes and health checks in steps of ``step`` seconds, from ``zero`` (the disk filled)."""
    print("  timeline, seconds from the moment the disk was full (by the time a request was sent):")
    begin = since
    while begin < until:
        end = begin + step
        mine = [a for a in attempts if begin <= a.started < end]
        health = [
            f"{p.label} in {(p.ended - p.at) * 1000:.0f} ms" for p in polls if begin <= p.at < end
        ]
        print(
            f"    {begin - zero:+5.1f} s: saved {sum(a.saved for a in mine):2}, "
            f"failed {sum(not a.saved for a in mine):2}; /healthz {', '.join(health) or '-'}"
        )
        begin = end


def phase_members(phases: list[Phase], attempts: list[Attempt]) -> dict[str, list[Attempt]]:
    """Each phase's writes: those begun in it, and those in flight at its kill or termination."""
    members: dict[str, list[Attempt]] = {phase.name: [] for phase in phases}
    for attempt in attempts:
        phase = next((p for p in phases if in_flight(attempt, p.instants)), None) or next(
            (p for p in phases if p.started <= attempt.started < p.ended), None
        )
        if phase is not None:
            members[phase.name].append(attempt)
    return members


def in_flight(attempt: Attempt, instants: list[tuple[float, float]]) -> bool:
    return any(attempt.started <= to and attempt.finished >= since for since, to in instants)


def summarise(
    run: FaultRun, attempts: list[Attempt], polls: list[Poll], found: dict, checks: Checks
) -> list[dict]:
    """The table per fault, and the checks that belong to each."""
    rows = []
    members = phase_members(run.phases, attempts)
    print("\n| phase | seconds | writes saved | writes failed | what the writer saw | /healthz |")
    print("| --- | --- | --- | --- | --- | --- |")
    for phase in run.phases:
        mine = members[phase.name]
        failed = [a for a in mine if not a.saved]
        health = [p for p in polls if phase.started <= p.at < phase.ended]
        row = {
            "phase": phase.name,
            "seconds": round(phase.ended - phase.started, 1),
            "saved": sum(a.saved for a in mine),
            "failed": counted(a.outcome for a in failed),
            "seen": counted(a.seen for a in failed if a.seen),
            "healthz": counted(p.label for p in health),
            "details": phase.details,
        }
        rows.append(row)
        print(
            f"| {row['phase']} | {row['seconds']} | {row['saved']} | {row['failed']} | "
            f"{row['seen']} | {row['healthz']} |"
        )
    for phase in run.phases:
        for detail in phase.details:
            print(f"  {phase.name}: {detail}")
        if target := next((a for a in attempts if a.request_id == phase.target), None):
            stored = found["documents"].get(target.note, [])
            print(
                f"  {phase.name}: {target.request_id}, the write it was serving: "
                f"{target.outcome}; in the database: "
                + (", ".join(f"{d['kind']} #{d['id']}" for d in stored) or "no")
            )
            phase.details.append(
                f"{target.request_id}: {target.outcome}, in the database: {bool(stored)}"
            )
        if phase.full:
            timeline(attempts, polls, phase.full[0] - 1, phase.full[1] + 2, phase.full[0])

    print("\nChecks:")
    for phase in run.phases:
        mine = members[phase.name]
        failed = [a for a in mine if not a.saved]
        if phase.name in ("baseline", "after"):
            checks.expect(not failed, f"{phase.name}: every write saved ({len(mine)})")
        elif phase.instants:
            # A killed worker or a cut connection may fail the request it was
            # serving, nothing else: a request sent after it must succeed.
            stray = [a for a in failed if not in_flight(a, phase.instants)]
            checks.expect(
                not stray,
                f"{phase.name}: only requests in flight at that moment failed "
                f"({len(failed) - len(stray)} did; others: {counted(a.outcome for a in stray)})",
            )
        elif phase.full:
            full_from, full_to = phase.full
            # Polls sent and answered while the disk was full, all of them.
            during = [p for p in polls if full_from <= p.at and p.ended <= full_to]
            red = [
                p
                for p in during
                if p.status == 503
                and p.body.get("write") == "failing"
                and p.body.get("read") == "ok"
            ]
            first_red = min((p.at for p in red), default=None)
            first_failure = min(
                (a.started for a in attempts if not a.saved and full_from <= a.started <= full_to),
                default=None,
            )
            checks.expect(
                bool(red),
                f"{phase.name}: /healthz 503 with read: ok, write: failing while the disk was "
                f"full ({len(red)} of {len(during)} polls"
                + (f"; the first sent {first_red - full_from:+.1f} s" if red else "")
                + (
                    f"; writes failing from {first_failure - full_from:+.1f} s)"
                    if first_failure
                    else ")"
                ),
            )
            # While writes still succeed (SQLite's WAL has room left), a 200 is
            # the truth; once they fail, it is not.
            green = [
                p for p in during if p.status == 200 and first_failure and p.at >= first_failure
            ]
            checks.expect(
                not green,
                f"{phase.name}: no /healthz 200 once writes were failing ({len(green)}: sent "
                + ", ".join(f"{p.at - full_from:+.1f} s" for p in green)
                + " after the disk filled)",
            )
            writes_full = [a for a in attempts if full_from <= a.started and a.finished <= full_to]
            checks.expect(
                any(not a.saved for a in writes_full),
                f"{phase.name}: the full disk made writes fail "
                f"({sum(not a.saved for a in writes_full)} of {len(writes_full)} sent and answered "
                "while it was full failed)",
            )
        if phase.name == "disk freed: recovery":
            green = [p for p in polls if p.at >= phase.started and p.status == 200]
            checks.expect(
                bool(green) and green[0].at - phase.started < 15,
                "disk freed: /healthz back to 200"
                + (f" after {green[0].at - phase.started:.1f} s" if green else " (never)"),
            )
    errors = [a for a in attempts if a.status == 500]
    checks.expect(
        not errors,
        f"no write answered 500 ({len(errors)} did: {counted(a.seen for a in errors)})",
    )

    # The documents: what each writer was told, against what the database holds.
    instants = [instant for phase in run.phases for instant in phase.instants]
    lost, unexpected, answer_lost, half, wrong_id = [], [], [], [], []
    for attempt in attempts:
        rows_found = found["documents"].get(attempt.note, [])
        expected_quantity = 1 if attempt.kind == "sale" else PURCHASE_QUANTITY
        for document in rows_found:
            sign = -1 if attempt.kind == "sale" else 1
            complete = (
                document["kind"] == attempt.kind
                and document["lines"] == 1
                and Decimal(document["line_quantity"]) == expected_quantity
                and document["movements"] == 1
                and Decimal(document["movement_quantity"]) == sign * expected_quantity
                and not document["voided"]
            )
            if not complete:
                half.append((attempt, document))
        if attempt.saved:
            if not rows_found:
                lost.append(attempt)
            elif [d["id"] for d in rows_found] != [attempt.document_id]:
                wrong_id.append((attempt, rows_found))
        elif rows_found:
            (answer_lost if in_flight(attempt, instants) else unexpected).append(attempt)
    posted = {attempt.note for attempt in attempts}
    strangers = [note for note in found["documents"] if note not in posted]
    saved = [a for a in attempts if a.saved]
    print(
        f"\n  documents: {len(attempts)} posted, {len(saved)} told saved, "
        f"{len(attempts) - len(saved)} told failed; "
        f"{sum(len(v) for v in found['documents'].values())} in the database"
    )
    for attempt in answer_lost:
        print(
            f"  accepted, but the answer was lost: {attempt.kind} {attempt.request_id} "
            f"({attempt.outcome}) is {found['documents'][attempt.note][0]['kind']} "
            f"#{found['documents'][attempt.note][0]['id']}"
        )
    checks.expect(
        not lost, f"every document the writers were told was saved exists ({len(lost)} lost)"
    )
    checks.expect(not wrong_id, f"each under the id its redirect named ({len(wrong_id)} not)")
    checks.expect(
        not half, f"no half-written document: one line, one stock movement each ({len(half)})"
    )
    checks.expect(
        not unexpected,
        "none exists that a writer was told had failed, but requests in flight at a kill or "
        f"termination ({len(unexpected)} do: {[a.request_id for a in unexpected][:5]}; "
        f"{len(answer_lost)} in flight, listed above)",
    )
    checks.expect(not strangers, f"no document the writers did not post ({len(strangers)})")
    stock_ok = all(
        Decimal(s["on_hand"]) == Decimal(s["purchased"]) - Decimal(s["sold"])
        for s in found["stock"].values()
    )
    checks.expect(
        stock_ok,
        "stock on hand = purchased - sold, per product: "
        + ", ".join(
            f"{sku} {s['on_hand']} = {s['purchased']} - {s['sold']}"
            for sku, s in sorted(found["stock"].items())
        ),
    )
    return rows


def server_log_lines(server: Server) -> dict:
    text = server.log_path.read_text(errors="replace")
    return {
        # Log records carrying a traceback (a chained exception prints two).
        "tracebacks": text.count('"exception": "Traceback'),
        "error_lines": sum('"level": "ERROR"' in line for line in text.splitlines()),
        "worker_signals": len(re.findall(r"Worker \(pid:\d+\) was sent SIGKILL", text)),
    }


# --------------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.fault_run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help=f"dropped and created afresh (default {POSTGRES_URL}); its name must contain 'fault'",
    )
    parser.add_argument("--keep-database", action="store_true", help="do not drop it at the end")
    parser.add_argument("--scratch", type=Path, default=ROOT / ".bench" / "faults")
    parser.add_argument("--django", choices=("prepare", "inspect"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def stop_on_sigterm(signum, frame):
    # Unwinds through the finally blocks, so every child and the mount go too.
    raise SystemExit(f"stopped by signal {signum}")


def run(args) -> int:
    started = time.monotonic()
    if args.database == "sqlite" and os.geteuid() != 0:
        raise SystemExit("The SQLite fault run mounts a tmpfs: run it as root.")
    scratch = args.scratch / args.database
    scratch.mkdir(parents=True, exist_ok=True)
    for old in scratch.glob("*.log"):
        old.unlink()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CACHE_URL", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")
        and not key.startswith("GUNICORN_")
    }
    env.update(SERVER_ENV)
    database = Database(args.database, args.postgres_url)
    runtime = Path(tempfile.mkdtemp(prefix="fault-run-"))
    server = None
    stop = threading.Event()
    threads: list[threading.Thread] = []
    checks = Checks()
    try:
        database.create()
        env["DATABASE_URL"] = database.url
        log(f"{args.database}: {database.url}; migrate")
        run_checked([PYTHON, "manage.py", "migrate", "--noinput"], env, scratch / "migrate.log")
        fixtures = django_json("prepare", env, scratch)
        collect_static(env, scratch, log)
        settings = gunicorn_settings(env)
        server = Server(env, scratch, runtime)
        log(
            f"gunicorn on {server.url}: "
            + ", ".join(f"{k} {v}" for k, v in settings.items())
            + f"; {WRITERS} writers"
        )
        writers = [Writer(number, server.url, fixtures) for number in range(1, WRITERS + 1)]
        for writer in writers:
            writer.login()
        warm_up(server, writers)
        polls: list[Poll] = []
        threads = [threading.Thread(target=poll_health, args=(server.url, polls, stop))] + [
            threading.Thread(target=writer.run, args=(stop,)) for writer in writers
        ]
        fault_run = FaultRun(database, server, writers)
        fault_run.phase("baseline")
        for thread in threads:
            thread.start()
        try:
            fault_run.run(polls)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            fault_run.phases[-1].ended = time.monotonic()
        log("load stopped; gunicorn stopped; checking the database")
        server.stop()
        found = django_json("inspect", env, scratch)
        attempts = sorted((a for w in writers for a in w.attempts), key=lambda a: a.started)
        rows = summarise(fault_run, attempts, polls, found, checks)
        verify = subprocess.run(
            [PYTHON, "manage.py", "verify_stock"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        (scratch / "verify_stock.log").write_text(verify.stdout + verify.stderr)
        last = (verify.stdout + verify.stderr).strip().splitlines()[-1:] or [""]
        checks.expect(verify.returncode == 0, f"manage.py verify_stock: {last[0]}")
        if args.database == "sqlite":
            integrity = database.integrity()
            checks.expect(integrity == "ok", f"PRAGMA integrity_check: {integrity}")
        server_log = server_log_lines(server)
        closed = Counter(a.status for a in attempts if a.closed)
        print(f"\n  answers that closed the connection: {counted(closed.elements())}")
        print(
            f"  server log: {server_log['error_lines']} error lines, "
            f"{server_log['tracebacks']} tracebacks ({server.log_path.relative_to(ROOT)})"
        )
        seconds = time.monotonic() - started
        summary = {
            "database": args.database,
            "finished": datetime.datetime.now().isoformat(timespec="seconds"),
            "seconds": round(seconds),
            "load_average": os.getloadavg(),
            "cores": os.cpu_count(),
            "gunicorn": settings,
            "writers": WRITERS,
            "phases": rows,
            "documents": {
                "posted": len(attempts),
                "saved": sum(a.saved for a in attempts),
                "in_database": sum(len(v) for v in found["documents"].values()),
            },
            "checks": [{"passed": p, "check": d} for p, d in checks.results],
            "server_log": server_log,
            "attempts": [asdict(a) for a in attempts if not a.saved],
            "polls": [asdict(p) for p in polls if p.status != 200],
        }
        with open(args.scratch / "results.jsonl", "a") as results:
            results.write(json.dumps(summary, default=str) + "\n")
        log(
            f"done in {seconds:.0f} s, load average {os.getloadavg()[0]:.2f}: "
            + ("all checks passed" if not checks.failures else f"{len(checks.failures)} FAILED")
        )
    except requests.RequestException as error:
        raise SystemExit(f"the run could not talk to gunicorn: {error}") from error
    finally:
        stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=35)
        if server is not None:
            server.stop()
        database.remove(keep=args.keep_database)
        for leftover in runtime.iterdir():
            leftover.unlink(missing_ok=True)
        runtime.rmdir()
    return 1 if checks.failures else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.django:
        django_child(args.django)
        return 0
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
