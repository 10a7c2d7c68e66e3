"""The one error type of letters: something the specialist can fix, said in a sentence.

Missing LibreOffice, a broken template, mail settings that cannot work, a Letters
sheet that is not there: the CLI prints the message and the ribbon shows it in a
message box, without a traceback.
"""

from __future__ import annotations

__all__ = ["LetterError"]


class LetterError(ValueError):
    """A letter batch that cannot be made or sent; the message says why and what to do."""
