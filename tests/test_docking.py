"""Docking (Axtell et al. 1996): the fast engine and the Mesa reference agree in distribution.

For every shipped scenario, at a small size, the two engines' replicate
distributions of the main outputs are compared with two-sample
Kolmogorov-Smirnov tests. Family-wise significance level 1%, Bonferroni-corrected
over all scenarios and outputs. A deliberately changed rule must be detected.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from commonfuture import simulate
from commonfuture.reference import run_reference
from commonfuture.scenario.load import load_scenario, scenarios_dir
from commonfuture.simulation import to_frame

FAMILY_ALPHA = 0.01
REPLICATES = 16
# small sizes: (scale, months) per scenario, so the Mesa engine runs in seconds
SIZES = {
    "generic": (1.0, 60),
    "carbon-literacy": (1.0, 48),
    "community-solar": (0.25, 48),
    "active-travel": (0.1, 72),
}
SCENARIOS = sorted(scenarios_dir().rglob("*.toml"))
OUTPUTS = (
    "final members",
    "months to stage 1",
    "months to stage 2",
    "months to stage 3",
    "value created",
    "value destroyed",
)
ALPHA = FAMILY_ALPHA / (len(SCENARIOS) * len(OUTPUTS))


def outputs(monthly):
    g = monthly.groupby("replicate")
    horizon = int(monthly["month"].max())
    out = {
        "final members": g["members"].last().to_numpy(),
        "value created": g["value_created"].sum().to_numpy(),
        "value destroyed": g["value_destroyed"].sum().to_numpy(),
    }
    reps = np.sort(monthly["replicate"].unique())
    for k in (1, 2, 3):
        first = monthly[monthly["stage"] >= k].groupby("replicate")["month"].min()
        out[f"months to stage {k}"] = first.reindex(reps).fillna(horizon + 1).to_numpy()
    return out


def both(path, mutation=None):
    sc = load_scenario(path)
    scale, months = SIZES.get(path.stem, (0.1, 36))
    sc = sc.model_copy(update={"months": months})
    fast = simulate(sc, seed=2024, replicates=REPLICATES, scale=scale)
    arrays, _, _, _ = run_reference(
        fast.scenario, seed=9000, replicates=range(REPLICATES), mutation=mutation
    )
    return outputs(fast.monthly), outputs(to_frame(arrays, list(range(REPLICATES))))


def pvalue(a, b):
    if np.array_equal(np.unique(a), np.unique(b)) and len(np.unique(a)) == 1:
        return 1.0  # both constant and equal
    return stats.ks_2samp(a, b).pvalue


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_engines_agree_in_distribution(path):
    fast, mesa = both(path)
    for name in OUTPUTS:
        p = pvalue(fast[name], mesa[name])
        assert p > ALPHA, f"{path.stem}: {name} differs (KS p = {p:.2g}, alpha {ALPHA:.2g})"


def test_docking_detects_a_changed_rule():
    path = scenarios_dir() / "generic.toml"
    fast, mesa = both(path, mutation="no_erosion")
    p = min(pvalue(fast[name], mesa[name]) for name in OUTPUTS)
    assert p < ALPHA, "removing commitment erosion in one engine went unnoticed"
