"""Measure ``manage.py import_data`` on SQLite: N products, then their opening stock in S stores.

    python -m bench.import_bench                      # 50,000 products, 10 stores
    python -m bench.import_bench --products 5000 --stores 2

Each step runs as its own process on a fresh SQLite database in a temporary folder;
wall time from the outside, peak memory (max RSS) from ``os.wait4``'s resource usage.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP = """
from django.contrib.auth import get_user_model
from people.models import Supplier
from products.models import Category
from stores.models import Store
get_user_model().objects.create_superuser("bench", password="bench-import-1")
Category.objects.create(name="Fasteners")
Supplier.objects.create(name="Acme Tools")
for n in range({stores}):
    Store.objects.create(name=f"Store {{n}}", code=f"S{{n}}")
"""


def write_files(folder: Path, products: int, stores: int) -> tuple[Path, Path]:
    products_csv, opening_csv = folder / "products.csv", folder / "opening.csv"
    with products_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SKU", "Product name", "Category", "Supplier", "Unit", "Cost", "Price"])
        for n in range(products):
            writer.writerow([f"P-{n:06d}", f"Product {n}", "Fasteners", "Acme Tools", "pcs",
                             f"{1 + n % 50}.25", f"{3 + n % 50}.99"])  # fmt: skip
    with opening_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SKU", "Store", "Quantity", "Unit cost"])
        for n in range(products):
            for store in range(stores):
                writer.writerow([f"P-{n:06d}", f"Store {store}", 1 + (n + store) % 40, "1.25"])
    return products_csv, opening_csv


def measure(args: list[str], env: dict) -> tuple[float, float]:
    """(Seconds, peak RSS in MB) of ``manage.py *args``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{output}")
    print(output.strip().splitlines()[-1] if output.strip() else "")
    return seconds, usage.ru_maxrss / 1024  # KB on Linux


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--stores", type=int, default=10)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="import-bench-"))
    env = {
        **os.environ,
        # Production settings: DEBUG would keep every query in memory.
        "DEBUG": "false",
        "SECRET_KEY": "import-bench-only-" + "k" * 50,
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup = SETUP.format(stores=options.stores)
    subprocess.run([sys.executable, "manage.py", "shell", "-c", setup], cwd=ROOT, env=env,
                   check=True)  # fmt: skip
    products_csv, opening_csv = write_files(folder, options.products, options.stores)
    rows = options.products * options.stores
    print(f"{options.products:,} products, {rows:,} opening stock rows, in {folder}")
    for label, kind, path in [
        ("products", "products", products_csv),
        ("opening stock", "opening_stock", opening_csv),
    ]:
        seconds, peak = measure(["import_data", kind, str(path), "--user", "bench"], env)
        print(f"{label}: {seconds:,.1f} s, peak RSS {peak:,.0f} MB")
    seconds, peak = measure(["verify_stock"], env)
    print(f"verify_stock: {seconds:,.1f} s, peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
