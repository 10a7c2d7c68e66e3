"""Sending letters over SMTP: exactly once, even when a send is killed half-way.

A real SMTP server on 127.0.0.1 (aiosmtpd) receives the messages; the activity store
is SQLite and PostgreSQL (``store_url``); the sender that is killed is a real
``xlar letters send`` process.  The batches here are made without LibreOffice (each
.eml carries a one-page PDF made with pypdf): sending does not care how the PDF was made.
"""

from __future__ import annotations

import io
import json
import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfWriter

from xlar.actions import run_on_file
from xlar.letters.errors import LetterError
from xlar.letters.history import batch_records
from xlar.letters.mail import (
    Outgoing,
    SmtpSettings,
    letter_message,
    message_bytes,
    send_outbox,
    smtp_settings,
)
from xlar.settings import Settings
from xlar.store.api import open_store

try:
    from support.smtp import MailServer, self_signed
except ImportError:
    from tests.support.smtp import MailServer, self_signed

BATCH = "20261031-0badc0de"


def _pdf() -> bytes:
    w = PdfWriter()
    w.add_blank_page(612, 792)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _batch(folder: Path, n: int) -> Path:
    """A batch folder of *n* letters to e-mail (what produce_letters writes)."""
    (folder / "email").mkdir(parents=True)
    letters = []
    pdf = _pdf()
    for i in range(1, n + 1):
        cid, key = f"C{i:05d}", f"letter:{BATCH}:C{i:05d}:1"
        msg = letter_message(to=f"ap{i}@customer{i}.example", sender="ar@harbor.example",
                             reply_to="ar@harbor.example", subject=f"Friendly reminder {cid}",
                             language="en", salutation="Dear team,",
                             paragraphs=["Please find attached our letter."],
                             closing="Kind regards,", signature=["Alicia Gómez"],
                             attachments=[(f"Reminder {cid}.pdf", pdf, "application/pdf")],
                             key=key)
        (folder / "email" / f"{cid}.eml").write_bytes(message_bytes(msg))
        letters.append({"key": key, "customer_id": cid, "customer_name": f"Customer {i}",
                        "kind": "dunning_1", "family": "dunning", "level": 1,
                        "letter_name": "Friendly reminder", "language": "en",
                        "delivery": "email", "email": f"ap{i}@customer{i}.example",
                        "subject": f"Friendly reminder {cid}", "docx": "", "pdf": "",
                        "eml": f"email/{cid}.eml", "pages": 1, "first_page": i,
                        "amounts": {"USD": 1000 * i}, "fee_cents": 0, "interest_cents": 0})
    letters.append({**letters[0], "key": f"letter:{BATCH}:P00001:1", "customer_id": "P00001",
                    "customer_name": "Posted Ltd", "delivery": "print", "email": "", "eml": ""})
    (folder / "batch.json").write_text(json.dumps({"batch_id": BATCH, "as_of": "2026-10-31",
                                                   "made_at": "", "letters": letters,
                                                   "partners": []}), "utf-8")
    return folder


def _workbook(tmp_path: Path, store_url: str, port: int) -> Path:
    wb = tmp_path / "AR Workbench.xlsx"
    run_on_file("setup_workbench", wb, db_url=store_url, company_name="Harbor Supply",
                company_email="ar@harbor.example", smtp_host="127.0.0.1", smtp_port=str(port),
                smtp_starttls="no", smtp_rate_per_minute="1200")
    return wb


def _send(wb: Path, batch: Path, *extra) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "xlar", "letters", "send", str(wb),
                             "--batch", str(batch), "--send", *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_send_killed_half_way_sends_the_rest_and_nobody_twice(tmp_path, store_url):
    n = 7
    batch = _batch(tmp_path / "batch", n)
    # The server takes 3 messages, then holds the 4th before answering: the sender is
    # killed while it waits, the worst moment (the message has arrived, unrecorded).
    with MailServer(hold_after=3) as server:
        wb = _workbook(tmp_path, store_url, server.port)
        first = _send(wb, batch)
        assert server.held.wait(60), first.communicate(timeout=5)
        first.kill()
        first.wait(timeout=30)
        server.release.set()
        assert len(server.messages) == 4
        store = open_store(store_url)
        records = batch_records(store, BATCH)
        assert sum(a == "letter_sent" for a in records.values()) == 3
        assert records[f"letter:{BATCH}:C00004:1:try1"] == "letter_sending"

        second = _send(wb, batch)
        out, err = second.communicate(timeout=120)
        text = " ".join(out.split())
        assert second.returncode == 1, err  # one letter's fate is uncertain: say so
        assert "Traceback" not in out + err
        assert "3 e-mails sent" in text and "4 done before" in text and "1 uncertain" in text, text
        assert "UNCERTAIN: C00004" in text and "it may have arrived" in text

        received = [r[0] for r, _ in server.messages]
        assert sorted(received) == sorted(f"ap{i}@customer{i}.example" for i in range(1, n + 1))
        assert len(set(received)) == len(received)  # nobody twice

        third = _send(wb, batch)
        out, _ = third.communicate(timeout=120)
        assert len(server.messages) == n
        assert "0 e-mails sent" in " ".join(out.split())
        log = store.log()
        assert (log["action"] == "letter_sent").sum() == n - 1
        assert (log["action"] == "letter_posted").sum() == 1  # the letter to post, once


def _outbox(folder: Path) -> list[Outgoing]:
    from xlar.letters.batch import outbox_of

    return outbox_of(folder)[1]


def test_uncertain_letters_wait_for_the_specialist_then_go_once(tmp_path, store_url):
    batch = _batch(tmp_path / "batch", 2)
    store = open_store(store_url)
    # A run that died after claiming C00001 but before the server took it.
    store.record("letter_sending", f"letter:{BATCH}:C00001:1:try1", "C00001")
    with MailServer() as server:
        smtp = SmtpSettings("127.0.0.1", server.port, starttls=False, sender="ar@h.example",
                            rate_per_minute=6000)
        held = send_outbox(_outbox(batch), smtp, store, batch_records(store, BATCH), True)
        assert [k for k, _ in held.uncertain] == [f"letter:{BATCH}:C00001:1"]
        assert len(server.messages) == 1
        again = send_outbox(_outbox(batch), smtp, store, batch_records(store, BATCH), True,
                            resend_uncertain=True)
        assert [k for k, _ in again.sent] == [f"letter:{BATCH}:C00001:1"]
        assert sorted(r[0] for r, _ in server.messages) == ["ap1@customer1.example",
                                                             "ap2@customer2.example"]
        assert batch_records(store, BATCH)[f"letter:{BATCH}:C00001:1"] == "letter_sent"


def test_retry_refusal_rate_limit_and_dry_run(tmp_path, store_url):
    batch = _batch(tmp_path / "batch", 4)
    store = open_store(store_url)
    sleeps: list[float] = []
    with MailServer(rcpt_replies={"ap2@customer2.example": ["451 4.7.1 try again later"],
                                  "ap3@customer3.example": ["550 5.1.1 no such user"]}) as server:
        smtp = SmtpSettings("127.0.0.1", server.port, starttls=False, sender="ar@h.example",
                            rate_per_minute=120)
        dry = send_outbox(_outbox(batch), smtp, store, {}, really=False)
        assert len(dry.would_send) == 5 and not server.messages and not dry.sent
        assert not batch_records(store, BATCH)
        result = send_outbox(_outbox(batch), smtp, store, {}, True, sleep=sleeps.append,
                             clock=lambda: 0.0)
    sent = sorted(k.split(":")[2] for k, _ in result.sent)
    assert sent == ["C00001", "C00002", "C00004"]  # C00002 on its second try
    assert [k.split(":")[2] for k, _ in result.failed] == ["C00003"]
    assert "550 5.1.1 no such user" in result.failed[0][1]
    assert [k.split(":")[2] for k, _ in result.posted] == ["P00001"]
    # 120 a minute: half a second between messages (the clock here stands still); one
    # pause of 1 s before the retry of C00002.
    assert sleeps.count(0.5) == 4 and 1.0 in sleeps
    records = batch_records(store, BATCH)
    assert records[f"letter:{BATCH}:C00002:1:failed1"] == "letter_send_failed"
    assert records[f"letter:{BATCH}:C00002:1"] == "letter_sent"
    assert records[f"letter:{BATCH}:C00003:1:failed1"] == "letter_send_failed"
    assert f"letter:{BATCH}:C00003:1" not in records
    # A refused letter is tried again by the next run (it was never delivered).
    with MailServer() as server:
        smtp = smtp._replace(port=server.port)
        retry = send_outbox(_outbox(batch), smtp, store, batch_records(store, BATCH), True,
                            sleep=sleeps.append)
        assert [k.split(":")[2] for k, _ in retry.sent] == ["C00003"]
        assert [r[0] for r, _ in server.messages] == ["ap3@customer3.example"]


def test_starttls_and_login_with_the_password_from_the_environment(tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=cert)
    batch = _batch(tmp_path / "batch", 2)
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    with MailServer(tls_cert=cert, tls_key=key, users={"ar-mailer": "s3cret"}) as server:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=str(server.port),
                            smtp_user="ar-mailer", smtp_starttls="yes",
                            company_email="ar@harbor.example")
        monkeypatch.delenv("XLAR_SMTP_PASSWORD", raising=False)
        with pytest.raises(LetterError, match="XLAR_SMTP_PASSWORD is not"):
            send_outbox(_outbox(batch), smtp_settings(settings), store, {}, True,
                        tls_context=trust)
        monkeypatch.setenv("XLAR_SMTP_PASSWORD", "wrong")
        with pytest.raises(LetterError, match="refused the login of 'ar-mailer'"):
            send_outbox(_outbox(batch), smtp_settings(settings), store, {}, True,
                        tls_context=trust)
        monkeypatch.setenv("XLAR_SMTP_PASSWORD", "s3cret")
        smtp = smtp_settings(settings)
        assert "s3cret" not in repr(smtp)
        result = send_outbox(_outbox(batch), smtp, store, batch_records(store, BATCH), True,
                             tls_context=trust)
        assert len(result.sent) == 2 and server.logins == ["ar-mailer"]
        assert len(server.messages) == 2
        # The refused logins left claims without delivery: nothing uncertain, since the
        # login failed before any message was handed over.
        assert not result.uncertain
