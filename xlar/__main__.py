"""``python -m xlar``: the same as the ``xlar`` command."""

from xlar.cli import main

main()
