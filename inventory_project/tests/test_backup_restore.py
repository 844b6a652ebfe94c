"""``manage.py backup`` and ``restore`` on the backend the suite runs on.

The commands work on the test database itself: on PostgreSQL and MariaDB the
one pytest-django made (a restore renames it aside, or moves its tables
aside, and puts the backup in its place); on SQLite a file copy of it, as the
concurrency tests use (the in-memory test database has no file to back up).
Their checks run ``migrate --check`` and ``verify_stock`` in child processes
against the database they restored. The data come from the app's own
operations (purchases, sales), so the ledger is consistent unless a test
breaks it on purpose.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.models import F
from django.utils import timezone

from core.backups import BACKUP_NAME, default_database, sqlite_integrity
from inventory_project.tests.test_concurrency import threaded_database  # noqa: F401 (a fixture)
from products.models import Product, StockLevel
from products.tests.factories import ProductFactory
from products.tests.stock_checks import assert_ledger_consistent, on_hand
from purchases.tests.factories import receive
from sales.models import Sale
from sales.tests.factories import make_sale

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("threaded_database", "drop_databases_put_aside"),
]


@pytest.fixture
def drop_databases_put_aside():
    """After the test: drop the databases a restore renamed aside (PostgreSQL, MariaDB)."""
    yield
    if connection.vendor == "sqlite":
        return  # the files put aside are in the test's tmp_path
    database = default_database()
    listing = {
        "postgresql": "SELECT datname FROM pg_database",
        "mysql": "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA",
    }[connection.vendor]
    quote = {"postgresql": '"{}"', "mysql": "`{}`"}[connection.vendor]
    for [name] in database.sql(listing):
        if name.startswith(f"{database.name}_before_restore_"):
            database.sql(f"DROP DATABASE {quote.format(name)}")


def run(*arguments) -> str:
    out = StringIO()
    call_command(*arguments, stdout=out)
    return out.getvalue()


def backups_in(directory: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if BACKUP_NAME.match(path.name))


def back_up(directory: Path, *options) -> Path:
    """Take a backup into ``directory`` and return its file."""
    run("backup", str(directory), *options)
    return backups_in(directory)[-1]


def restore(backup: Path) -> str:
    return run("restore", str(backup), "--app-stopped")


def test_backup_then_restore_brings_back_the_state_of_the_backup(tmp_path, store):
    kept = ProductFactory(sku="KEPT-1")
    receive(kept, store, 10)
    make_sale(store=store, lines=[(kept, 3)])

    backup_output = run("backup", str(tmp_path / "backups"))
    [backup] = backups_in(tmp_path / "backups")
    # Written after the backup: the restore must take it away.
    lost = ProductFactory(sku="LOST-1")
    receive(lost, store, 5)
    make_sale(store=store, lines=[(kept, 2)])
    if connection.vendor == "sqlite":
        database_file = Path(connection.settings_dict["NAME"])
        database_file.chmod(0o640)  # the restored file takes the replaced one's mode

    restore_output = restore(backup)

    assert backup.suffix == default_database().suffix
    assert backup.stat().st_mode & 0o777 == 0o600  # it holds the password hashes
    assert "verify_stock: OK" in backup_output
    assert "Verified: it restores into a throwaway database" in backup_output
    assert "migrate --check: every migration is applied" in restore_output
    assert "verify_stock: OK: all 1 stock levels match the ledger" in restore_output
    assert list(Product.objects.values_list("sku", flat=True)) == ["KEPT-1"]
    assert on_hand(kept, store) == 7
    assert Sale.objects.count() == 1
    assert_ledger_consistent()
    if connection.vendor == "sqlite":
        assert database_file.stat().st_mode & 0o777 == 0o640


def test_backup_taken_while_sales_are_recorded_holds_a_consistent_state(tmp_path, store):
    widget = ProductFactory(sku="WIDGET-1")
    receive(widget, store, 10_000)
    sales_recorded = []
    seller_errors = []
    stop = threading.Event()

    def keep_selling():
        try:
            while not stop.is_set():
                sales_recorded.append(make_sale(store=store, lines=[(widget, 1)]))
        except BaseException as error:
            seller_errors.append(error)
        finally:
            connections.close_all()

    def wait_for_sales(count: int) -> None:
        deadline = time.monotonic() + 30
        while len(sales_recorded) < count:
            if seller_errors:
                raise seller_errors[0]
            if time.monotonic() > deadline:
                pytest.fail(f"the seller recorded {len(sales_recorded)} sales in 30 s, not {count}")
            time.sleep(0.01)

    seller = threading.Thread(target=keep_selling, daemon=True)
    seller.start()
    try:
        wait_for_sales(3)
        sold_before = len(sales_recorded)
        backup = back_up(tmp_path / "backups", "--no-verify")
        sold_after = len(sales_recorded)
        # The seller is still at work after the backup, not only before it.
        wait_for_sales(sold_after + 3)
    finally:
        stop.set()
        seller.join(60)
    assert not seller.is_alive()
    if seller_errors:
        raise seller_errors[0]

    output = restore(backup)

    # Every sale committed before the snapshot, none after it, none half-written.
    in_backup = Sale.objects.count()
    assert sold_before <= in_backup <= sold_after + 1
    assert on_hand(widget, store) == 10_000 - in_backup
    assert "verify_stock: OK" in output
    assert_ledger_consistent()


def test_restore_after_a_crash_moves_the_stale_wal_aside(tmp_path, store):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's -wal file")
    product = ProductFactory(sku="KEPT-1")
    receive(product, store, 10)
    backup = back_up(tmp_path / "backups", "--no-verify")
    # After the backup: writes that reach the database file...
    receive(product, store, 5)
    Session.objects.bulk_create(
        Session(session_key=f"after-{i:04}", session_data="x" * 200, expire_date=timezone.now())
        for i in range(300)
    )
    database = Path(connection.settings_dict["NAME"])
    connections.close_all()  # the last connection to close folds the -wal into the file
    # ...and a process killed with writes in the -wal, never folded in.
    crash = (
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        "db.execute('PRAGMA wal_autocheckpoint=0')\n"
        "db.executemany('INSERT INTO django_session VALUES (?, ?, ?)',\n"
        "    [(f'crash-{i:04}', 'y' * 200, '2030-01-01') for i in range(300)])\n"
        "db.commit()\n"
        "db.execute('DELETE FROM django_session WHERE session_key LIKE ?', ('after-%',))\n"
        "os._exit(9)  # killed mid-write: no checkpoint, no clean close\n"
    )
    subprocess.run([sys.executable, "-c", crash, str(database)], check=False)
    wal = database.with_name(database.name + "-wal")
    wal_size = wal.stat().st_size
    assert wal_size > 0
    # What copying the backup over the database alone would give: the old
    # -wal replayed into a file it does not belong to.
    naive = tmp_path / "naive.sqlite3"
    shutil.copyfile(backup, naive)
    shutil.copyfile(wal, naive.with_name(naive.name + "-wal"))
    assert sqlite_integrity(naive) != "ok"

    output = restore(backup)

    [aside] = tmp_path.glob(f"{database.name}-before-restore-*")
    assert sorted(path.name for path in aside.iterdir()) == [
        database.name,
        f"{database.name}-shm",
        f"{database.name}-wal",
    ]
    assert f"Moving the current {database.name}, {database.name}-wal, {database.name}-shm" in output
    assert (aside / wal.name).stat().st_size == wal_size
    assert "PRAGMA integrity_check: ok" in output
    assert sqlite_integrity(database) == "ok"
    assert on_hand(product, store) == 10
    assert not Session.objects.exists()
    # Nothing was lost: the files put aside, opened together, are the crashed database.
    assert sqlite_integrity(aside / database.name) == "ok"
    with sqlite3.connect(aside / database.name) as crashed:
        [[crash_sessions]] = crashed.execute(
            "SELECT count(*) FROM django_session WHERE session_key LIKE 'crash-%'"
        ).fetchall()
    crashed.close()
    assert crash_sessions == 300


def test_restore_refuses_a_backup_file_with_a_wal_beside_it(tmp_path, store):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's -wal file")
    product = ProductFactory(sku="KEPT-1")
    backup = back_up(tmp_path / "backups", "--no-verify")
    receive(product, store, 4)
    # A folder put aside by a restore: the file and a -wal of committed
    # transactions not folded into it yet.
    folder = tmp_path / "put-aside"
    folder.mkdir()
    put_aside = folder / "db.sqlite3"
    shutil.copyfile(backup, put_aside)
    commit_then_die = (
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        "db.execute('PRAGMA journal_mode=WAL')\n"
        "db.execute('PRAGMA wal_autocheckpoint=0')\n"
        "db.execute(\"INSERT INTO django_session VALUES ('in-the-wal', 'x', '2030-01-01')\")\n"
        "db.commit()\n"
        "os._exit(9)\n"
    )
    subprocess.run([sys.executable, "-c", commit_then_die, str(put_aside)], check=False)
    assert (folder / "db.sqlite3-wal").stat().st_size > 0

    with pytest.raises(
        CommandError, match=re.escape("non-empty db.sqlite3-wal beside it")
    ) as refused:
        restore(put_aside)

    assert "Nothing was changed" in str(refused.value)
    assert on_hand(product, store) == 4
    assert not list(tmp_path.glob("*before-restore*"))
    # Opened once with sqlite3, as the message says, the -wal is folded in and it restores.
    sqlite_integrity(put_aside)
    assert not (folder / "db.sqlite3-wal").exists()
    restore(put_aside)
    assert Session.objects.filter(session_key="in-the-wal").exists()
    assert on_hand(product, store) == 0


def test_restore_interrupted_puts_the_previous_database_back(tmp_path, store, monkeypatch):
    product = ProductFactory(sku="KEPT-1")
    backup = back_up(tmp_path / "backups", "--no-verify")
    receive(product, store, 4)
    database = default_database()
    if connection.vendor == "sqlite":
        # Ctrl-C just before the restored copy is renamed into place.
        real_replace = os.replace

        def replace(source, target):
            if Path(source).name.startswith(f".{database.path.name}.restoring-"):
                raise KeyboardInterrupt
            real_replace(source, target)

        monkeypatch.setattr("core.backups.os.replace", replace)
    else:
        # Ctrl-C as the load ends, with the backup's tables already there.
        real_load = type(database).load

        def load(self, *arguments):
            real_load(self, *arguments)
            raise KeyboardInterrupt

        monkeypatch.setattr(type(database), "load", load)

    with pytest.raises(CommandError, match="Interrupted") as interrupted:
        restore(backup)

    assert "The restore was undone" in str(interrupted.value)
    assert on_hand(product, store) == 4
    assert not list(tmp_path.glob("*before-restore*"))
    if connection.vendor != "sqlite":
        listing = {
            "postgresql": "SELECT datname FROM pg_database",
            "mysql": "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA",
        }[connection.vendor]
        assert not [n for [n] in database.sql(listing) if "_before_restore_" in n]


def test_restore_refuses_without_the_app_stopped_confirmation(tmp_path, store, monkeypatch):
    product = ProductFactory(sku="KEPT-1")
    backup = back_up(tmp_path / "backups", "--no-verify")
    receive(product, store, 4)

    with pytest.raises(CommandError, match="--app-stopped") as refused:
        call_command("restore", str(backup), stdout=StringIO())
    # At a terminal it asks instead, and anything but "yes" cancels.
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(backup), stdout=StringIO())

    assert "Stop every process that uses the database" in str(refused.value)
    assert "systemctl stop" in str(refused.value)
    assert on_hand(product, store) == 4
    assert not list(tmp_path.glob("*before-restore*"))


def test_restore_refuses_while_another_connection_uses_the_database(tmp_path, store):
    product = ProductFactory(sku="KEPT-1")
    backup = back_up(tmp_path / "backups", "--no-verify")
    receive(product, store, 4)
    if connection.vendor == "sqlite":
        holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # a writer in the middle of its transaction
        expected = "holds the write lock"
    else:
        holder = connections.create_connection("default")
        holder.ensure_connection()
        expected = "1 other session"

    try:
        with pytest.raises(CommandError, match=expected) as refused:
            restore(backup)
    finally:
        holder.close()

    assert "Nothing was changed" in str(refused.value)
    assert on_hand(product, store) == 4
    assert not list(tmp_path.glob("*before-restore*"))


def test_keep_deletes_only_the_oldest_backups_of_this_kind(tmp_path):
    directory = tmp_path / "backups"
    directory.mkdir()
    suffix = default_database().suffix
    other_suffix = ".dump" if suffix == ".sqlite3" else ".sqlite3"
    old = [directory / f"inventory-2000-01-0{day}T021500Z{suffix}" for day in range(1, 5)]
    others = [
        directory / f"inventory-1999-01-01T021500Z{other_suffix}",  # another backend's
        directory / f"inventory-1999-01-01T021500Z{suffix}.failed",  # failed verification
        directory / f"inventory-manual{suffix}",
        directory / "notes.txt",
    ]
    for path in old + others:
        path.write_bytes(b"")

    output = run("backup", str(directory), "--no-verify", "--keep", "3")

    [new] = [path for path in backups_in(directory) if path not in old + others]
    assert sorted(directory.iterdir()) == sorted([*old[2:], new, *others])
    assert f"deleted 2: {old[0].name}, {old[1].name}." in output


def test_keep_never_deletes_the_backup_just_written(tmp_path):
    directory = tmp_path / "backups"
    directory.mkdir()
    # Written while the clock was years ahead: it sorts after the new one.
    future = directory / f"inventory-2999-01-01T000000Z{default_database().suffix}"
    future.write_bytes(b"")

    run("backup", str(directory), "--no-verify", "--keep", "1")

    [new] = backups_in(directory)
    assert new != future
    assert new.stat().st_size > 0


def test_restore_missing_and_wrong_backend_files_are_refused_clearly(tmp_path):
    missing = tmp_path / "nowhere.sqlite3"
    with pytest.raises(CommandError, match=re.escape(f"There is no backup file at {missing}.")):
        restore(missing)

    if connection.vendor == "sqlite":
        wrong = tmp_path / "inventory-2000-01-01T021500Z.dump"
        wrong.write_bytes(b"PGDMP\x01\x0f\x00" + b"\x00" * 100)
        message = "is a PostgreSQL backup, but this installation uses SQLite"
    else:
        wrong = tmp_path / "inventory-2000-01-01T021500Z.sqlite3"
        sqlite3.connect(wrong).execute("CREATE TABLE t (id integer)").connection.close()
        message = f"is a SQLite backup, but this installation uses {default_database().label}"
    with pytest.raises(CommandError, match=message):
        restore(wrong)

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("shopping list")
    with pytest.raises(CommandError, match=re.escape("is not a backup made by `manage.py backup`")):
        restore(not_a_backup)


def test_backup_without_the_client_tools_says_which_are_missing(tmp_path, monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite needs no client tools")
    with monkeypatch.context() as without_tools:
        without_tools.setenv("PATH", str(tmp_path))
        with pytest.raises(CommandError, match="is not installed or not on PATH"):
            run("backup", str(tmp_path))

    assert not backups_in(tmp_path)


def test_backup_failing_verification_is_kept_apart_and_says_which_check_failed(tmp_path, store):
    product = ProductFactory(sku="KEPT-1")
    receive(product, store, 10)
    StockLevel.objects.update(quantity=F("quantity") + 1)  # the ledger says 10

    directory = tmp_path / "backups"

    with pytest.raises(CommandError) as failed:
        run("backup", str(directory), "--keep", "1")

    message = str(failed.value)
    assert "Verification failed: `manage.py verify_stock`" in message
    assert "1 stock level(s) differ from the ledger" in message
    [kept] = directory.iterdir()
    assert kept.name.endswith(f"{default_database().suffix}.failed")
    assert f"The backup is kept as {kept}" in message
    assert not backups_in(directory)
