"""xlar: an accounts-receivable toolkit that lives inside Excel.

The engine (``xlar.aging``, ``xlar.imports``, ``xlar.terms`` ...) is plain
Python over pandas DataFrames and runs anywhere; ``xlar.workbench`` writes
and refreshes the AR workbench workbook; ``xlar.cli`` is the command line.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("xlar")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
