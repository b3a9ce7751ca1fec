"""Case paths inside the facts: the public facts of each Edinburgh case drawn over the
model's replicate bands (docs/calibration.md).

``python -m commonfuture.patterns.case_paths -o DIR`` runs the three cases as
``make demo`` does (its seed and replicates) and writes ``DIR/paths-*.png`` and
``DIR/case-paths.json`` with the figures quoted in docs/calibration.md.

- Community Solar: share buyers by month since the offer's launch (buyers are
  capital raised over the price of a holding), with the seed's 541 buyers and the
  more than GBP 840,000 raised by late November 2015;
  residents committed by 2020 against the co-op's 683 members then (which
  include a second offer the scenario does not model, so the model must stay
  below).
- Carbon Literacy: the stage over time; months in stage 3 per run.
- Active Travel: the share of modelled residents committed against the 7% of
  adults who usually cycle to work or study and the 24% who cycle weekly (2019),
  and the model's monthly budget (as a share of the transport budget, 2012/13's
  being 5%) against the facts' rising share.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from commonfuture.writing import dumps, write_json

#: month 0 of Community Solar is September 2013; 2020 spans months 76-87
SOLAR_2020 = (76, 87)
#: late November 2015, two months after the offer's launch (month 24): more than GBP
#: 840,000 raised (edinburghnews.scotsman.com), as share buyers at the mean holding
SOLAR_NOVEMBER_2015 = (26, 840_000.0)
#: month 0 of Active Travel is the plan's approval, September 2010
TRAVEL_START_YEAR = 2010.7
#: 2019 (Bike Life's survey year) spans months 100-111 of Active Travel
TRAVEL_2019 = (100, 111)


def _band(ax, m: pd.DataFrame, col: str, colour: str, label: str, x=None) -> None:
    g = m.groupby("month")[col]
    q = g.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    xs = q.index.to_numpy() if x is None else x(q.index.to_numpy())
    ax.fill_between(xs, q[0.05], q[0.95], color=colour, alpha=0.15, lw=0, label="5-95%")
    ax.fill_between(xs, q[0.25], q[0.75], color=colour, alpha=0.3, lw=0, label="25-75%")
    ax.plot(xs, q[0.5], color=colour, lw=2, label=f"{label} (median)")


def _finish(fig, axes, title: str, path: Path) -> None:
    """Open the axes' top and right, title the figure, save it and close it."""
    import matplotlib.pyplot as plt

    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def share_buyers(monthly: pd.DataFrame, offer) -> pd.Series:
    """Share buyers so far, each month of each replicate: the holding offer's uses."""
    return monthly[f"uptake.{offer.name}"].groupby(monthly["replicate"]).cumsum()


def community_solar(res, out: Path) -> dict:
    import matplotlib.pyplot as plt

    sc = res.scenario
    offer = next(p for p in sc.propositions if p.holding is not None)
    m = res.monthly.copy()
    m["buyers"] = share_buyers(m, offer)
    start = offer.start_month
    sub = m[(m["month"] >= start) & (m["month"] <= start + 12)].copy()
    sub["since"] = sub["month"] - start
    final = m.groupby("replicate")["buyers"].max()
    # the month (since launch) by which each run had 95% of its final buyers
    reach = (
        sub.merge(final.rename("final"), on="replicate")
        .query("buyers >= 0.95 * final")
        .groupby("replicate")["since"]
        .min()
    )
    at_nov = m[m["month"] == SOLAR_NOVEMBER_2015[0]].set_index("replicate")["buyers"]
    lo, hi = SOLAR_2020
    in2020 = m[(m["month"] >= lo) & (m["month"] <= hi)].groupby("replicate")["members"].max()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    _band(
        a,
        sub.rename(columns={"since": "m2"}).assign(month=sub["since"]),
        "buyers",
        "#1b7f79",
        "share buyers",
    )
    a.axhline(541, color="black", ls="--", lw=1, label="541 buyers (the seed)")
    nov, raised = SOLAR_NOVEMBER_2015
    a.plot(
        [nov - start],
        [raised / offer.price],
        marker="^",
        color="black",
        ls="none",
        label="more than GBP 840,000 by late November 2015",
    )
    a.axvline(nov - start, color="grey", ls="--", lw=1, label="planned close (end of November)")
    if offer.end_month is not None:
        a.axvline(
            offer.end_month - start, color="grey", ls=":", lw=1, label="offer closes at the latest"
        )
    a.set_xlabel("months since the share offer's launch (September 2015)")
    a.set_ylabel("share buyers")
    a.legend(frameon=False, fontsize=8)
    _band(b, m, "members", "#1b7f79", "members", x=lambda x: 2013.7 + x / 12)
    b.axhline(683, color="black", ls="--", lw=1, label="683 members by 2020, with phase 2")
    b.set_xlabel("year")
    b.set_ylabel("committed members")
    b.legend(frameon=False, fontsize=8)
    _finish(
        fig,
        (a, b),
        "Community Solar: the subscription path and membership against the facts",
        out / "paths-community-solar.png",
    )
    return {
        "buyers_median": float(final.median()),
        "buyers_p5": float(final.quantile(0.05)),
        "buyers_p95": float(final.quantile(0.95)),
        "months_to_95pct_of_buyers_median": float(reach.median()),
        "offer_open_months": (offer.end_month - start) if offer.end_month else None,
        "issue": offer.issue,
        "buyers_november_2015_median": float(at_nov.median()),
        "buyers_november_2015_p5": float(at_nov.quantile(0.05)),
        "buyers_november_2015_p95": float(at_nov.quantile(0.95)),
        "buyers_november_2015_fact_at_least": SOLAR_NOVEMBER_2015[1] / offer.price,
        "runs_filled": int((final >= (offer.issue or np.inf)).sum()),
        "members_2020_max_over_runs": float(in2020.max()),
        "members_2020_median": float(in2020.median()),
        "runs_within_683_members_2020": int((in2020 <= 683).sum()),
        "runs": int(len(final)),
    }


def carbon_literacy(res, out: Path) -> dict:
    import matplotlib.pyplot as plt

    m = res.monthly
    months3 = m.groupby("replicate")["stage"].apply(lambda s: int((s >= 3).sum()))
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    share = m.groupby("month")["stage"].apply(lambda s: [(s >= k).mean() for k in (1, 2, 3)])
    arr = np.array(share.tolist())
    for k, colour in zip((1, 2, 3), ("#9dc3c1", "#1b7f79", "#0b3f3c"), strict=True):
        a.plot(share.index, arr[:, k - 1], color=colour, lw=2, label=f"stage {k} or more")
    a.axvline(18, color="grey", ls=":", lw=1, label="key leader withdraws (month 18)")
    a.set_xlabel("month")
    a.set_ylabel("share of runs")
    a.legend(frameon=False, fontsize=8)
    counts = months3.value_counts().sort_index()
    b.bar(counts.index, counts.to_numpy(), color="#1b7f79")
    b.set_xlabel("months in stage 3 (linking to the wider community)")
    b.set_ylabel("runs")
    _finish(
        fig,
        (a, b),
        "Carbon Literacy: a weak alliance established and disrupted",
        out / "paths-carbon-literacy.png",
    )
    return {
        "runs": int(len(months3)),
        "runs_reaching_stage_3": int((months3 > 0).sum()),
        "months_in_stage_3_when_reached_median": float(months3[months3 > 0].median())
        if (months3 > 0).any()
        else 0.0,
        "months_in_stage_3_max": int(months3.max()),
        "runs_ending_at_stage_0": int((m.groupby("replicate")["stage"].last() == 0).sum()),
    }


def active_travel(res, out: Path) -> dict:
    import matplotlib.pyplot as plt

    sc = res.scenario
    m = res.monthly.copy()
    m["share"] = m["members_citizens"] / sc.population.counts.citizens
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    year = lambda x: TRAVEL_START_YEAR + x / 12  # noqa: E731
    _band(a, m, "share", "#1b7f79", "residents committed", x=year)
    a.axhline(0.07, color="black", ls="--", lw=1, label="7% of adults usually cycle to work")
    a.plot([2019.5], [0.24], "ks", label="24% cycle weekly (Bike Life 2019)")
    a.axhline(0.15, color="grey", ls=":", lw=1, label="15% of trips: the 2020 target")
    a.set_xlabel("year")
    a.set_ylabel("share of modelled residents")
    a.legend(frameon=False, fontsize=8)
    # the model's budget as a share of the transport budget: 2012/13's budget is 5%
    base = sc.investment.monthly_budget
    g = m.groupby("month")["budget"].median()
    b.step(
        year(g.index.to_numpy()),
        5 * g.to_numpy() / base,
        where="post",
        color="#1b7f79",
        lw=2,
        label="model budget (2012/13's = 5%)",
    )
    facts = {2012.3: 5, 2013.5: 6, 2015.5: 8, 2018.5: 10}
    b.plot(list(facts), list(facts.values()), "ko", label="facts")
    b.set_xlabel("year")
    b.set_ylabel("% of the transport budget for cycling")
    b.set_ylim(0, 12)
    b.legend(frameon=False, fontsize=8, loc="lower right")
    _finish(
        fig,
        (a, b),
        "Active Travel: residents committed and the budget against the facts",
        out / "paths-active-travel.png",
    )
    end = m.groupby("replicate")["share"].last()
    first7 = m[m["share"] >= 0.07].groupby("replicate")["month"].min()
    in_2019 = m[(m["month"] >= TRAVEL_2019[0]) & (m["month"] <= TRAVEL_2019[1])]
    y2019 = in_2019.groupby("replicate")["share"].mean()
    med = m.groupby("month")["share"].median()
    return {
        "runs": int(len(end)),
        "share_at_end_median": float(end.median()),
        "share_at_end_p5": float(end.quantile(0.05)),
        "share_at_end_p95": float(end.quantile(0.95)),
        "share_in_2019_median": float(y2019.median()),
        "share_in_2019_p5": float(y2019.quantile(0.05)),
        "share_in_2019_p95": float(y2019.quantile(0.95)),
        "median_path_peak": float(med.max()),
        "median_path_peak_year": float(year(med.idxmax())),
        "runs_reaching_7pct": int(len(first7)),
        "year_reaching_7pct_median": float(year(first7.median())) if len(first7) else None,
        "budget_share_pct_2018": float(5 * g.loc[TRAVEL_2019[0] - 12] / base),
    }


def main(argv: list[str] | None = None) -> None:
    from commonfuture.demo import REPLICATES, SEED
    from commonfuture.patterns.everywhere import git_commit
    from commonfuture.scenario.load import shipped
    from commonfuture.simulation import simulate

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--out", default="docs/img", type=Path)
    p.add_argument("-r", "--replicates", type=int, default=REPLICATES)
    p.add_argument("-s", "--seed", type=int, default=SEED)
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    doc = {"seed": args.seed, "replicates": args.replicates, "commit": git_commit()}
    for name, fn in (
        ("community-solar", community_solar),
        ("carbon-literacy", carbon_literacy),
        ("active-travel", active_travel),
    ):
        res = simulate(shipped(f"edinburgh/{name}"), seed=args.seed, replicates=args.replicates)
        doc[name] = fn(res, args.out)
    write_json(args.out / "case-paths.json", doc)
    print(dumps(doc))


if __name__ == "__main__":
    main()
