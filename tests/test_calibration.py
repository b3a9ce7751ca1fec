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


def test_active_travel_path_rises_to_the_2019_figure_without_a_boom_and_bust():
    """The share of residents committed rises with the budget and, in 2019 (months
    100-111), its median is within five points of the 24% who cycle weekly (Bike Life
    2019); the median path never falls back more than two points from its highest (a boom
    and bust, as when outreach counted every committed resident, fails both)."""
    from commonfuture.patterns.case_paths import TRAVEL_2019

    sc = shipped("edinburgh/active-travel")
    res = simulate(sc, seed=11, replicates=16)
    m = res.monthly
    share = m["members_citizens"] / sc.population.counts.citizens
    lo_m, hi_m = TRAVEL_2019
    in_2019 = share[(m["month"] >= lo_m) & (m["month"] <= hi_m)].groupby(m["replicate"]).mean()
    assert abs(np.median(in_2019) - 0.24) <= 0.05, np.median(in_2019)
    median = share.groupby(m["month"]).median().to_numpy()
    assert (np.maximum.accumulate(median) - median).max() <= 0.02
