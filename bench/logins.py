"""How long simultaneous logins take with each password hasher (python -m bench.logins).

A burst of staff signing in at the start of a shift, measured at the one step
that costs: checking the password against its stored hash. Each of N threads
checks one user's password at the same moment, as N gunicorn workers would;
the figures are the wall time of each check (p50, p95, slowest) and of the
whole burst. Numbers go to docs/PERFORMANCE.md by hand, with the machine.
"""

import argparse
import os
import statistics
import threading
import time

import django

HASHERS = {
    "PBKDF2 (Django's default)": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "Argon2 (Django's setting)": "django.contrib.auth.hashers.Argon2PasswordHasher",
    "Argon2 (the project's)": "accounts.hashers.ShopArgon2PasswordHasher",
}


def burst(hasher_path: str, logins: int) -> tuple[list[float], float]:
    from django.utils.module_loading import import_string

    hasher = import_string(hasher_path)()
    encoded = hasher.encode("correct horse battery", hasher.salt())
    start_together = threading.Barrier(logins)
    seconds: list[float] = []

    def log_in():
        start_together.wait()
        began = time.perf_counter()
        assert hasher.verify("correct horse battery", encoded)
        seconds.append(time.perf_counter() - began)

    threads = [threading.Thread(target=log_in) for _ in range(logins)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seconds, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=16)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inventory_project.settings")
    os.environ.setdefault("DEBUG", "true")
    django.setup()
    print(f"{options.logins} simultaneous logins on {os.cpu_count()} cores")
    for name, path in HASHERS.items():
        seconds, total = burst(path, options.logins)
        seconds.sort()
        p95 = seconds[max(0, round(0.95 * len(seconds)) - 1)]
        print(
            f"{name:28} each: p50 {statistics.median(seconds):.2f} s, p95 {p95:.2f} s, "
            f"slowest {seconds[-1]:.2f} s; the burst {total:.2f} s"
        )


if __name__ == "__main__":
    main()
