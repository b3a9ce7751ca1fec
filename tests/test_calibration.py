"""Calibration checks of the Edinburgh cases against the seed's figures."""

from __future__ import annotations

import numpy as np

from commonfuture import simulate
from commonfuture.scenario.load import shipped

SHARE_BUYERS = 541  # the seed
CAPITAL = 1.5e6  # GBP, the seed


def test_community_solar_covers_541_buyers_and_1_5m():
    sc = shipped("edinburgh/community-solar")
    res = simulate(sc, seed=11, replicates=16, overrides={"months": 40})
    fin = res.final()
    offer = next(p for p in sc.propositions if p.holding is not None)
    buyers = res.monthly.groupby("replicate")[f"uptake.{offer.name}"].sum().to_numpy()
    capital = fin["capital_raised"].to_numpy()
    lo, hi = np.percentile(buyers, [5, 95])
    assert lo <= SHARE_BUYERS <= hi, (lo, hi)
    lo, hi = np.percentile(capital, [5, 95])
    assert lo <= CAPITAL <= hi, (lo, hi)


def test_carbon_literacy_forms_then_is_disrupted_in_most_replicates():
    sc = shipped("edinburgh/carbon-literacy")
    res = simulate(sc, seed=11, replicates=16)
    g = res.monthly.groupby("replicate")
    formed = g["stage"].max() >= 1
    withdrawal = next(e.month for e in sc.events if e.kind == "leader_withdraws")
    before = res.monthly[res.monthly["month"] < withdrawal].groupby("replicate")["stage"].max()
    disrupted = g["disruptions"].sum() >= 1
    ended = g["stage"].last() == 0
    story = formed & (before >= 1) & disrupted & ended
    assert story.mean() > 0.5, story.mean()
