"""Passwords for the mail server and the team's database: the environment or the OS keyring.

A password is never a setting, never a cell of the workbench, never part of a URL xlar
keeps, and never written to the activity store or a log.  It is looked up when a
connection is made, first match wins:

1. the environment variable (``XLAR_SMTP_PASSWORD``, ``XLAR_DB_PASSWORD``): what a
   nightly job or a CI run sets;
2. the operating system's keyring (Windows Credential Manager, macOS Keychain, the
   Secret Service on Linux) when the optional ``keyring`` package is installed: what a
   specialist's own machine uses.  Store it once with::

       keyring set xlar-smtp:mail.example.com ana
       keyring set xlar-db:dbhost collections

   (service ``xlar-smtp:HOST`` or ``xlar-db:HOST``, user name = the login).

Settings that carry a password anyway (a ``db_url`` typed as
``postgresql://user:secret@host/db``) lose it when read (:func:`without_password`),
so the next save of the workbench no longer holds it.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

__all__ = ["Credential", "SMTP", "DATABASE", "password", "without_password", "where_to_put"]


class Credential(NamedTuple):
    """Where one kind of password is looked up.

    Attributes:
      variable: the environment variable.
      service: the keyring service name, before ``:HOST``.
    """

    variable: str
    service: str


SMTP = Credential("XLAR_SMTP_PASSWORD", "xlar-smtp")
DATABASE = Credential("XLAR_DB_PASSWORD", "xlar-db")


def _from_keyring(service: str, user: str) -> str:
    try:
        import keyring
    except ImportError:
        return ""
    try:
        return keyring.get_password(service, user) or ""
    except Exception:  # no keyring backend on this machine (a server, a container): no password
        return ""


def password(credential: Credential, host: str, user: str) -> str:
    """The password of *user* on *host*: the environment, else the keyring, else ''."""
    found = os.environ.get(credential.variable, "")
    if found or not user:
        return found
    return _from_keyring(f"{credential.service}:{host}", user)


def where_to_put(credential: Credential, host: str, user: str) -> str:
    """The sentence telling a user where the password goes."""
    return (f"set {credential.variable} in the environment, or store it in the system "
            f"keyring (keyring set {credential.service}:{host} {user})")


_URL_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://[^:/@?#]*):[^@/?#]*@")


def without_password(url: str) -> tuple[str, bool]:
    """*url* without a password in it, and whether it had one."""
    clean = _URL_PASSWORD.sub(r"\1@", url or "")
    return clean, clean != (url or "")
