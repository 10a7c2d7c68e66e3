"""User-level actions: one registry for the Excel ribbon and the command line.

An action is a plain function ``fn(port, progress, **options) -> Outcome`` over
a workbook port (:mod:`xlar.workbench.port`): it reads tables and settings,
calls the engine, writes tables, and says what happened: one sentence for a
message box, and detail lines the CLI prints (the Run Log keeps them too).  The
ribbon runs it on the book open in Excel (:func:`xlar.excel.run`), the CLI on a
file (:func:`run_on_file`); both by the same name.

Later capabilities (cash application, adjustments, letters, notes) add their
actions with :func:`action`; the ribbon plumbing does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from xlar.progress import Progress, no_progress

__all__ = ["Action", "Outcome", "REGISTRY", "action", "run", "run_on_file", "registry",
           "RIBBON_GROUPS", "UnknownAction"]

#: Ribbon groups, in the order the AR tab shows them.
RIBBON_GROUPS = ("Aging", "Cash", "Adjustments", "Letters", "Notes")


class UnknownAction(KeyError):
    def __str__(self) -> str:
        return f"there is no action {self.args[0]!r}; actions are {', '.join(sorted(REGISTRY))}"


class Outcome(NamedTuple):
    """What an action did: a sentence for the user, and detail lines."""

    message: str
    details: tuple[str, ...] = ()


class Action(NamedTuple):
    """A registered action.

    Attributes:
      name: registry name, used by the ribbon's VBA (``RunAction "refresh_aging"``).
      label: button label on the ribbon.
      group: ribbon group (one of :data:`RIBBON_GROUPS`).
      command: the CLI command that runs it (``xlar refresh``).
      image: Office imageMso icon of the button.
      help: the screentip: one sentence a specialist understands.
      fn: the function.
      asks: what the button asks for before running: "" (nothing) or "file"
        (an open-file dialog; the path is passed as ``file=``).
      file_filter: for "file", the dialog's filter (Excel GetOpenFilename form).
      rewrites: sheets the action replaces whole; a workbook file need not load
        their cells (xlar.workbench.bigsheets).
    """

    name: str
    label: str
    group: str
    command: str
    image: str
    help: str
    fn: Callable[..., Outcome]
    asks: str = ""
    file_filter: str = ""
    rewrites: tuple[str, ...] = ()


REGISTRY: dict[str, Action] = {}


def action(name: str, label: str, group: str, command: str, image: str, help: str,
           asks: str = "", file_filter: str = "", rewrites: tuple[str, ...] = ()):
    """Register ``fn(port, progress, **options) -> Outcome`` under *name*."""
    if group not in RIBBON_GROUPS:
        raise ValueError(f"action {name!r}: group must be one of {RIBBON_GROUPS}")

    def register(fn):
        if name in REGISTRY:
            raise ValueError(f"action {name!r} registered twice")
        REGISTRY[name] = Action(name, label, group, command, image, help, fn, asks, file_filter,
                                rewrites)
        return fn

    return register


def run(name: str, port, progress: Progress = no_progress, **options) -> Outcome:
    """Run action *name* on *port*."""
    _load_actions()
    try:
        act = REGISTRY[name]
    except KeyError:
        raise UnknownAction(name) from None
    return act.fn(port, progress, **options)


def run_on_file(name: str, path: str | Path, progress: Progress = no_progress,
                **options) -> Outcome:
    """Run an action on a workbook file and save it atomically (CLI, nightly jobs)."""
    from xlar.workbench.port import XlsxPort

    act = registry().get(name)
    port = XlsxPort(path, rewrites=act.rewrites if act else ())
    outcome = run(name, port, progress, **options)
    port.save()
    return outcome


def _load_actions() -> None:
    """Import the modules that register actions (kept lazy: the CLI starts fast)."""
    import xlar.adjustments.sheets  # noqa: F401
    import xlar.cashapp.workbook  # noqa: F401
    import xlar.letters.actions  # noqa: F401
    import xlar.reports.management  # noqa: F401
    import xlar.workbench.accounts  # noqa: F401
    import xlar.workbench.actions  # noqa: F401


def registry() -> dict[str, Action]:
    _load_actions()
    return REGISTRY
