"""``python -m arb``: the same as the ``arb`` command."""

from arb.cli import run

run()
