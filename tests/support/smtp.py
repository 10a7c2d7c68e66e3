"""A real SMTP server on 127.0.0.1 for the tests: aiosmtpd, in this process.

    with MailServer() as server:             # plain SMTP on a free port
        ...send to server.port...
        server.messages                       # [(envelope recipients, EmailMessage)], in order

``MailServer(tls_cert=..., tls_key=..., users={"ana": "s3cret"})`` offers STARTTLS and
requires it, then a login, as a company's mail server does.  ``hold_after=n`` makes
the server stop, before answering, on the message after the *n*-th it accepted, until
``server.release`` is set: the client then waits for the answer to DATA, which is
where a sender killed half-way leaves a message whose fate it cannot know.  The held
message is kept (the server took it), as a real server would.  ``rcpt_replies`` gives,
per recipient, answers to RCPT to use first ("451 try later", "550 no such user").
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, server: MailServer):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):  # noqa: N802
        replies = self.server.rcpt_replies.get(address)
        if replies:
            return replies.pop(0)  # e.g. "451 try again later", "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 - aiosmtpd's name
        import asyncio

        s = self.server
        msg = message_from_bytes(envelope.content, policy=default)
        with s.lock:
            s.messages.append((list(envelope.rcpt_tos), msg))
            count = len(s.messages)
        if s.hold_after is not None and count == s.hold_after + 1:
            s.held.set()
            while not s.release.is_set():
                await asyncio.sleep(0.02)
        return "250 OK"


class MailServer:
    def __init__(self, tls_cert: str | None = None, tls_key: str | None = None,
                 users: dict[str, str] | None = None, hold_after: int | None = None,
                 rcpt_replies: dict[str, list[str]] | None = None):
        self.port = free_port()
        self.rcpt_replies = rcpt_replies or {}
        self.messages: list = []
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self.hold_after = hold_after
        self.held = threading.Event()
        self.release = threading.Event()
        kwargs = {}
        if tls_cert:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(tls_cert, tls_key)
            kwargs.update(tls_context=ctx, require_starttls=True)
        if users is not None:
            def authenticate(server, session, envelope, mechanism, auth_data):
                ok = isinstance(auth_data, LoginPassword) and \
                    users.get(auth_data.login.decode()) == auth_data.password.decode()
                if ok:
                    self.logins.append(auth_data.login.decode())
                return AuthResult(success=ok, handled=False)  # False: answer 535

            kwargs.update(authenticator=authenticate, auth_required=True,
                          auth_require_tls=bool(tls_cert))
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     **kwargs)

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < end:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} messages arrived"


def self_signed(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1 (and a client context that trusts it), via openssl."""
    import subprocess

    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
    return cert, key
