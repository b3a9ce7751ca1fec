"""Results do not depend on the number of threads: the same scenario run with 1, 2 and
4 threads (numba's pool set to 4 by ``NUMBA_NUM_THREADS``, whatever the machine's
cores) gives the same bytes, set-up and months alike; ``COMMONFUTURE_THREADS`` and
``set_threads`` choose the count."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from commonfuture import parallel

ROOT = Path(__file__).resolve().parents[1]

# Runs the generic scenario at a size above parallel.PARALLEL_MIN (so the loops run on
# every thread asked for, over several chunks of actors), with each thread count given,
# and prints a digest of every byte of the monthly measures and of the final state.
CHILD = r"""
import hashlib, json, sys
import numpy as np
from commonfuture import load_scenario
from commonfuture import parallel
from commonfuture.simulation import Run

sc = load_scenario(sys.argv[1]).model_copy(update={"months": int(sys.argv[2])})
actors, replicates, base = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[6])
out = {"pool": parallel.pool_size(), "default": parallel.threads(), "runs": []}
for k in [int(x) for x in sys.argv[5].split(",")]:
    if k > 0:
        parallel.set_threads(k)
    run = Run(sc, seed=5, replicates=replicates, scale=actors / base)
    h = hashlib.sha256()
    st = run.state
    for name in ("profile", "expectation", "threshold", "floor", "resources", "burden",
                 "exploiter", "degree"):
        h.update(np.ascontiguousarray(getattr(st, name)).tobytes())
    h.update(st.ties.indptr.tobytes()); h.update(st.ties.indices.tobytes())
    h.update(st.ties.data.tobytes())
    setup = h.hexdigest()
    run.run()
    for name in ("status", "commitment", "trust", "signal", "accumulated", "stage", "target"):
        h.update(np.ascontiguousarray(getattr(st, name)).tobytes())
    for v in run.arrays().values():
        h.update(np.ascontiguousarray(v).tobytes())
    members = int(run.arrays()["members"][-1].sum())
    out["runs"].append({"threads": parallel.threads(), "setup": setup, "all": h.hexdigest(),
                        "members": members})
print(json.dumps(out))
"""


def _child(
    threads: str,
    actors: int,
    replicates: int = 1,
    months: int = 12,
    env=None,
    scenario: str = "generic.toml",
    base: int = 630,
) -> dict:
    """Run ``scenario`` (``base`` actors at scale 1) at about ``actors`` actors."""
    e = dict(os.environ)
    e.pop(parallel.ENV, None)
    e["NUMBA_NUM_THREADS"] = "4"
    e["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + e.get("PYTHONPATH", "")
    e.update(env or {})
    args = [ROOT / "scenarios" / scenario, months, actors, replicates, threads, base]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, args)],
        capture_output=True,
        text=True,
        env=e,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_one_replicate_same_bytes_with_1_2_and_4_threads():
    got = _child("1,2,4,1", actors=90_000)
    assert got["pool"] == 4
    runs = got["runs"]
    assert [r["threads"] for r in runs] == [1, 2, 4, 1]
    assert runs[0]["members"] > 0  # the collaboration did something worth comparing
    assert len({r["setup"] for r in runs}) == 1
    assert len({r["all"] for r in runs}) == 1


def test_replicates_together_same_bytes_with_1_and_4_threads():
    runs = _child("1,4", actors=30_000, replicates=3, months=8)["runs"]
    assert len({r["all"] for r in runs}) == 1


def test_linked_returns_same_bytes_with_1_and_4_threads():
    """Community Solar to its first return (month 36): share returns linked to a yearly
    generation factor drawn per replicate and period, the same whatever the threads."""
    runs = _child(
        "1,4",
        actors=36_000,
        replicates=2,
        months=37,
        scenario="edinburgh/community-solar.toml",
        base=4020,
    )["runs"]
    assert runs[0]["members"] > 0
    assert len({r["all"] for r in runs}) == 1


def test_environment_variable_sets_the_default_and_results_agree():
    four = _child("0", actors=90_000, env={parallel.ENV: "4"})
    one = _child("0", actors=90_000, env={parallel.ENV: "1"})
    assert four["default"] == 4 and one["default"] == 1
    assert four["runs"][0]["threads"] == 4 and one["runs"][0]["threads"] == 1
    assert four["runs"][0]["all"] == one["runs"][0]["all"]


def test_thread_count_is_checked(monkeypatch):
    monkeypatch.setenv(parallel.ENV, "0")
    with pytest.raises(ValueError, match="at least 1"):
        parallel.default_threads()
    monkeypatch.setenv(parallel.ENV, "many")
    with pytest.raises(ValueError, match="whole number"):
        parallel.default_threads()
    monkeypatch.setenv(parallel.ENV, "3")
    assert parallel.default_threads() == 3
    monkeypatch.delenv(parallel.ENV)
    assert parallel.default_threads() == parallel.cores()
    with pytest.raises(ValueError):
        parallel.set_threads(0)


def test_small_runs_stay_on_one_thread_and_restore_the_count():
    import numba

    was = numba.get_num_threads()
    with parallel.sized(parallel.PARALLEL_MIN - 1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == was
