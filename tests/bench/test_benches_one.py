"""The first half of the benchmarks, each run at its smallest size (tests/bench/smoke.py)."""

import pytest

from .smoke import HALVES, check_bench

# The test database must exist (it is the template); the benches' own databases are copies of it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.heavy(10)
@pytest.mark.parametrize("script", HALVES[0], ids=[p.stem for p in HALVES[0]])
def test_the_bench_runs_at_its_smallest_size_and_stops_what_it_started(script, template, tmp_path):
    check_bench(script, template, tmp_path)
