"""The machine description, the correctness checks, and docs/PERFORMANCE.md's figures."""

import contextlib
import importlib.metadata
import os
import platform
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

BASELINE = "baseline: /accounts/password/done/"
TARGET_VS_BASELINE = 5
TARGET_LARGE_VS_SMALL = 2
TARGET_VS_SQL = 1.5
TARGET_HOT_VS_DISTINCT = 0.5
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def machine(postgres_url: str) -> dict:
    import django

    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    info = {
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "ram_gb": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
    }
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        info["locust"] = importlib.metadata.version("locust")
    with contextlib.suppress(OSError):
        info["gunicorn"] = subprocess.run(
            [str(Path(sys.executable).parent / "gunicorn"), "--version"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    if postgres_url:
        import psycopg

        base = re.sub(r"/[^/:@]+$", "", postgres_url.rstrip("/"))
        with psycopg.connect(f"{base}/postgres") as connection:
            info["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    return info


def problems(results: dict, smoke: bool = False) -> list[str]:
    """Correctness failures (never timings): server errors, oversell, ledger differences."""
    found = []
    for key, run in results.items():
        if "/" not in key:
            continue
        for label, page in run.get("pages", {}).items():
            if page["server_errors"] or not page["requests"]:
                found.append(f"{key} {label}: {page['statuses']}")
        writes = run.get("writes", {})
        for kind in ("distinct", "hot"):
            if kind in writes:
                if writes[kind]["server_errors"] or writes[kind]["oversold"]:
                    found.append(f"{key} sales {kind}: {writes[kind]}")
                if not writes[kind]["created"]:
                    found.append(f"{key} sales {kind}: no sale was created")
        if writes.get("verify_stock", {}).get("exit"):
            found.append(f"{key} verify_stock: {writes['verify_stock']['output']}")
        checks = writes.get("checks", {})
        if checks.get("ledger_differences") or checks.get("negative_stock_levels"):
            found.append(f"{key} stock checks: {checks}")
        mixed = run.get("mixed")
        if mixed:
            if mixed["server_errors"]:
                found.append(f"{key} mixed load: {mixed['server_errors']} server errors")
            if mixed["verify_stock"]["exit"]:
                found.append(f"{key} mixed load, verify_stock: {mixed['verify_stock']['output']}")
            checks = mixed["checks"]
            if checks.get("ledger_differences") or checks.get("negative_stock_levels"):
                found.append(f"{key} mixed load, stock checks: {checks}")
    return found


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def ms(value) -> str:
    return "–" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def render_run(key: str, run: dict, small: dict | None) -> list[str]:
    lines = [f"### {key}", ""]
    counts = run["fixtures"]["counts"]
    lines.append(
        f"Data: {counts['products']:,} products, {counts['sales']:,} sales, "
        f"{counts['sale_lines']:,} sale lines, {counts['stock_levels']:,} stock levels. "
        f"Run finished {run['finished']}."
    )
    seeding = run.get("seeding")
    if seeding:
        lines.append(
            f"Seeding (`seed_demo --size {run['size']}`): {seeding['seed']['seconds']:.0f} s "
            f"wall, peak RSS {seeding['seed']['peak_rss_mb']:.0f} MB "
            f"(migrate before it: {seeding['migrate']['seconds']:.0f} s)."
            + (f" {seeding['note']}" if seeding.get("note") else "")
        )
    lines += [
        "",
        "| Page | p50 ms | p95 ms | p99 ms | req/s | p95 ÷ baseline (≤ 5) | "
        "p95 large ÷ small (≤ 2) | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = run["pages"][BASELINE]["p95"]
    for label, page in run["pages"].items():
        ratio = page["p95"] / base
        vs_base = "—" if label == BASELINE else f"{ratio:.1f} {verdict(ratio <= 5)}"
        vs_small = "—"
        if small and label in small["pages"]:
            growth = page["p95"] / small["pages"][label]["p95"]
            vs_small = f"{growth:.1f} {verdict(growth <= TARGET_LARGE_VS_SMALL)}"
        errors = f" ({page['server_errors']} errors)" if page["server_errors"] else ""
        lines.append(
            f"| {label}{errors} | {ms(page['p50'])} | {ms(page['p95'])} | {ms(page['p99'])} | "
            f"{page['rps']:.1f} | {vs_base} | {vs_small} | {page.get('load_average', 0):.1f} |"
        )
    dash, sql = run["dashboard_single_client"], run["dashboard_sql"]
    ratio = dash["median_ms"] / sql["median_ms"]
    csv = run["csv"]
    lines += [
        "",
        f"- All-time dashboard, one client, median of {dash['runs']}: "
        f"{ms(dash['median_ms'])} ms; the same numbers by one hand-written SQL statement "
        f"recomputing history from every line (`bench/dashboard_sql.py`, median of "
        f"{sql['runs']}): {ms(sql['median_ms'])} ms; "
        f"ratio **{ratio:.2f}** (target ≤ {TARGET_VS_SQL}: {verdict(ratio <= TARGET_VS_SQL)}).",
        *totals_sql_line(dash, run.get("dashboard_sql_totals")),
        f"- CSV export of all sale lines: {csv['rows']:,} rows, {csv['mb']:.1f} MB in "
        f"{csv['seconds']:.1f} s (first byte after {csv['runs'][0]['first_byte_s']:.2f} s); "
        f"serving worker's peak RSS (VmHWM) {csv['worker_peak_mb']:.0f} MB, "
        f"{csv['worker_growth_mb']:.0f} MB above its peak before the export.",
    ]
    writes = run["writes"]
    distinct, hot = writes["distinct"], writes["hot"]
    ratio = hot["created_per_s"] / distinct["created_per_s"] if distinct["created_per_s"] else 0
    for kind, label in (("distinct", "8 distinct products"), ("hot", "one hot product")):
        write = writes[kind]
        lines.append(
            f"- Creating sales, {label}: {write['created_per_s']:.1f} sales/s, "
            f"p50 {ms(write['p50'])} ms, p95 {ms(write['p95'])} ms, p99 {ms(write['p99'])} ms; "
            f"{write['created']} created, {write['refused']} refused, "
            f"{write['server_errors']} server errors, units off the shelf {write['units_sold']} "
            f"({'OVERSOLD' if write['oversold'] else 'no oversell'})."
        )
    checks = writes["checks"]
    lines += [
        f"- Hot ÷ distinct throughput: **{ratio:.2f}** (target ≥ {TARGET_HOT_VS_DISTINCT}: "
        f"{verdict(ratio >= TARGET_HOT_VS_DISTINCT and not hot['oversold'])}).",
        f"- After the writes: `verify_stock` exit {writes['verify_stock']['exit']}, "
        f"{checks['ledger_differences']} ledger differences, "
        f"{checks['negative_stock_levels']} negative stock levels.",
        "",
    ]
    if run.get("mixed"):
        lines += render_mixed(run["mixed"], run["pages"][BASELINE]["p95"])
    return lines


def render_mixed(mixed: dict, baseline_p95: float) -> list[str]:
    """The mixed load: each request type's figures while the others ran, and the checks."""
    lines = [
        f"Mixed load: {mixed['users']} clients for {mixed['seconds']} s, each browsing the "
        "pages below and recording sales, purchases and transfers (created, dispatched, "
        "received) at random (`bench/locustfile.py`, `MIXED_WEIGHTS`); p95 ÷ baseline is "
        "against the baseline page measured alone above.",
        "",
        "| Request | requests | p50 ms | p95 ms | p99 ms | p95 ÷ baseline | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, figures in mixed["requests"].items():
        lines.append(
            f"| {name.removeprefix('mixed: ')} | {figures['requests']:,} | {ms(figures['p50'])} "
            f"| {ms(figures['p95'])} | {ms(figures['p99'])} | "
            f"{figures['p95'] / baseline_p95:.1f} | {figures['server_errors']} |"
        )
    checks = mixed["checks"]
    lines += [
        "",
        f"- During the mixed load: {mixed['server_errors']} server errors; afterwards "
        f"`verify_stock` exit {mixed['verify_stock']['exit']}, "
        f"{checks['ledger_differences']} ledger differences, "
        f"{checks['negative_stock_levels']} negative stock levels; load average at the end "
        f"{mixed['load_average']:.1f}.",
        "",
    ]
    return lines


def render(results: dict) -> str:
    path = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
    machine_info = results.get("machine", {})
    settings = results.get("settings", {})
    figures = [
        BEGIN,
        "## Figures",
        "",
        "Generated by `python -m bench` (edit the text around this section, not inside it).",
        "",
        f"Machine: {machine_info.get('nproc')} CPUs ({machine_info.get('cpu')}), "
        f"{machine_info.get('ram_gb')} GB RAM, Linux {machine_info.get('kernel')}; "
        f"Python {machine_info.get('python')}, Django {machine_info.get('django')}, "
        f"SQLite {machine_info.get('sqlite')}, PostgreSQL {machine_info.get('postgresql')}, "
        f"{machine_info.get('gunicorn')}, locust {machine_info.get('locust')}.",
        f"Load: {settings.get('users')} concurrent clients per page, "
        f"{settings.get('write_users')} for sale writing, {settings.get('duration')} s per "
        f"scenario, no think time; gunicorn with {settings.get('workers')} workers "
        "(gunicorn.conf.py).",
        "",
    ]
    sizes = ["small", "medium", "large"]
    for key in sorted(
        (k for k in results if "/" in k),
        key=lambda k: (k.split("/")[0], sizes.index(k.split("/")[1])),
    ):
        run = results[key]
        small = results.get(f"{run['vendor']}/small") if run["size"] != "small" else None
        figures += render_run(key, run, small)
    figures.append(END)
    block = "\n".join(figures)
    text = path.read_text() if path.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1]
    return text.rstrip() + "\n\n" + block + "\n"


def totals_sql_line(dash: dict, sql: dict | None) -> list[str]:
    """The like-for-like yardstick: the hand-written SQL reading the running totals too."""
    if not sql:  # results from before the running totals existed
        return []
    ratio = dash["median_ms"] / sql["median_ms"]
    return [
        f"- The same statement reading history from the running totals, as the page does "
        f"(median of {sql['runs']}): {ms(sql['median_ms'])} ms; ratio **{ratio:.1f}** "
        f"(target ≤ {TARGET_VS_SQL}: {verdict(ratio <= TARGET_VS_SQL)}; what is left is the "
        "page's fixed cost: session, ORM, template, charts)."
    ]
