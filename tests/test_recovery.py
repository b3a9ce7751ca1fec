"""Parameter recovery on the three Edinburgh cases, each with the kinds of figures its
real records are (commonfuture.calibration.recovery): a quick fit at a known truth per
case, and (make validate) simulation-based calibration with truths drawn from the prior,
which also prints the identifiability table of docs/calibration-of-records.md."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from commonfuture.calibration.abc import LEARNED_LITTLE
from commonfuture.calibration.recovery import CASES, recover, study

#: population scale of each case in these tests (runs of a few hundred actors)
SCALES = {"community-solar": 0.1, "active-travel": 0.05, "carbon-literacy": 1.0}
#: the parameter each case's figures pin down best (docs: identifiability table)
PINNED = {
    "community-solar": "population.threshold_mean",
    "active-travel": "population.threshold_mean",
    "carbon-literacy": "leadership.alignment",
}
#: a finding: since small wins became milestones in each chain and members judge against
#: what they were promised, Community Solar's records no longer narrow any parameter in
#: the quick fit (posterior sd 0.89-1.08 of the prior's); recorded as an expected failure,
#: strict, so that the test says when they narrow it again
NOT_PINNED = {"community-solar"}


@pytest.mark.parametrize("name", list(CASES))
def test_quick_recovery(tmp_path, name):
    """A small fit (20 particles, 2 generations) to figures simulated at the case's
    stated values: every truth lies in its 90% interval, and the parameter the figures
    pin down best is narrower than its prior (posterior sd below 85% of the prior's, where
    the diagnostics stop calling it about as wide as the prior)."""
    case = CASES[name]
    post, targets = recover(
        case,
        case.truth,
        seed=1,
        workdir=tmp_path,
        scale=SCALES[name],
        population=20,
        generations=2,
    )
    assert len(targets.table) >= 4
    table = post.table().set_index("parameter")
    for path, truth in case.truth.items():
        r = table.loc[path]
        assert r["q05"] <= truth <= r["q95"], (path, truth, r.to_dict())
    if name in NOT_PINNED:
        return
    assert table.loc[PINNED[name], "sd_ratio"] < LEARNED_LITTLE, table["sd_ratio"].to_dict()


@pytest.mark.xfail(
    strict=True,
    reason="Community Solar's records no longer narrow its pinned parameter in a quick fit "
    "(a finding, docs/calibration-of-records.md)",
)
@pytest.mark.parametrize("name", sorted(NOT_PINNED))
def test_quick_recovery_narrows_the_pinned_parameter(tmp_path, name):
    """The quick fit of :func:`test_quick_recovery` narrows the parameter the case's
    figures used to pin down best (expected to fail: see NOT_PINNED)."""
    post, _ = recover(
        CASES[name],
        CASES[name].truth,
        seed=1,
        workdir=tmp_path,
        scale=SCALES[name],
        population=20,
        generations=2,
    )
    table = post.table().set_index("parameter")
    assert table.loc[PINNED[name], "sd_ratio"] < LEARNED_LITTLE, table["sd_ratio"].to_dict()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_simulation_based_calibration_per_case(tmp_path, name):
    """Fits with truths drawn from the prior: for every parameter the count of truths in
    the 90% interval is consistent with 90% (binomial, 1% level) and the truth's rank
    among 99 posterior draws is uniform (chi-square on 5 bins, 1% level); the table of
    narrowing per parameter is printed."""
    n = 16
    res = study(CASES[name], n, tmp_path, scale=SCALES[name], population=40, generations=3)
    for r in res.itertuples(index=False):
        counts = np.histogram(r.ranks, bins=5, range=(0, 100))[0]
        p = stats.chisquare(counts).pvalue
        print(
            f"| {name} | {r.parameter} | {r.inside} of {r.n} | {r.sd_ratio:.2f} | "
            f"{counts.tolist()} (p = {p:.2f}) |"
        )
        assert stats.binom.cdf(r.inside, r.n, 0.9) > 0.01, (r.parameter, r.inside)
        assert p > 0.01, (r.parameter, counts)
