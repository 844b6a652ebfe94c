"""How gunicorn's worker settings share the server among clients (python -m bench.serving).

For each configuration in CONFIGS, gunicorn runs with the project's
gunicorn.conf.py (the configuration is given through the variables that file
reads, so what is measured is what ``make serve`` would run), production
settings and the default worker count, against a freshly seeded database:

1. **Contention**: ``--clients`` keep-alive clients (one ``requests.Session``
   each, logged in beforehand) request a mix of pages with no think time for
   ``--duration`` seconds, after a short warm-up. Reported: operations per
   client (min / median / max and the spread max ÷ min), client-side p50 / p95,
   and the server-side p50 / p95 from gunicorn's access log (``duration_ms``:
   from the moment a worker thread picks the request up, so the difference
   with the client's figure is time spent queued).
2. **A long export**: the server runs with ``GUNICORN_TIMEOUT=--timeout``
   (5 s), and the sale-lines CSV export, which takes longer than that on the
   ``medium`` data, is downloaded (alone, after the contention run). It
   survived if it arrived whole (every sale line, status 200) and no worker
   was killed for a timeout.
3. **A killed worker**: the clients run again for ``--kill-duration``
   seconds; twice, the worker holding the most client connections is sent
   SIGKILL. Reported: failed client requests after each kill (an exception or
   a 5xx; clients do not retry).

    .venv/bin/python -m bench.serving                     # five configurations, 4-6 minutes
    .venv/bin/python -m bench.serving --configs gthread1-ka2,gthread1-wc1 --reuse

The database is ``sqlite:////tmp/serving.sqlite3`` unless ``--database-url``
says otherwise (a PostgreSQL URL is dropped and created again); ``--reuse``
keeps an already seeded one. Ports 8210 and up. The clients run as threads in
this process, on the same machine as the server: every latency includes the
machine's other work, so the load average and the cores other processes took
are reported next to each figure (see Meter).
Results go to ``--scratch``/results.json and a Markdown table to stdout.
"""

import argparse
import datetime
import itertools
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.__main__ import CSRF_INPUT, SERVER_ENV, collect_static, percentile
from bench.harness import port_is_free

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
USERNAME = "serving"
PASSWORD = "serving-Stockroom-2026!"
FIRST_PORT = 8210
EXPORT_PATH = "/reports/sale-lines.csv"

# name: (what it is, the gunicorn.conf.py variables that select it). 1000 is
# gunicorn's own default for worker_connections.
CONFIGS = {
    "gthread1-ka5": (
        "gthread, 1 thread, keep-alive 5 s",
        {
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_THREADS": "1",
            "GUNICORN_KEEPALIVE": "5",
            "GUNICORN_WORKER_CONNECTIONS": "1000",
        },
    ),
    "gthread1-ka2": (
        "gthread, 1 thread, keep-alive 2 s",
        {
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_THREADS": "1",
            "GUNICORN_KEEPALIVE": "2",
            "GUNICORN_WORKER_CONNECTIONS": "1000",
        },
    ),
    "gthread4-ka5": (
        "gthread, 4 threads, keep-alive 5 s",
        {
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_THREADS": "4",
            "GUNICORN_KEEPALIVE": "5",
            "GUNICORN_WORKER_CONNECTIONS": "1000",
        },
    ),
    "gthread1-ka0": (
        "gthread, 1 thread, keep-alive off",
        {
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_THREADS": "1",
            "GUNICORN_KEEPALIVE": "0",
            "GUNICORN_WORKER_CONNECTIONS": "1000",
        },
    ),
    "gthread1-wc1": (
        "gthread, 1 thread, keep-alive off, worker_connections 1",
        {
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_THREADS": "1",
            "GUNICORN_KEEPALIVE": "0",
            "GUNICORN_WORKER_CONNECTIONS": "1",
        },
    ),
    "sync": ("sync", {"GUNICORN_WORKER_CLASS": "sync"}),
    "conf": ("gunicorn.conf.py's defaults", {}),
}
# Keep-alive 2 s behaves as 5 s while clients never pause, and "conf" is one of
# the others (gthread1-wc1 since 3 December 2026); both on request.
DEFAULT_CONFIGS = [name for name in CONFIGS if name not in ("gthread1-ka2", "conf")]
# Variables a configuration does not name take gunicorn.conf.py's defaults,
# not whatever the caller happens to have exported.
CONFIG_VARIABLES = {name for _, variables in CONFIGS.values() for name in variables}


def log(message: str) -> None:
    print(f"[serving {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def busy_cpu_seconds() -> float:
    """CPU seconds spent by everything on the machine, all cores (from /proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int, children: bool = False) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    # utime, stime, then the reaped children's cutime, cstime (fields 14-17).
    ticks = sum(int(value) for value in fields[11 : 15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


class Meter:
    """The machine's load during one phase.

    The 1-minute load average (before, after) counts the benchmark's own busy
    workers too; ``others_cores`` is the CPU that everything else took
    meanwhile (other people's processes, and the hypervisor's steal): all CPU
    time minus this process's, the gunicorn master's and its workers' (dead or
    alive), per second of the phase.
    """

    def __init__(self, server: "Server"):
        self.server = server
        self.load_before = load_average()
        self.started = time.monotonic()
        self.busy, self.own = busy_cpu_seconds(), self.own_cpu_seconds()

    def own_cpu_seconds(self) -> float:
        mine = os.times()
        return (
            mine.user
            + mine.system
            + process_cpu_seconds(self.server.process.pid, children=True)
            + sum(process_cpu_seconds(pid) for pid in self.server.worker_pids())
        )

    def read(self) -> dict:
        wall = time.monotonic() - self.started
        busy = busy_cpu_seconds() - self.busy
        own = self.own_cpu_seconds() - self.own
        return {
            "load": [self.load_before, load_average()],
            "others_cores": round(max(busy - own, 0.0) / wall, 2),
            "own_cores": round(own / wall, 2),
        }


# ---------------------------------------------------------------------------- the database


def server_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    return {
        **env,
        **SERVER_ENV,
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
    }


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def database_exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite://")).exists()
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        return bool(
            connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )


def recreate_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite://")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"refusing to recreate a database named {name!r}")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


FIXTURES = """
import json
from products.models import Product
from sales.models import Sale, SaleLine
products = Product.objects.active().order_by("pk")
count = products.count()
middle = list(products[count // 2 : count // 2 + 10])
words = [w for w in middle[0].name.split() if len(w) > 3 and w.isalpha()]
print("SERVING-JSON " + json.dumps({
    "product_ids": [p.pk for p in middle],
    "search": (words or [middle[0].name.split()[0]])[-1].lower(),
    "sale_ids": list(Sale.objects.order_by("-pk").values_list("pk", flat=True)[100:110]),
    "sale_lines": SaleLine.objects.count(),
}))
"""


def prepare_database(env: dict, size: str, reuse: bool) -> dict:
    url = env["DATABASE_URL"]
    if not (reuse and database_exists(url)):
        recreate_database(url)
        started = time.monotonic()
        log(f"migrate and seed_demo --size {size} into {url}")
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--force", "--size", size)
        manage(
            {**env, "INVENTORY_USER_PASSWORD": PASSWORD},
            "create_user",
            USERNAME,
            "--role",
            "manager",
        )
        log(f"  seeded in {time.monotonic() - started:.0f} s")
    output = manage(env, "shell", "--no-imports", "-c", FIXTURES)
    line = next(line for line in output.splitlines() if line.startswith("SERVING-JSON "))
    return json.loads(line.removeprefix("SERVING-JSON "))


def page_mix(fixtures: dict) -> list[str]:
    """The pages every client cycles through (each from a different starting point)."""
    products = itertools.cycle(fixtures["product_ids"])
    sales = itertools.cycle(fixtures["sale_ids"])
    mix = []
    for _ in range(len(fixtures["product_ids"])):
        mix += [
            "/dashboard/",
            "/products/",
            f"/products/?q={fixtures['search']}",
            f"/products/{next(products)}/",
            "/sales/",
            f"/sales/{next(sales)}/",
            "/reports/stock/",
            "/replenishment/",
            "/purchase-orders/",
            "/transfers/",
            "/accounts/password/done/",
        ]
    return mix


# ------------------------------------------------------------------------------ the server


class Server:
    """gunicorn -c gunicorn.conf.py with one configuration's variables, on a free 82xx port."""

    def __init__(self, name: str, variables: dict, env: dict, scratch: Path, port: int):
        while not port_is_free(port):
            port += 1
            if port > 8299:
                raise SystemExit("no free port in 8210-8299")
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = scratch / f"gunicorn_{name}.log"
        self.output = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "-c",
                "gunicorn.conf.py",
                # Not ~/.gunicorn/gunicorn.ctl, which every gunicorn on the machine
                # shares: stopping this one would remove another's.
                "--control-socket",
                str(scratch / f"gunicorn_{name}.ctl"),
                "inventory_project.wsgi",
            ],
            cwd=ROOT,
            env={**env, **variables, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        self.expected_workers = int(env.get("GUNICORN_WORKERS", os.cpu_count() * 2 + 1))
        self.wait_until_ready()

    def wait_until_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}")
            try:
                healthy = requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
                if healthy and len(self.worker_pids()) >= self.expected_workers:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not become ready; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def client_connections(self) -> dict[int, int]:
        """Established client connections held by each worker (from /proc)."""
        established = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == self.port and fields[3] == "01":
                established.add(fields[9])
        held = {}
        for pid in self.worker_pids():
            inodes = set()
            try:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            held[pid] = len(inodes & established)
        return held

    def log_offset(self) -> int:
        self.output.flush()
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with open(self.log_path, errors="replace") as log_file:
            log_file.seek(offset)
            return log_file.read()

    def server_times(self, agent_prefix: str, offset: int = 0) -> list[float]:
        """duration_ms of every access-log line whose user agent starts with the prefix."""
        times = []
        for line in self.log_since(offset).splitlines():
            if not line.startswith('{"time"'):
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if entry.get("user_agent", "").startswith(agent_prefix):
                times.append(float(entry["duration_ms"]))
        return sorted(times)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()


# ----------------------------------------------------------------------------- the clients


def logged_in_session(url: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{url}/accounts/login/", timeout=30)
    token = CSRF_INPUT.search(form.text).group(1)
    response = session.post(
        f"{url}/accounts/login/",
        data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise SystemExit(f"the login failed ({response.status_code})")
    return session


@dataclass
class Sample:
    client: int
    ended: float  # time.monotonic()
    ms: float
    outcome: int | str  # the status code, or the exception's class name

    @property
    def failed(self) -> bool:
        return isinstance(self.outcome, str) or self.outcome >= 500


class Load:
    """Sessions that request the page mix back to back, each in its own thread."""

    def __init__(self, url: str, sessions: list, paths: list[str], agent: str):
        self.url, self.sessions, self.paths, self.agent = url, sessions, paths, agent
        self.stopping = threading.Event()
        self.samples: list[list[Sample]] = [[] for _ in sessions]
        self.threads = [
            threading.Thread(target=self.run, args=(number,), daemon=True)
            for number in range(len(sessions))
        ]

    def run(self, number: int) -> None:
        session = self.sessions[number]
        start = number * len(self.paths) // len(self.sessions)
        paths = itertools.cycle(self.paths[start:] + self.paths[:start])
        headers = {"User-Agent": f"{self.agent}/{number}"}
        while not self.stopping.is_set():
            began = time.monotonic()
            try:
                outcome = session.get(self.url + next(paths), headers=headers, timeout=60)
                outcome = outcome.status_code
            except requests.RequestException as error:
                outcome = type(error).__name__
            ended = time.monotonic()
            self.samples[number].append(Sample(number, ended, (ended - began) * 1000, outcome))

    def start(self) -> "Load":
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopped = time.monotonic()
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def within(self) -> list[list[Sample]]:
        """Each client's requests that ended between start() and stop()."""
        return [[s for s in samples if s.ended <= self.stopped] for samples in self.samples]


def contention(server: Server, sessions: list, paths: list[str], seconds: int) -> dict:
    warm = Load(server.url, sessions, paths, "serving-warm-up").start()
    time.sleep(2)
    warm.stop()
    meter = Meter(server)
    load = Load(server.url, sessions, paths, "serving-contention").start()
    time.sleep(seconds)
    load.stop()
    machine_load = meter.read()
    per_client = load.within()
    ops = [sum(not s.failed for s in samples) for samples in per_client]
    times = sorted(s.ms for samples in per_client for s in samples)
    server_times = server.server_times("serving-contention")
    return {
        "seconds": seconds,
        "ops": ops,
        "ops_min": min(ops),
        "ops_median": statistics.median(ops),
        "ops_max": max(ops),
        "spread": max(ops) / min(ops) if min(ops) else float("inf"),
        "failures": sum(s.failed for samples in per_client for s in samples),
        "requests_per_s": sum(ops) / seconds,
        "client_p50_ms": percentile(times, 0.50),
        "client_p95_ms": percentile(times, 0.95),
        "client_max_ms": times[-1] if times else None,
        "server_p50_ms": percentile(server_times, 0.50),
        "server_p95_ms": percentile(server_times, 0.95),
        **machine_load,
    }


def long_export(server: Server, sale_lines: int, timeout: int) -> dict:
    """Download the whole sale-lines CSV; did it arrive whole?"""
    offset = server.log_offset()
    exporter = logged_in_session(server.url)
    meter = Meter(server)
    began = time.monotonic()
    status, lines, error = None, 0, None
    try:
        with exporter.get(server.url + EXPORT_PATH, stream=True, timeout=120) as response:
            status = response.status_code
            for chunk in response.iter_content(chunk_size=1 << 16):
                lines += chunk.count(b"\n")
    except requests.RequestException as error_raised:
        error = f"{type(error_raised).__name__}: {str(error_raised)[:120]}"
    seconds = time.monotonic() - began
    machine_load = meter.read()
    exporter.close()
    timeouts = server.log_since(offset).count("WORKER TIMEOUT")
    rows = max(lines - 1, 0)
    return {
        "seconds": seconds,
        "status": status,
        "rows": rows,
        "expected_rows": sale_lines,
        "error": error,
        "worker_timeouts": timeouts,
        "survived": status == 200 and error is None and rows == sale_lines and not timeouts,
        "longer_than_timeout": seconds > timeout,
        **machine_load,
    }


def killed_worker(server: Server, sessions: list, paths: list[str], seconds: int) -> dict:
    """SIGKILL the worker holding the most client connections, twice; count failures."""
    meter = Meter(server)
    load = Load(server.url, sessions, paths, "serving-kill").start()
    kills = []
    for at in (seconds * 0.3, seconds * 0.65):
        time.sleep(max(0.0, load.started + at - time.monotonic()))
        held = server.client_connections()
        if not held:
            continue
        pid = max(held, key=held.get)
        os.kill(pid, signal.SIGKILL)
        kills.append({"pid": pid, "at": time.monotonic(), "connections": held[pid]})
    time.sleep(max(0.0, load.started + seconds - time.monotonic()))
    load.stop()
    machine_load = meter.read()
    failures = sorted(
        (s for samples in load.within() for s in samples if s.failed), key=lambda s: s.ended
    )
    bounds = [kill["at"] for kill in kills] + [load.stopped]
    for kill, (since, until) in zip(kills, itertools.pairwise(bounds), strict=False):
        kill["failures"] = sum(since <= s.ended < until for s in failures)
        kill["failed_with"] = sorted({str(s.outcome) for s in failures if since <= s.ended < until})
        del kill["at"]
    return {
        "seconds": seconds,
        "kills": kills,
        "failures_before_first_kill": sum(s.ended < bounds[0] for s in failures),
        **machine_load,
    }


def measure(name: str, args, env: dict, fixtures: dict, port: int) -> dict:
    label, variables = CONFIGS[name]
    log(f"{name}: {label}")
    server = Server(
        name, {**variables, "GUNICORN_TIMEOUT": str(args.timeout)}, env, args.scratch, port
    )
    sessions = []
    try:
        sessions = [logged_in_session(server.url) for _ in range(args.clients)]
        paths = page_mix(fixtures)
        result = {"config": name, "label": label, "variables": variables}
        result["workers"] = len(server.worker_pids())
        result["contention"] = crowd = contention(server, sessions, paths, args.duration)
        log(
            f"  ops per client {crowd['ops_min']}/{crowd['ops_median']:g}/{crowd['ops_max']} "
            f"(spread {crowd['spread']:.1f}), client p95 {crowd['client_p95_ms']:.0f} ms, "
            f"server p95 {crowd['server_p95_ms']:.0f} ms, load {crowd['load']}, "
            f"others' cores {crowd['others_cores']}"
        )
        result["export"] = export = long_export(server, fixtures["sale_lines"], args.timeout)
        log(
            f"  export: {export['rows']} rows in {export['seconds']:.1f} s, "
            f"survived {export['survived']} {export['error'] or ''}"
        )
        result["kill"] = kill = killed_worker(server, sessions, paths, args.kill_duration)
        log(f"  killed workers: {kill['kills']}")
    finally:
        for session in sessions:
            session.close()
        server.stop()
    return result


# ------------------------------------------------------------------------------ the report


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    gunicorn = subprocess.run([GUNICORN, "--version"], capture_output=True, text=True).stdout
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, "
        f"Python {platform.python_version()}, {gunicorn.strip()}"
    )


def table(results: list[dict]) -> str:
    rows = [
        "| config | ops per client min / median / max | spread | client p50 / p95 | server p95 "
        "| failures per killed worker (its connections) | long export | load average "
        "| others' cores |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for result in results:
        crowd, export, kill = result["contention"], result["export"], result["kill"]
        kills = ", ".join(f"{k['failures']} ({k['connections']})" for k in kill["kills"])
        survived = "yes" if export["survived"] else "**no**"
        if not export["longer_than_timeout"]:
            survived += " (shorter than the timeout: not a test)"
        survived += f", {export['seconds']:.1f} s"
        loads = [*crowd["load"], *export["load"], *kill["load"]]
        rows.append(
            f"| {result['label']} | {crowd['ops_min']} / {crowd['ops_median']:g} / "
            f"{crowd['ops_max']} | {crowd['spread']:.1f} | {crowd['client_p50_ms']:,.0f} / "
            f"{crowd['client_p95_ms']:,.0f} ms | {crowd['server_p95_ms']:,.0f} ms | {kills} | "
            f"{survived} | {min(loads):.1f}–{max(loads):.1f} | {crowd['others_cores']:.1f} |"
        )
    return "\n".join(rows)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.serving", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--configs", default=",".join(DEFAULT_CONFIGS), help=f"any of {', '.join(CONFIGS)}"
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/serving.sqlite3")
    parser.add_argument("--size", default="medium", help="seed_demo size (medium: 100,000 lines)")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20, help="seconds of contention")
    parser.add_argument("--kill-duration", type=int, default=6)
    parser.add_argument("--timeout", type=int, default=5, help="GUNICORN_TIMEOUT for the runs")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/serving-bench"))
    args = parser.parse_args(argv)
    unknown = set(args.configs.split(",")) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown configs {sorted(unknown)}; known: {', '.join(CONFIGS)}")
    return args


def stop_on_sigterm(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")  # unwinds through Server.stop()


def main(argv=None) -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args(argv)
    args.scratch.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log(f"load average {os.getloadavg()}")
    env = server_env(args.database_url)
    collect = collect_static(smoke=True)
    if collect.returncode:
        raise SystemExit(f"collectstatic failed:\n{collect.stderr}")
    fixtures = prepare_database(env, args.size, args.reuse)
    results = [
        measure(name, args, env, fixtures, FIRST_PORT + number)
        for number, name in enumerate(args.configs.split(","))
    ]
    report = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "database": args.database_url,
        "size": args.size,
        "sale_lines": fixtures["sale_lines"],
        "clients": args.clients,
        "timeout": args.timeout,
        "results": results,
    }
    (args.scratch / "results.json").write_text(json.dumps(report, indent=1, default=str))
    print(f"\n{report['date']}, {report['machine']}")
    print(f"{args.clients} clients, {args.duration} s; GUNICORN_TIMEOUT={args.timeout}\n")
    print(table(results))
    log(f"done in {time.monotonic() - started:.0f} s; results in {args.scratch}/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
