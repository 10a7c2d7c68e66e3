"""One progress callback for every long action.

An action calls ``progress(done, total, message)`` as it goes; the CLI shows
it as a rich progress bar, the ribbon in Excel's status bar.  ``total`` may be
0 when unknown.  The callback must be cheap: actions call it at most every few
thousand rows.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress", "no_progress"]


class Progress(Protocol):
    def __call__(self, done: int, total: int, message: str) -> None: ...


def no_progress(done: int, total: int, message: str) -> None:
    """The progress callback that shows nothing."""
