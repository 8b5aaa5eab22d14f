"""``python -m arb``: the same as the ``arb`` command."""

from arb.cli import main

main()
