"""``python -m bench``: seed, serve with gunicorn, load with locust, write docs/PERFORMANCE.md.

    python -m bench                                  # small and large, on SQLite
    python -m bench --databases sqlite,postgres --postgres-url postgres://postgres@127.0.0.1:5432
    python -m bench --smoke                          # CI: small data, SQLite, a few seconds each

See docs/PERFORMANCE.md for what is measured and how.
"""

import argparse
import datetime
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench import report
from bench.dashboard_sql import time_dashboard_sql

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
USERNAME = "bench"
PASSWORD = "bench-Stockroom-2026!"
# Production settings, except the two cookies that would only travel over
# HTTPS (the benchmark speaks plain HTTP to 127.0.0.1) and login throttling
# (every simulated user logs in from the same address).
SERVER_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-" + "k" * 50,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "AXES_ENABLED": "false",
    "LOG_LEVEL": "WARNING",
    # Workers stay up for the whole run, so their peak memory can be read.
    "GUNICORN_MAX_REQUESTS": "0",
    # The CSV export is timed as a stream: above this many rows the app makes it a
    # background job instead (docs/DEPLOY.md), which no worker runs here.
    "EXPORT_IN_BACKGROUND_ROWS": str(10**9),
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class Target:
    """One database of one size: where it lives and the environment that selects it."""

    def __init__(self, vendor: str, size: str, scratch: Path, postgres_url: str | None):
        self.vendor, self.size = vendor, size
        if vendor == "sqlite":
            self.path = scratch / f"bench_{size}.sqlite3"
            self.url = f"sqlite:///{self.path}"
            self.driver_target = str(self.path)
        else:
            base = postgres_url.rstrip("/")
            base = re.sub(r"/[^/:@]+$", "", base) if base.count("/") > 2 else base
            self.server_url = base
            self.url = f"{base}/bench_{size}"
            self.driver_target = self.url

    @property
    def env(self) -> dict:
        return {**os.environ, **SERVER_ENV, "DATABASE_URL": self.url}

    def exists(self) -> bool:
        if self.vendor == "sqlite":
            return self.path.exists()
        import psycopg

        with psycopg.connect(f"{self.server_url}/postgres", autocommit=True) as connection:
            row = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [f"bench_{self.size}"]
            ).fetchone()
        return row is not None

    def recreate(self) -> None:
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return
        import psycopg

        with psycopg.connect(f"{self.server_url}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS bench_{self.size} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE bench_{self.size}")


def run_timed(command: list[str], env: dict, log_path: Path) -> dict:
    """Run a child to completion; its wall time and peak RSS (from wait4's rusage)."""
    started = time.monotonic()
    with open(log_path, "w") as output:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed; see {log_path}")
    return {"seconds": time.monotonic() - started, "peak_rss_mb": usage.ru_maxrss / 1024}


def manage(target: Target, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=target.env,
        capture_output=True,
        text=True,
        check=check,
    )


def django_json(target: Target, *args: str) -> dict:
    result = subprocess.run(
        [PYTHON, "-m", "bench.prepare", *args],
        cwd=ROOT,
        env=target.env,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line.removeprefix("BENCH-JSON "))
    raise SystemExit(f"bench.prepare {args[0]} failed:\n{result.stdout}\n{result.stderr}")


def seed(target: Target, scratch: Path, seed_number: int, reuse: bool) -> dict | None:
    if reuse and target.exists():
        # Migrated anyway, as an upgraded deployment would be (new indexes, say).
        log(f"{target.vendor}/{target.size}: reusing the existing database, migrate")
        run_timed(
            [PYTHON, "manage.py", "migrate", "--noinput"],
            target.env,
            scratch / f"migrate_{target.vendor}_{target.size}.log",
        )
        return None
    target.recreate()
    log(f"{target.vendor}/{target.size}: migrate")
    migrate = run_timed(
        [PYTHON, "manage.py", "migrate", "--noinput"],
        target.env,
        scratch / f"migrate_{target.vendor}_{target.size}.log",
    )
    log(f"{target.vendor}/{target.size}: seed_demo --size {target.size}")
    seeding = run_timed(
        [
            PYTHON,
            "manage.py",
            "seed_demo",
            "--force",
            "--size",
            target.size,
            "--seed",
            str(seed_number),
        ],
        target.env,
        scratch / f"seed_{target.vendor}_{target.size}.log",
    )
    log(f"  seeded in {seeding['seconds']:.1f} s, peak RSS {seeding['peak_rss_mb']:.0f} MB")
    return {"migrate": migrate, "seed": seeding}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with the project's gunicorn.conf.py, on a free localhost port."""

    def __init__(self, target: Target, scratch: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = scratch / f"gunicorn_{target.vendor}_{target.size}.log"
        env = {**target.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.output = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "inventory_project.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        self.wait_until_healthy()

    def wait_until_healthy(self, timeout: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}")
            try:
                healthy = requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
                if healthy and len(self.worker_pids()) >= self.expected_workers():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not become healthy; see {self.log_path}")

    @staticmethod
    def expected_workers() -> int:
        return int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() * 2 + 1))

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def memory(self) -> dict[int, dict]:
        """VmHWM (peak) and VmRSS of every worker, in MB."""
        result = {}
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            fields = dict(re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", status, re.MULTILINE))
            result[pid] = {key: int(value) / 1024 for key, value in fields.items()}
        return result

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.output.close()


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def logged_in_session(server: Server):
    import requests

    session = requests.Session()
    form = session.get(f"{server.url}/accounts/login/")
    token = CSRF_INPUT.search(form.text).group(1)
    response = session.post(
        f"{server.url}/accounts/login/",
        data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token},
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise SystemExit(f"the benchmark login failed ({response.status_code})")
    return session


def locust_sessions(server: Server, count: int) -> list[dict]:
    """Log ``count`` clients in (once each, before any timing) and take a form's CSRF token.

    The token comes from the password-change form, not the new-sale form: any
    form's token is valid for every POST of its session, and at ``large`` the
    new-sale page itself takes many seconds to render (see docs/PERFORMANCE.md).
    """
    sessions = []
    for _ in range(count):
        session = logged_in_session(server)
        form = session.get(f"{server.url}/accounts/password/")
        form.raise_for_status()
        sessions.append(
            {
                "cookies": session.cookies.get_dict(),
                "form_token": CSRF_INPUT.search(form.text).group(1),
            }
        )
    return sessions


def page_scenarios(fixtures: dict) -> list[tuple[str, list[str]]]:
    """(label, paths) for every page measured under load; the first is the baseline."""
    return [
        ("baseline: /accounts/password/done/", ["/accounts/password/done/"]),
        ("dashboard, last 30 days", ["/dashboard/"]),
        ("dashboard, all time", ["/dashboard/?period=all"]),
        ("products, first page", ["/products/"]),
        ("products, search", [f"/products/?q={fixtures['search']}"]),
        ("products, category filter", [f"/products/?category={fixtures['category']}"]),
        ("products, page 500", ["/products/?page=500"]),
        ("products, by on hand", ["/products/?sort=-on_hand"]),
        ("products, at or below reorder level", ["/products/?below_reorder=on"]),
        ("products, needs reordering", ["/products/?needs_reorder=on"]),
        ("product detail", [f"/products/{pk}/" for pk in fixtures["product_ids"]]),
        ("report: stock on hand", ["/reports/stock/"]),
        ("report: stock on hand by value", ["/reports/stock/?sort=-value"]),
        ("report: sales by product, 30 days", ["/reports/sales-by-product/"]),
        ("replenishment, all stores", ["/replenishment/"]),
        ("purchase orders, first page", ["/purchase-orders/"]),
        ("transfers, first page", ["/transfers/"]),
        ("sales, first page", ["/sales/"]),
        ("sale detail", [f"/sales/{pk}/" for pk in fixtures["sale_ids"]]),
    ]


def run_locust(
    server, scratch, label, scenario, sessions, users: int, seconds: int, raw: bool = False
) -> dict:
    """Run one locust scenario; its figures (``raw``: none, the caller reads the samples)."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    samples_path = scratch / f"samples_{slug}.json"
    scenario_path = scratch / f"scenario_{slug}.json"
    scenario = {
        **scenario,
        "label": label,
        "sessions": sessions,
        "samples": str(samples_path),
    }
    scenario_path.write_text(json.dumps(scenario))
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--host",
        server.url,
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "30",
    ]
    with open(scratch / f"locust_{slug}.log", "w") as output:
        subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, "BENCH_SCENARIO": str(scenario_path)},
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if raw:
        return {}
    return summarise(json.loads(samples_path.read_text()), seconds)


def summarise(samples: list, seconds: float) -> dict:
    """Percentiles, rate and statuses of one request type's (time ms, status) samples."""
    times = sorted(sample[0] for sample in samples)
    statuses: dict[str, int] = {}
    for _, status in samples:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "requests": len(times),
        "rps": len(times) / seconds,
        "p50": percentile(times, 0.50),
        "p95": percentile(times, 0.95),
        "p99": percentile(times, 0.99),
        "statuses": statuses,
        "server_errors": sum(n for s, n in statuses.items() if not 200 <= int(s) < 400),
        # Other work on the machine skews every figure: the 1-minute load
        # average at the end of the run (the benchmark alone keeps it near the
        # client count).
        "load_average": os.getloadavg()[0],
    }


def warm_up(server: Server, scenarios) -> None:
    """Each page a few times per worker, so no measured request pays for a cold worker."""
    session = logged_in_session(server)
    for _, paths in scenarios:
        for path in paths[: Server.expected_workers() * 2] * 2:
            session.get(f"{server.url}{path}")


def sequential(server: Server, path: str, repeat: int) -> dict:
    session = logged_in_session(server)
    session.get(f"{server.url}{path}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = session.get(f"{server.url}{path}")
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return {"median_ms": statistics.median(times), "runs": repeat}


def csv_export(server: Server, repeat: int) -> dict:
    """Download the whole sale-lines CSV ``repeat`` times, one after another."""
    session = logged_in_session(server)
    before = server.memory()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        size = rows = 0
        first_byte = None
        with session.get(f"{server.url}/reports/sale-lines.csv", stream=True) as response:
            response.raise_for_status()
            if not response.headers.get("Content-Type", "").startswith("text/csv"):
                raise SystemExit(f"the sale lines export sent no CSV: {response.url}")
            for chunk in response.iter_content(chunk_size=1 << 16):
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                size += len(chunk)
                rows += chunk.count(b"\n")
        runs.append(
            {
                "seconds": time.perf_counter() - started,
                "first_byte_s": first_byte,
                "mb": size / 1e6,
                "rows": rows - 1,
            }
        )
    after = server.memory()
    growth = {pid: after[pid]["VmHWM"] - before.get(pid, {}).get("VmHWM", 0) for pid in after}
    worker = max(growth, key=growth.get)
    return {
        "runs": runs,
        "seconds": statistics.median(run["seconds"] for run in runs),
        "rows": runs[-1]["rows"],
        "mb": runs[-1]["mb"],
        "worker_peak_mb": after[worker]["VmHWM"],
        "worker_peak_before_mb": before.get(worker, {}).get("VmHWM"),
        "worker_growth_mb": growth[worker],
    }


def write_scenarios(server, target, scratch, fixtures, sessions, users, seconds) -> dict:
    results = {}
    date = datetime.date.today().isoformat()
    base = {"mode": "sale", "store": fixtures["store"], "customer": fixtures["customer"]}
    for key, products in (
        ("distinct", fixtures["distinct"][:users]),
        ("hot", [fixtures["hot"]]),
    ):
        label = f"create sale, {key} product{'s' if key == 'distinct' else ''}"
        before = django_json(target, "stock", str(fixtures["store"]), json.dumps(products))
        result = run_locust(
            server,
            scratch,
            label,
            {**base, "date": date, "products": products},
            sessions,
            users,
            seconds,
        )
        after = django_json(target, "stock", str(fixtures["store"]), json.dumps(products))
        before = {pid: Decimal(quantity) for pid, quantity in before.items()}
        after = {pid: Decimal(quantity) for pid, quantity in after.items()}
        sold = int(sum(before[str(p)] - after[str(p)] for p in set(products)))
        result["created"] = result["statuses"].get("302", 0)
        result["refused"] = result["statuses"].get("200", 0)
        result["units_sold"] = sold
        # One unit per sale: every 302 must be exactly one unit off the shelf.
        result["oversold"] = sold != result["created"] or any(after[str(p)] < 0 for p in products)
        result["created_per_s"] = result["created"] / seconds
        results[key] = result
        log(
            f"  {label}: {result['created_per_s']:.1f} sales/s, p95 {result['p95']:.0f} ms, "
            f"refused {result['refused']}, errors {result['server_errors']}"
        )
    verify = manage(target, "verify_stock", check=False)
    results["verify_stock"] = {"exit": verify.returncode, "output": verify.stdout.strip()[-300:]}
    results["checks"] = django_json(target, "check")
    return results


# The pages browsed in the mixed load: what a shop opens during the day.
MIXED_PAGES = (
    "dashboard, last 30 days",
    "products, first page",
    "products, search",
    "product detail",
    "report: stock on hand",
    "report: sales by product, 30 days",
    "replenishment, all stores",
    "transfers, first page",
    "sales, first page",
    "sale detail",
)


def mixed_load(server, target, scratch, fixtures, sessions, users, seconds) -> dict:
    """A shop's day at once: ``users`` clients browsing and recording sales, purchases and
    transfers (see bench/locustfile.py); per request name, percentiles and errors; then
    the ledger checks."""
    pages = [[label, paths] for label, paths in page_scenarios(fixtures) if label in MIXED_PAGES]
    label = "mixed load"
    slug = "mixed-load"
    samples_path = scratch / f"samples_{slug}.json"
    scenario = {
        "mode": "mixed",
        "pages": pages,
        "store": fixtures["store"],
        "other_store": fixtures["other_store"],
        "customer": fixtures["customer"],
        "supplier": fixtures["supplier"],
        "date": datetime.date.today().isoformat(),
        "products": fixtures["distinct"],
    }
    run_locust(server, scratch, label, scenario, sessions, users, seconds, raw=True)
    per_name = json.loads(samples_path.read_text())
    requests = {name: summarise(samples, seconds) for name, samples in sorted(per_name.items())}
    verify = manage(target, "verify_stock", check=False)
    return {
        "users": users,
        "seconds": seconds,
        "requests": requests,
        "server_errors": sum(result["server_errors"] for result in requests.values()),
        "verify_stock": {"exit": verify.returncode, "output": verify.stdout.strip()[-300:]},
        "checks": django_json(target, "check"),
        "load_average": os.getloadavg()[0],
    }


def bench_target(target: Target, args, scratch: Path, previous: dict) -> dict:
    # --mixed-only keeps the figures of the last full run and adds the mixed load's.
    result = {**previous} if args.mixed_only else {}
    result.update(vendor=target.vendor, size=target.size)
    result["seeding"] = seed(target, scratch, args.seed, args.reuse) or previous.get("seeding")
    result["fixtures"] = fixtures = django_json(target, USERNAME, PASSWORD, str(args.restock))
    log(f"{target.vendor}/{target.size}: {fixtures['counts']}")
    server = Server(target, scratch)
    try:
        scenarios = page_scenarios(fixtures)
        warm_up(server, scenarios)
        sessions = locust_sessions(server, max(args.users, args.write_users))
        if not args.mixed_only:
            measure_separately(result, server, target, args, scratch, fixtures, sessions)
        if args.mixed_duration:
            log(f"  mixed load: {args.write_users} clients for {args.mixed_duration} s")
            result["mixed"] = mixed_load(
                server, target, scratch, fixtures, sessions, args.write_users, args.mixed_duration
            )
            log(
                f"  mixed load: {sum(r['requests'] for r in result['mixed']['requests'].values())}"
                f" requests, {result['mixed']['server_errors']} server errors"
            )
    finally:
        server.stop()
    result["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    return result


def measure_separately(result, server, target, args, scratch, fixtures, sessions) -> None:
    """Each page under load on its own, the dashboard against SQL, the CSV export, and
    sales of distinct products and of one hot product: into ``result``."""
    pages = {}
    for label, paths in page_scenarios(fixtures):
        pages[label] = run_locust(
            server,
            scratch,
            label,
            {"mode": "get", "paths": paths},
            sessions,
            args.users,
            args.duration,
        )
        log(
            f"  {label}: p50 {pages[label]['p50']:.0f} p95 {pages[label]['p95']:.0f} "
            f"p99 {pages[label]['p99']:.0f} ms, {pages[label]['rps']:.1f}/s"
        )
    result["pages"] = pages
    result["dashboard_single_client"] = sequential(server, "/dashboard/?period=all", args.repeat)
    result["dashboard_sql"] = time_dashboard_sql(
        target.vendor, target.driver_target, args.repeat, source="lines"
    )
    result["dashboard_sql_totals"] = time_dashboard_sql(
        target.vendor, target.driver_target, args.repeat, source="totals"
    )
    log(
        f"  all-time dashboard {result['dashboard_single_client']['median_ms']:.0f} ms, "
        f"hand-written SQL from the lines {result['dashboard_sql']['median_ms']:.0f} ms, "
        f"from the running totals {result['dashboard_sql_totals']['median_ms']:.1f} ms"
    )
    result["csv"] = csv_export(server, args.csv_repeat)
    log(
        f"  CSV: {result['csv']['rows']} rows in {result['csv']['seconds']:.1f} s, "
        f"worker peak {result['csv']['worker_peak_mb']:.0f} MB"
    )
    result["writes"] = write_scenarios(
        server, target, scratch, fixtures, sessions, args.write_users, args.duration
    )


def collect_static(smoke: bool) -> subprocess.CompletedProcess:
    """collectstatic, as production needs; the smoke run skips it when nothing changed."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    newest = max((p.stat().st_mtime for p in (ROOT / "static").rglob("*")), default=0)
    if smoke and manifest.exists() and manifest.stat().st_mtime > newest:
        return subprocess.CompletedProcess([], 0)
    log("collectstatic")
    return subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV},
        capture_output=True,
        text=True,
    )


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DATABASE_URL", "")
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else "",
        help="PostgreSQL server URL; bench_small and bench_large are created there, fresh.",
    )
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--users", type=int, default=4, help="concurrent clients for pages")
    parser.add_argument("--write-users", type=int, default=8, help="clients creating sales")
    parser.add_argument(
        "--mixed-duration",
        type=int,
        default=600,
        help="seconds of the mixed load (browsing and writing at once; 0: none)",
    )
    parser.add_argument(
        "--mixed-only",
        action="store_true",
        help="run only the mixed load, keeping the other figures of the last run",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of the sequential timings")
    parser.add_argument("--csv-repeat", type=int, default=2)
    parser.add_argument("--restock", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--scratch", type=Path, default=ROOT / ".bench")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    parser.add_argument("--reuse", action="store_true", help="keep already seeded databases")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the report from saved results"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI: small data, SQLite, 3 s per scenario, no report, no timing assertions",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.databases, args.duration = "small", "sqlite", 3
        args.repeat, args.csv_repeat, args.mixed_duration = 1, 1, 10
        args.scratch = args.scratch / "smoke"
    return args


def stop_on_sigterm(signum, frame):
    # Unwinds through the finally blocks, so gunicorn is stopped too.
    raise SystemExit(f"stopped by signal {signum}")


def main(argv=None) -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args(argv)
    args.scratch.mkdir(parents=True, exist_ok=True)
    results_path = args.scratch / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    if not args.report_only:
        databases = args.databases.split(",")
        if "postgres" in databases and not args.postgres_url:
            raise SystemExit("--databases postgres needs --postgres-url (or DATABASE_URL)")
        collect = collect_static(args.smoke)
        if collect.returncode:
            raise SystemExit(f"collectstatic failed:\n{collect.stderr}")
        started = time.monotonic()
        for vendor in databases:
            for size in args.sizes.split(","):
                target = Target(vendor, size, args.scratch, args.postgres_url)
                key = f"{vendor}/{size}"
                results[key] = bench_target(target, args, args.scratch, results.get(key, {}))
                results["machine"] = report.machine(args.postgres_url)
                settings = {"mixed_duration": args.mixed_duration}
                if not args.mixed_only:  # the other figures are still those of the last run
                    settings.update(
                        duration=args.duration,
                        users=args.users,
                        write_users=args.write_users,
                        repeat=args.repeat,
                        workers=Server.expected_workers(),
                    )
                results["settings"] = {**results.get("settings", {}), **settings}
                results_path.write_text(json.dumps(results, indent=1, default=str))
        log(f"done in {time.monotonic() - started:.0f} s; results in {results_path}")
    failures = report.problems(results, smoke=args.smoke)
    if not args.smoke:
        args.output.write_text(report.render(results))
        log(f"wrote {args.output}")
    for failure in failures:
        log(f"PROBLEM: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
