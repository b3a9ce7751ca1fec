"""Calibration checks of the Edinburgh cases against the seed's figures."""

from __future__ import annotations

import numpy as np

from commonfuture import simulate
from commonfuture.scenario.load import shipped

NOVEMBER_2015 = 26  # month 0 = September 2013
RAISED_BY_NOVEMBER_2015 = 840_000.0  # GBP, "more than" (edinburghnews.scotsman.com)


def test_community_solar_subscription_path_covers_the_facts():
    """The offer issues 541 shares (GBP 1.5m at the mean holding) and closes when they are
    taken; how fast they are taken comes from the model's diffusion. By late November
    2015 (month 26) more than GBP 840,000 had been raised: the replicate band of buyers
    then covers that figure, and the issue is taken before the offer's last month."""
    sc = shipped("edinburgh/community-solar")
    res = simulate(sc, seed=11, replicates=16, overrides={"months": 40})
    offer = next(p for p in sc.propositions if p.holding is not None)
    m = res.monthly
    buyers = m.groupby("replicate")[f"uptake.{offer.name}"].cumsum()
    at_nov = buyers[m["month"] == NOVEMBER_2015].to_numpy()
    lo, hi = np.percentile(at_nov, [5, 95])
    assert lo <= RAISED_BY_NOVEMBER_2015 / offer.price <= hi, (lo, hi)
    final = buyers[m["month"] == offer.end_month - 1].to_numpy()
    assert (final == offer.issue).mean() > 0.9, final
    capital = res.final()["capital_raised"].to_numpy()
    assert np.allclose(capital, offer.issue * offer.price)


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
