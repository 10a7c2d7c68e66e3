"""Letters by e-mail: standard .eml messages, and sending them over SMTP exactly once.

:func:`letter_message` builds the message a customer receives: a short text in
the customer's language, as plain text and as HTML, with the letter attached as a
PDF.  Each is saved as an ``.eml`` file in the batch folder, so it can be opened
in any mail program, checked, or sent by hand.

:func:`send_outbox` sends a batch's messages:

* **dry run by default**: nothing is sent or recorded; the report says what would be;
* **STARTTLS and login** as the Settings sheet says; the password only ever comes
  from the environment (``XLAR_SMTP_PASSWORD``), never from a file;
* **rate limit**: no more than ``smtp_rate_per_minute`` messages a minute;
* **retry**: a message the server refuses for now (4xx) or a dropped connection
  before the message was handed over is tried again, a few times, with a pause;
  a refusal for good (5xx) is recorded and reported, and the batch goes on;
* **exactly once**: each message has an idempotency key
  (``letter:BATCH:CUSTOMER:LEVEL``).  Before handing a message to the server the
  sender records a claim (``KEY:tryN``); once the server accepts it, the sending
  (``KEY``).  A batch run again later skips what was sent.  A message whose claim
  has neither an outcome nor a recorded failure was being handed over when the
  run stopped: it may or may not have arrived, so it is *not* sent again on its
  own (the report lists it as uncertain; ``resend_uncertain`` sends it after the
  specialist has checked the mail server's log).
"""

from __future__ import annotations

import datetime as dt
import html
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import compat32
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import NamedTuple

from xlar.letters.errors import LetterError
from xlar.progress import Progress, no_progress

__all__ = ["SmtpSettings", "SmtpError", "smtp_settings", "letter_message", "Outgoing",
           "SendResult", "send_outbox", "message_bytes", "read_message", "PASSWORD_VARIABLE",
           "PLACEHOLDER", "fill_placeholder"]

PASSWORD_VARIABLE = "XLAR_SMTP_PASSWORD"
_CRLF = compat32.clone(linesep="\r\n")


class SmtpError(LetterError):
    """SMTP settings that cannot work, or a server that cannot be reached; a plain sentence."""


class SmtpSettings(NamedTuple):
    """How to reach the mail server.

    Attributes:
      host, port: the server; port 465 means SSL from the start.
      user: login ('' = none); password from XLAR_SMTP_PASSWORD only.
      starttls: switch to TLS before login (ports 587 and 25).
      sender: the envelope and From address.
      rate_per_minute: most messages a minute.
      retries: attempts per message for errors that may pass (4xx, dropped connection).
    """

    host: str
    port: int = 587
    user: str = ""
    password: str = ""
    starttls: bool = True
    sender: str = ""
    rate_per_minute: float = 30.0
    retries: int = 3
    timeout: float = 30.0

    def __repr__(self) -> str:  # never print the password
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, user={self.user!r}, "
                f"starttls={self.starttls}, sender={self.sender!r})")


_YES = {"yes", "y", "true", "1", "si", "sí", "on"}


def smtp_settings(settings, host: str | None = None, port: int | None = None,
                  user: str | None = None, starttls: bool | None = None,
                  sender: str | None = None, rate: float | None = None) -> SmtpSettings:
    """SMTP settings from the Settings sheet, with a run's overrides (``--smtp host:port``)."""
    h = (host if host is not None else settings.smtp_host).strip()
    if h and ":" in h and port is None:
        h, _, p = h.rpartition(":")
        port = int(p) if p.isdigit() else None
    try:
        prt = int(port if port is not None else (settings.smtp_port or 587))
        per_minute = float(rate if rate is not None else (settings.smtp_rate_per_minute or 30))
    except ValueError:
        raise SmtpError("Settings: smtp_port must be a number (587, 465 or 25) and "
                        "smtp_rate_per_minute a number of messages") from None
    if per_minute <= 0:
        raise SmtpError("Settings: smtp_rate_per_minute must be more than 0")
    tls = starttls if starttls is not None else \
        str(settings.smtp_starttls or "yes").strip().lower() in _YES
    login = (user if user is not None else settings.smtp_user).strip()
    from xlar.credentials import SMTP, password

    return SmtpSettings(h, prt, login, password(SMTP, h, login) if login else "",
                        tls, (sender or settings.smtp_from or settings.company_email).strip(),
                        per_minute)


# ---------------------------------------------------------------------------
# Building messages
# ---------------------------------------------------------------------------


def _html(paragraphs: list[str], salutation: str, closing: str, signature: list[str],
          language: str) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    sig = "<br>".join(html.escape(s) for s in signature if s)
    return (f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"></head>'
            '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;'
            'color:#222;line-height:1.45">'
            f"<p>{html.escape(salutation)}</p>{body}<p>{html.escape(closing)}</p>"
            f"<p><strong>{sig}</strong></p></body></html>")


def letter_message(*, to: str, sender: str, reply_to: str, subject: str, language: str,
                   salutation: str, paragraphs: list[str], closing: str,
                   signature: list[str], attachments: Sequence[tuple[str, bytes, str]],
                   key: str, when: dt.datetime | None = None) -> Message:
    """One e-mail: plain text and HTML in *language*, with *attachments* (file name,
    bytes, MIME type such as ``application/pdf``).  The Message-ID comes from *key*,
    so the same letter always carries the same ID (a receiving server can spot a copy).

    Built with the email package's MIME classes: a batch writes a thousand of these,
    and they cost a third of what the newer EmailMessage API costs.
    """
    from email.header import Header
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    from xlar.store.api import stable_key

    msg = MIMEMultipart("mixed")
    msg["From"] = sender
    msg["To"] = to
    if reply_to and reply_to != sender:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    msg["Date"] = format_datetime(when or dt.datetime.now(dt.UTC))
    domain = sender.rpartition("@")[2] or "xlar.local"
    msg["Message-ID"] = f"<{stable_key(key)}.xlar@{domain}>" if key else make_msgid()
    msg["Content-Language"] = language
    msg["X-Xlar-Key"] = key
    text = "\n\n".join([salutation, *paragraphs, closing, "\n".join(s for s in signature if s)])
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(text + "\n", "plain", "utf-8"))
    body.attach(MIMEText(_html(paragraphs, salutation, closing, signature, language), "html",
                         "utf-8"))
    msg.attach(body)
    for name, data, mime in attachments:
        part = MIMEApplication(data, mime.partition("/")[2])
        part.replace_header("Content-Type", mime)
        part.add_header("Content-Disposition", "attachment",
                        filename=name if name.isascii() else ("utf-8", "", name))
        msg.attach(part)
    return msg


def message_bytes(msg: Message) -> bytes:
    """The message as an .eml file holds it (CRLF line ends, as SMTP sends it)."""
    return msg.as_bytes(policy=_CRLF)


#: Stands in for an attachment that does not exist yet (a letter's PDF while LibreOffice
#: makes it): the message is written around it, the file's bytes go in later.
PLACEHOLDER = b"xlar attachment placeholder"


def fill_placeholder(eml: bytes, data: bytes) -> bytes:
    """The message *eml* (written with :data:`PLACEHOLDER` as an attachment) with *data* in
    its place, base64 in 76-character lines as the email package writes them."""
    import base64

    marker = base64.b64encode(PLACEHOLDER) + b"\r\n"
    if eml.count(marker) != 1:
        raise ValueError("the message has no attachment placeholder")
    return eml.replace(marker, base64.encodebytes(data).replace(b"\n", b"\r\n"))


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------


class Outgoing(NamedTuple):
    """One message of a batch's outbox.

    Attributes:
      key: idempotency key (``letter:BATCH:CUSTOMER:LEVEL``, ``partner:BATCH:NAME``).
      eml: the message file.  to: recipient ('' for a letter to post).
      action: what the store records once it is done: letter_sent, letter_posted,
        partner_list_sent.
      customer_id, document, amount_cents, currency, payload: what the record says.
    """

    key: str
    eml: Path | None
    to: str
    action: str
    customer_id: str = ""
    amount_cents: int | None = None
    currency: str | None = None
    payload: dict | None = None


class SendResult(NamedTuple):
    """What a send run did (each a list of (key, sentence))."""

    sent: list[tuple[str, str]]
    posted: list[tuple[str, str]]
    skipped: list[tuple[str, str]]
    failed: list[tuple[str, str]]
    uncertain: list[tuple[str, str]]
    would_send: list[tuple[str, str]]
    dry_run: bool


class _Transient(Exception):
    """A failure that may pass: try the message again."""


class _Uncertain(Exception):
    """The connection broke while the message was being handed over."""


class _Refused(Exception):
    """The server refused the message for good."""


def _connect(s: SmtpSettings, tls_context: ssl.SSLContext | None) -> smtplib.SMTP:
    try:
        if s.port == 465:
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                    context=tls_context or ssl.create_default_context())
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            conn.ehlo()
            if s.starttls:
                if not conn.has_extn("starttls"):
                    conn.quit()
                    raise SmtpError(f"the mail server {s.host}:{s.port} does not offer STARTTLS; "
                                    "set smtp_starttls to no only for a server inside your own "
                                    "network")
                conn.starttls(context=tls_context or ssl.create_default_context())
                conn.ehlo()
    except (ssl.SSLError, ssl.CertificateError) as e:
        raise SmtpError(f"a secure connection to {s.host}:{s.port} failed ({e}); check "
                        "smtp_port (587 with STARTTLS, 465 for SSL)") from None
    except (OSError, smtplib.SMTPException) as e:
        raise _Transient(f"cannot reach the mail server {s.host}:{s.port} ({e})") from None
    if s.user:
        _login(conn, s)
    return conn


def _login(conn: smtplib.SMTP, s: SmtpSettings) -> None:
    """Log in; a refusal is the settings' fault, never worth a retry."""
    try:
        conn.login(s.user, s.password)
    except smtplib.SMTPAuthenticationError as e:
        raise SmtpError(f"the mail server {s.host} refused the login of {s.user!r} "
                        f"({e.smtp_code} {_said(e.smtp_error)}); check smtp_user and "
                        f"{PASSWORD_VARIABLE}") from None
    except (smtplib.SMTPServerDisconnected, OSError):
        # Some servers hang up on a wrong password instead of answering 535.
        raise SmtpError(f"the mail server {s.host} refused the login of {s.user!r} (it closed "
                        f"the connection); check smtp_user and {PASSWORD_VARIABLE}") from None
    except smtplib.SMTPNotSupportedError:
        raise SmtpError(f"the mail server {s.host}:{s.port} does not allow a login here "
                        "(it may need STARTTLS first)") from None


def _said(raw) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _hand_over(conn: smtplib.SMTP, sender: str, to: str, data: bytes) -> None:
    """MAIL, RCPT, DATA: before DATA nothing was delivered, so errors there are safe to
    retry; a connection lost during DATA leaves the message's fate unknown."""
    try:
        code, said = conn.mail(sender)
        if code != 250:
            raise (_Transient if 400 <= code < 500 else _Refused)(f"{code} {_said(said)}")
        code, said = conn.rcpt(to)
        if code not in (250, 251):
            conn.rset()
            raise (_Transient if 400 <= code < 500 else _Refused)(
                f"recipient {to} refused: {code} {_said(said)}")
    except (smtplib.SMTPServerDisconnected, OSError) as e:
        raise _Transient(f"connection lost ({e})") from None
    try:
        conn.data(data)
    except smtplib.SMTPDataError as e:  # the server answered: it did not take the message
        raise (_Transient if 400 <= e.smtp_code < 500 else _Refused)(
            f"{e.smtp_code} {_said(e.smtp_error)}") from None
    except (smtplib.SMTPServerDisconnected, OSError) as e:
        raise _Uncertain(f"connection lost while handing the message over ({e})") from None


def send_outbox(outbox: Sequence[Outgoing], smtp: SmtpSettings | None, store,
                batch_records: dict[str, str], really: bool = False,
                resend_uncertain: bool = False, progress: Progress = no_progress,
                tls_context: ssl.SSLContext | None = None,
                sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.monotonic) -> SendResult:
    """Send (or, by default, only say what would be sent) every message of *outbox*.

    *batch_records* maps the idempotency keys already in the store for this batch
    to their action (see :func:`xlar.letters.history.batch_records`).  Letters
    to post (no recipient, action ``letter_posted``) are recorded as posted when
    *really* is True.  *store* records claims, sendings and failures.
    """
    result = SendResult([], [], [], [], [], [], not really)
    todo: list[tuple[Outgoing, int]] = []
    for out in outbox:
        done = batch_records.get(out.key)
        if done:
            result.skipped.append((out.key, f"{_who(out)}: {done.replace('_', ' ')} earlier"))
            continue
        tries = sorted(int(k.rsplit("try", 1)[1]) for k in batch_records
                       if k.startswith(out.key + ":try") and k.rsplit("try", 1)[1].isdigit())
        last = tries[-1] if tries else 0
        if last and f"{out.key}:failed{last}" not in batch_records and not resend_uncertain:
            result.uncertain.append((out.key, f"{_who(out)}: the run stopped while this message "
                                              "was being handed to the mail server; it may "
                                              "have arrived. Check the server's log, then send "
                                              "again with resend_uncertain (--resend-uncertain)"))
            continue
        todo.append((out, last + 1))
    if not really:
        for out, _ in todo:
            verb = "would record as posted" if out.action == "letter_posted" else \
                f"would send to {out.to}"
            result.would_send.append((out.key, f"{_who(out)}: {verb}"))
        return result
    mails = [(o, n) for o, n in todo if o.action != "letter_posted"]
    for out, _ in todo:
        if out.action == "letter_posted":
            store.record("letter_posted", out.key, out.customer_id, "", out.amount_cents,
                         out.currency, out.payload or {})
            result.posted.append((out.key, f"{_who(out)}: recorded as posted"))
    if not mails:
        return result
    if smtp is None or not smtp.host:
        raise SmtpError("no mail server: set smtp_host on the Settings sheet or give --smtp "
                        "HOST:PORT")
    if not smtp.sender:
        raise SmtpError("no sender address: set smtp_from (or company_email) on the Settings "
                        "sheet")
    if smtp.user and not smtp.password:
        from xlar.credentials import SMTP, where_to_put

        raise SmtpError(f"smtp_user is set but {PASSWORD_VARIABLE} is not, nor is a password "
                        f"in the system keyring: {where_to_put(SMTP, smtp.host, smtp.user)} (it "
                        "is never kept in the workbook)")
    gap = 60.0 / smtp.rate_per_minute
    conn: smtplib.SMTP | None = None
    last_start: float | None = None
    unreachable = ""
    try:
        for i, (out, attempt) in enumerate(mails):
            if unreachable:
                result.failed.append((out.key, f"{_who(out)}: not sent: {unreachable}"))
                continue
            progress(i, len(mails), f"sending {out.to}")
            data = Path(out.eml).read_bytes()
            n = attempt
            for tries_left in range(smtp.retries, 0, -1):
                if last_start is not None:
                    wait = gap - (clock() - last_start)
                    if wait > 0:
                        sleep(wait)
                last_start = clock()
                try:
                    if conn is None:
                        conn = _connect(smtp, tls_context)  # SmtpError: settings, stop
                except _Transient as e:
                    if tries_left == 1:
                        unreachable = f"{e}, {smtp.retries} tries"
                        result.failed.append((out.key, f"{_who(out)}: not sent: {unreachable}"))
                    else:
                        sleep(min(2.0 ** (smtp.retries - tries_left), 10.0))
                    continue
                # The claim comes first: if the run dies while the server takes the
                # message, the next run knows not to send it blindly again.
                store.record("letter_sending", f"{out.key}:try{n}", out.customer_id,
                             payload={"to": out.to, "try": n})
                try:
                    _hand_over(conn, smtp.sender, out.to, data)
                except _Transient as e:
                    store.record("letter_send_failed", f"{out.key}:failed{n}", out.customer_id,
                                 payload={"to": out.to, "try": n, "error": str(e)})
                    conn = _drop(conn)
                    n += 1
                    if tries_left == 1:
                        result.failed.append((out.key, f"{_who(out)}: not sent after "
                                                       f"{smtp.retries} tries ({e})"))
                    else:
                        sleep(min(2.0 ** (smtp.retries - tries_left), 10.0))
                    continue
                except _Refused as e:
                    store.record("letter_send_failed", f"{out.key}:failed{n}", out.customer_id,
                                 payload={"to": out.to, "try": n, "error": str(e),
                                          "final": True})
                    result.failed.append((out.key, f"{_who(out)}: refused by the mail server "
                                                   f"({e})"))
                    break
                except _Uncertain as e:
                    conn = _drop(conn)
                    result.uncertain.append((out.key, f"{_who(out)}: {e}; it may have arrived, "
                                                      "so it is not sent again on its own"))
                    break
                payload = dict(out.payload or {}) | {"to": out.to, "try": n,
                                                     "sent_at": dt.datetime.now(dt.UTC)
                                                     .isoformat(timespec="seconds")}
                store.record(out.action, out.key, out.customer_id, "", out.amount_cents,
                             out.currency, payload)
                result.sent.append((out.key, f"{_who(out)}: sent to {out.to}"))
                break
        progress(len(mails), len(mails), "sent")
    finally:
        _drop(conn, polite=True)
    return result


def _drop(conn: smtplib.SMTP | None, polite: bool = False) -> None:
    if conn is None:
        return None
    try:
        if polite:
            conn.quit()
        else:
            conn.close()
    except (smtplib.SMTPException, OSError):
        pass
    return None


def _who(out: Outgoing) -> str:
    p = out.payload or {}
    head = " ".join(x for x in (out.customer_id, p.get("customer_name") or p.get("partner"))
                    if x)
    what = p.get("letter_name")
    return f"{head} ({what})" if what else head


def read_message(path: Path) -> EmailMessage:
    """An .eml file back as a message (for checks and tests)."""
    with open(path, "rb") as fh:
        return BytesParser(policy=default_policy).parse(fh)
