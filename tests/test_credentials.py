"""Passwords and card numbers: used by a run, kept nowhere.

A day's work is run through the real command line, with a mail server that demands a
login (its password only in ``XLAR_SMTP_PASSWORD``), a team store on PostgreSQL whose
password a specialist typed into the workbench's ``db_url`` by mistake (and that is
also in ``XLAR_DB_PASSWORD``), and a full card number typed where it does not belong:
into the Card Payments sheet and as the "last four digits" of a receipt letter.

Afterwards every byte the run left behind is searched for the passwords and the card
number, in the forms they could take (as typed, with spaces or dashes, URL-quoted,
base64 as SMTP's AUTH sends it): the workbench (every part of the package), the activity
store (every row of every table), the letter batch, the ERP posting files, and what the
commands printed (a nightly job's log).  Neither is found.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import quote

import openpyxl
import sqlalchemy as sa

from xlar.actions import run_on_file
from xlar.credentials import DATABASE, SMTP, password, without_password
from xlar.demo import generate_ledger, write_demo_export

SMTP_PASSWORD = "Sm7p-Pa55 w0rd!"
DB_PASSWORD = "Db-S3cret-9931"
CARD = "4111111111111111"


def forms(secret: str) -> list[bytes]:
    """The ways *secret* could have been written down."""
    out = {secret, quote(secret), quote(secret, safe=""), secret.replace(" ", "+")}
    if secret.isdigit():
        groups = [secret[i:i + 4] for i in range(0, len(secret), 4)]
        out |= {" ".join(groups), "-".join(groups)}
    found = [s.encode() for s in out] + [secret.encode("utf-16-le")]
    # base64, alone and as SMTP's AUTH PLAIN carries it
    found += [base64.b64encode(secret.encode()),
              base64.b64encode(f"\0ar-mailer\0{secret}".encode())]
    return found


def leaks(data: bytes, secrets: list[str]) -> list[str]:
    return [s for s in secrets for f in forms(s) if f in data]


def every_byte(folder: Path):
    """(name, bytes) of every file under *folder*, zip packages opened part by part."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield str(path), data
        if data[:2] == b"PK":
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    yield f"{path}!{name}", z.read(name)


def test_passwords_come_from_the_environment_or_the_keyring(monkeypatch):
    import types

    asked = []
    fake = types.SimpleNamespace(get_password=lambda service, user: asked.append(
        (service, user)) or ("from-keyring" if user == "ana" else None))
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.delenv(SMTP.variable, raising=False)
    assert password(SMTP, "mail.example.com", "ana") == "from-keyring"
    assert asked == [("xlar-smtp:mail.example.com", "ana")]
    assert password(SMTP, "mail.example.com", "bob") == ""
    monkeypatch.setenv(SMTP.variable, "from-env")
    assert password(SMTP, "mail.example.com", "ana") == "from-env"  # the environment first

    from xlar.store.db import resolve_url

    monkeypatch.delenv(DATABASE.variable, raising=False)
    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    url = resolve_url("postgresql://ana@dbhost/ar")
    assert url.password == "from-keyring" and ("xlar-db:dbhost", "ana") in asked

    def broken(service, user):
        raise RuntimeError("no backend")  # keyring installed, but no keyring on a server

    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=broken))
    assert resolve_url("postgresql://ana@dbhost/ar").password is None


def test_a_password_typed_into_the_workbench_is_dropped_from_it(tmp_path):
    assert without_password("postgresql+psycopg://ana:pw@dbhost:5432/ar") == \
        ("postgresql+psycopg://ana@dbhost:5432/ar", True)
    assert without_password("sqlite:////tmp/a:b@c.sqlite") == \
        ("sqlite:////tmp/a:b@c.sqlite", False)
    wb = tmp_path / "wb.xlsx"
    run_on_file("setup_workbench", wb, db_url=f"sqlite:///{tmp_path / 's.sqlite'}")
    book = openpyxl.load_workbook(wb)
    ws = book["Settings"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "db_url")
    ws.cell(row, 2, "postgresql://ana:Typed-S3cret@dbhost/ar")
    book.save(wb)
    run_on_file("setup_workbench", wb)  # any save of the Settings sheet drops it
    assert not any(leaks(data, ["Typed-S3cret"]) for _, data in every_byte(tmp_path))


def _cli(*args, env) -> str:
    p = subprocess.run([sys.executable, "-m", "xlar", *map(str, args)], env=env,
                       capture_output=True, text=True, timeout=180)
    assert "Traceback" not in p.stdout + p.stderr
    return p.stdout + p.stderr + f"\nexit {p.returncode}\n"


def _type_card_rows(wb: Path, items) -> None:
    book = openpyxl.load_workbook(wb)
    ws = book["Card Payments"]
    top = next(r for r in range(1, 6) if ws.cell(r, 1).value == "Date")
    inv = items[(items["doc_type"] == "invoice") & (items["open_cents"] > 0)].iloc[:2]
    for n, (_, it) in enumerate(inv.iterrows(), start=top + 1):
        typed = n == top + 1  # the first row right, the second with the whole number
        last4 = "4242" if typed else f"{CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}"
        for c, v in enumerate(["2026-10-31", it["customer_id"], it["document"],
                               it["open_cents"] / 100, it["currency"], "A1B2C3", last4, "Ana",
                               "by phone" if typed else f"card {CARD}"], start=1):
            ws.cell(n, c, v)
    table = ws.tables["CardPayments"]
    table.ref = re.sub(r"\d+$", str(top + 2), table.ref)
    book.save(wb)


def test_a_days_work_leaves_no_password_and_no_card_number_anywhere(tmp_path, store_url,
                                                                   monkeypatch):
    try:
        from support.smtp import MailServer
    except ImportError:
        from tests.support.smtp import MailServer
    from test_letters_send import _batch

    from xlar.imports import read_open_items

    env = {k: v for k, v in os.environ.items() if k != "XLAR_DB_URL"}
    env |= {SMTP.variable: SMTP_PASSWORD, DATABASE.variable: DB_PASSWORD, "COLUMNS": "200"}
    secrets = [SMTP_PASSWORD, DB_PASSWORD, CARD]
    on_postgres = store_url.startswith("postgresql")
    typed_url = store_url.replace("xlar@", f"xlar:{DB_PASSWORD}@") if on_postgres else store_url
    ledger = generate_ledger(customers=10, items=80, seed=4)
    export = write_demo_export(ledger, tmp_path / "open_items.csv")
    items = read_open_items(export).items
    logs = []
    with MailServer(users={"ar-mailer": SMTP_PASSWORD}) as server:
        wb = tmp_path / "AR Workbench.xlsx"
        run_on_file("setup_workbench", wb, db_url=typed_url, source_file=str(export),
                    as_of=ledger.as_of.isoformat(), company_name="Harbor Supply",
                    company_email="ar@harbor.example", smtp_host="127.0.0.1",
                    smtp_port=str(server.port), smtp_user="ar-mailer", smtp_starttls="no",
                    smtp_rate_per_minute="1200")
        logs.append(_cli("refresh", wb, env=env))
        logs.append(_cli("cash", "cards", wb, env=env))
        _type_card_rows(wb, items)
        logs.append(_cli("cash", "cards", wb, env=env))
        logs.append(_cli("cash", "post", wb, env=env))
        logs.append(_cli("letters", "one", wb, "receipt", items["customer_id"].iloc[0],
                         "--amount", "10.00", "--currency", "USD", "--auth", "A1B2C3",
                         "--last4", CARD, "--out", tmp_path / "letters", env=env))
        batch = _batch(tmp_path / "batch", 3)
        logs.append(_cli("letters", "send", wb, "--batch", batch, "--send", env=env))
        assert server.logins and len(server.messages) == 3  # the password was used
    assert "3 e-mails sent" in " ".join(logs[-1].split())
    assert "Posted 1 payments" in " ".join(logs[3].split())  # the card payment, last four
    assert "last four digits" in logs[4]  # the card number refused as "last four"

    found = [(name, leaks(data, secrets)) for name, data in every_byte(tmp_path)]
    assert [f for f in found if f[1]] == []
    assert leaks("\n".join(logs).encode(), secrets) == []
    engine = sa.create_engine(store_url)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            dump = repr(conn.execute(sa.select(table)).fetchall()).encode()
            assert leaks(dump, secrets) == [], table.name
    engine.dispose()
    settings = openpyxl.load_workbook(wb)["Settings"]
    urls = [r[1] for r in settings.iter_rows(values_only=True) if r[0] == "db_url"]
    assert urls == [without_password(typed_url)[0]]
