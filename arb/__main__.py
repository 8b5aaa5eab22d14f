"""``python -m arb``: the same as the ``arb`` command."""

from arb.start import run

run()
