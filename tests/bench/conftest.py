"""Benchmarks run in one process, one after another.

pytest.ini asks for `-n auto`; with xdist the workers' output never reaches the
terminal (so `-s` would print nothing) and two benchmarks would compete for the
same CPUs. Asking xdist for zero automatic workers turns it off for tests/bench
only (this conftest is loaded before xdist decides, because tests/bench is the
path on the command line). An explicit `-n 2` still wins.
"""
from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config):
    return 0
