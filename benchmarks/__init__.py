"""Benchmarks for ``arb``: ``python -m benchmarks.run [--smoke] [--json PATH]``.

Every input here is synthetic test data made by :mod:`benchmarks.synthetic`; no figure is a
real deal or a real price.
"""
