"""HTML pages for a collaboration's own records (``commonfuture evidence``) and for a
calibration against them (``commonfuture calibrate``): where the collaboration is, who
is at risk of leaving, what kept people in, and what the levers could change."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from commonfuture.report import STAGES, _e, _g, _page
from commonfuture.report.figures import (
    SECTOR_COLOURS,
    SECTOR_LABELS,
    STAGE_COLOURS,
    STAGE_NAMES,
    to_data_uri,
)
from commonfuture.scenario.schema import SECTORS


def _img(uri: str, alt: str) -> str:
    return f"<img src='{uri}' alt='{_e(alt)}'>"


def _table(df: pd.DataFrame, numeric: dict[str, str] | None = None, limit: int = 30) -> str:
    numeric = numeric or {}
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    body = []
    for _, r in df.head(limit).iterrows():
        cells = []
        for c in df.columns:
            if c in numeric:
                cells.append(f"<td class='num'>{_g(r[c], numeric[c])}</td>")
            else:
                v = r[c]
                cells.append(f"<td>{'' if pd.isna(v) else _e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f"<p class='muted'>{len(df) - limit} more rows in the files.</p>" if len(df) > limit else ""
    )
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


# --------------------------------------------------------------------------- records


def stage_figure(monthly: pd.DataFrame) -> str:
    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(9, 4.6), sharex=True, gridspec_kw={"height_ratios": [1, 3]}
    )
    x = monthly["date"]
    for k in range(4):
        sel = (monthly["stage"] == k).to_numpy()
        ax1.fill_between(
            x, 0, 1, where=sel, step="mid", color=STAGE_COLOURS[k], label=STAGE_NAMES[k], lw=0
        )
    ax1.set_yticks([])
    ax1.set_title("Stage (the model's classifier applied to the records)")
    ax1.legend(ncol=4, loc="upper left", bbox_to_anchor=(0, -0.05))
    for s in SECTORS:
        ax2.step(
            x, monthly[f"members_{s}"], where="mid", color=SECTOR_COLOURS[s], label=SECTOR_LABELS[s]
        )
    ax2.set_ylabel("members")
    ax2.set_ylim(bottom=0)
    ax2.legend(loc="upper left")
    ax2.set_title("Members by sector")
    fig.tight_layout()
    return to_data_uri(fig)


def flows_figure(monthly: pd.DataFrame) -> str:
    fig, ax = plt.subplots(figsize=(9, 2.8))
    x = monthly["date"]
    ax.bar(x, monthly["joins"], width=20, color="#1a7f37", label="joined")
    ax.bar(x, -monthly["secessions"], width=20, color="#b42318", label="left")
    wins = monthly["small_wins"] > 0
    if wins.any():
        ax.scatter(
            x[wins],
            np.zeros(int(wins.sum())),
            marker="*",
            s=60,
            color="#08519c",
            zorder=3,
            label="small win",
        )
    ax.axhline(0, color="#999", lw=0.6)
    ax.set_ylabel("actors")
    ax.set_title("Who came and who went, month by month")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return to_data_uri(fig)


def calibration_figure(cal: dict) -> str:
    g = pd.DataFrame(cal["groups"])
    fig, ax = plt.subplots(figsize=(4.6, 4.0))
    top = max(g["predicted"].max(), g["observed"].max(), 1e-3) * 1.1
    ax.plot([0, top], [0, top], color="#999", lw=0.8, ls="--", label="perfect")
    ax.scatter(g["predicted"], g["observed"], color="#08519c", zorder=3)
    for r in g.itertuples():
        se = np.sqrt(max(r.predicted * (1 - r.predicted), 1e-12) / r.actor_months)
        ax.errorbar(r.predicted, r.observed, yerr=1.96 * se, color="#08519c", lw=0.8)
    ax.set_xlabel("predicted chance of leaving a month")
    ax.set_ylabel("observed share leaving")
    ax.set_title("Held-out actors: predicted against observed")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return to_data_uri(fig)


def observed_figure(monthly: pd.DataFrame, shown: pd.DataFrame) -> str:
    """Each compared measure's series from the records, with the published figures."""
    measures = list(dict.fromkeys(shown["measure"]))
    fig, axes = plt.subplots(len(measures), 1, figsize=(9, 2.4 * len(measures)), squeeze=False)
    dates = pd.to_datetime(monthly["date"])
    for ax, meas in zip(axes[:, 0], measures, strict=True):
        t = shown[shown["measure"] == meas]
        col = meas.split(":")[-1]
        y = monthly[col].to_numpy(float)
        if meas.startswith("cumulative:"):
            y = np.cumsum(y)
        y = y * float(t["scale"].iloc[0])  # a share: over the wider population
        ax.plot(dates, y, color="#08519c", lw=1.5, label="from the records")
        ax.scatter(
            pd.to_datetime(t["date"]), t["value"], color="#b42318", zorder=3, label="published"
        )
        ax.set_title(meas)
        ax.legend(loc="upper left")
    fig.tight_layout()
    return to_data_uri(fig)


def evidence_page(
    name: str,
    monthly: pd.DataFrame,
    chains: pd.DataFrame,
    risk: dict | None,
    at_risk: pd.DataFrame | None,
    notes: list[str],
    observed: pd.DataFrame | None = None,
) -> str:
    last = monthly.iloc[-1]
    first_date, last_date = monthly["date"].iloc[0], monthly["date"].iloc[-1]
    reached = int(monthly["stage"].max())
    lead = [
        f"<b>Where it is:</b> stage {int(last['stage'])}, {STAGES[int(last['stage'])]}, "
        f"in {last_date:%B %Y} (highest reached: {reached}, {STAGES[reached]}).",
        f"<b>Members:</b> {int(last['members'])} now; {int(monthly['joins'].sum())} joined "
        f"and {int(monthly['secessions'].sum())} left from {first_date:%B %Y}.",
    ]
    if int(monthly["regressions"].sum()):
        lead.append(f"<b>Setbacks:</b> a stage was lost {int(monthly['regressions'].sum())} times.")
    if at_risk is not None and len(at_risk):
        hi = at_risk[at_risk["risk"] >= 0.25]
        lead.append(
            f"<b>At risk:</b> {len(hi)} of {len(at_risk)} members have a 25% or higher chance "
            "of leaving in the next six months if nothing changes."
        )
    body = [
        f"<h1>{_e(name)}: what the records say</h1>",
        "<ul class='lead'>" + "".join(f"<li>{x}</li>" for x in lead) + "</ul>",
        "<h2>Where the collaboration is</h2>",
        _img(stage_figure(monthly), "stage and members"),
        _img(flows_figure(monthly), "joins, departures and small wins"),
        "<p class='muted'>Stages follow the model's own rules (docs/evidence.md): coupling "
        "while key leaders of two or more sectors are members; integration once enough "
        "other members from enough sectors have joined; linking once enough of the wider "
        "community is in; each held for some months before it counts.</p>",
    ]
    if observed is not None and len(observed):
        shown = observed[observed["records"].notna()]
        body += [
            "<h2>The records against published figures</h2>",
            f"<p>{len(shown)} of {len(observed)} published figures can be set beside the "
            "series read from the records (the others are listed with the reason).</p>",
        ]
        if len(shown):
            body.append(_img(observed_figure(monthly, shown), "records and published figures"))
        body.append(
            _table(
                observed[
                    [
                        c
                        for c in ("date", "measure", "type", "value", "unit", "records", "met")
                        + ("note", "source")
                        if c in observed.columns
                    ]
                ],
                {"value": ",.4g", "records": ",.4g"},
            )
        )
    if risk is not None:
        s = pd.DataFrame.from_dict(risk["summary"], orient="index").reset_index(names="covariate")
        s["reading"] = np.where(
            s["high_95"] < 1,
            "kept people in",
            np.where(s["low_95"] > 1, "pushed people out", "no clear effect"),
        )
        cal = risk["calibration"]
        body += [
            "<h2>What kept people in</h2>",
            *(
                f"<p class='warn'><b>Read with care:</b> {_e(w)}</p>"
                for w in risk.get("warnings", [])
            ),
            f"<p>A survival model of the time to leaving ({risk['n_events']} departures among "
            f"{risk['n_actors']} membership spells; reference sector: {_e(risk['reference'])}). "
            "A hazard ratio below 1 means lower risk of leaving.</p>",
            _table(s, {"hazard_ratio": ".2f", "low_95": ".2f", "high_95": ".2f", "p": ".2g"}),
        ]
        if cal.get("ok"):
            ok = cal["within_2sd"] and cal.get("groups_ok", True)
            verdict = "matches" if ok else "does <b>not</b> match"
            bad = [g["group"] for g in cal["groups"] if not abs(g.get("z", 0)) <= 2]
            body += [
                "<h3>Can the risk model be trusted?</h3>",
                f"<p>Fitted without {cal['held_out_actors']} held-out actors, it expected "
                f"{cal['expected_events']:.1f} departures among them; "
                f"{cal['observed_events']} happened (z = {cal['z']:.2f}); group by group "
                + (
                    "every risk group is within two standard deviations"
                    if not bad
                    else "risk group(s) " + ", ".join(map(str, bad)) + " are not"
                )
                + f": the model {verdict} what happened.</p>",
                _img(calibration_figure(cal), "calibration on held-out actors"),
            ]
        else:
            body.append(f"<p class='muted'>No held-out check: {_e(cal.get('reason', ''))}.</p>")
    if at_risk is not None and len(at_risk):
        body += [
            "<h2>Who is at risk</h2>",
            "<p>Chance of leaving in the next six months if nothing changes (no new small "
            "win, activity as in the last three months), highest first.</p>",
            _table(at_risk, {"risk": ".0%"}, limit=20),
        ]
    body += [
        "<h2>Value chains</h2>",
        "<p>Each actor's route through the collaboration, longest-serving first.</p>",
        _table(
            chains.sort_values("months_in", ascending=False)[
                [
                    "actor",
                    "sector",
                    "status",
                    "months_in",
                    "took_part",
                    "used",
                    "small_wins",
                    "chain",
                ]
            ],
            limit=25,
        ),
    ]
    if notes:
        body += ["<h2>Notes</h2>", "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"]
    return _page(f"{name}: evidence", "\n".join(body))


# --------------------------------------------------------------------------- calibration


def posterior_figure(samples: pd.DataFrame, table: pd.DataFrame) -> str:
    n = len(table)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 2.8), squeeze=False)
    for ax, r in zip(axes[0], table.itertuples(), strict=True):
        ax.hist(
            samples[r.parameter],
            bins=20,
            weights=samples["weight"],
            range=(r.prior_low, r.prior_high),
            color="#4292c6",
            density=True,
        )
        ax.axhline(1 / (r.prior_high - r.prior_low), color="#999", ls="--", lw=0.8, label="prior")
        ax.axvspan(r.q05, r.q95, color="#08519c", alpha=0.1, label="90% interval")
        ax.set_title(r.parameter, fontsize=9)
        ax.set_yticks([])
    axes[0][0].legend(loc="upper left")
    fig.tight_layout()
    return to_data_uri(fig)


def band_figure(
    monthly: pd.DataFrame, fitted: pd.DataFrame, held: pd.DataFrame | None, start: pd.Timestamp
) -> str:
    """Predictive bands of each fitted measure, with the figures on top: a value as a
    point (with its uncertainty), a bound as a triangle pointing the way it allows, an
    interval as a bar, a date first reached as the level over its month range."""
    from commonfuture.evidence.figures import quantity

    allt = pd.concat(
        [fitted.assign(kind="fitted")]
        + ([held.assign(kind="held out")] if held is not None else [])
    )
    groups = list(dict.fromkeys(allt["measure"]))
    fig, axes = plt.subplots(len(groups), 1, figsize=(9, 2.6 * len(groups)), squeeze=False)
    m = monthly.sort_values(["replicate", "month"])
    k = m["replicate"].nunique()
    t_n = len(m) // k

    def get(col):
        return m[col].to_numpy(float).reshape(k, t_n)

    months = m["month"].to_numpy()[:t_n]
    x = [start + pd.DateOffset(months=int(mm)) for mm in months]
    for ax, meas in zip(axes[:, 0], groups, strict=True):
        t = allt[allt["measure"] == meas]
        wide = quantity(next(t.itertuples(index=False)), get)
        ax.fill_between(
            x,
            np.quantile(wide, 0.05, axis=0),
            np.quantile(wide, 0.95, axis=0),
            color="#4292c6",
            alpha=0.25,
            lw=0,
            label="90% predictive band",
        )
        ax.plot(x, np.median(wide, axis=0), color="#08519c", lw=1.5, label="median")
        for kind, colour in (("fitted", "#222"), ("held out", "#b42318")):
            s_ = t[t["kind"] == kind]
            for r in s_.itertuples(index=False):
                when = pd.Timestamp(r.date)
                if r.type == "first_reached":
                    a = start + pd.DateOffset(months=int(r.m_from))
                    ax.plot([a, when], [r.value, r.value], color=colour, lw=3, alpha=0.8)
                    ax.scatter([when], [r.value], marker="|", color=colour, s=80, zorder=3)
                elif r.type == "bound":
                    mk = "^" if np.isfinite(r.lo) else "v"
                    ax.scatter([when], [r.value], marker=mk, color=colour, zorder=3, s=50)
                else:
                    lo, hi = r.lo, r.hi
                    if hi > lo:
                        ax.plot([when, when], [lo, hi], color=colour, lw=2)
                    if np.isfinite(r.value):
                        ax.scatter([when], [r.value], marker="o", color=colour, zorder=3)
            if len(s_):
                ax.plot([], [], marker="o", ls="", color=colour, label=f"figures ({kind})")
        ax.set_title(meas)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return to_data_uri(fig)


def calibration_page(result: dict, figures: dict[str, str]) -> str:
    table = pd.DataFrame(result["posterior"])
    fitted = pd.DataFrame(result["fitted"])
    held = pd.DataFrame(result["held_out"]) if result.get("held_out") else None
    levers = pd.DataFrame(result["levers"])
    how = (
        f"a quick point fit (optuna, {result['history'].get('trials')} trials; the best "
        "point only, without an interval: the bands show the model's own variation)"
        if result.get("method") == "point"
        else "approximate Bayesian computation"
    )
    lead = [
        f"<b>Fitted:</b> {len(table)} parameters to {len(fitted)} observations by {how} "
        f"({result['simulations']} simulations, {result['seconds']:.0f} s).",
        f"<b>Fit:</b> {int(fitted['inside'].sum())} of {len(fitted)} fitted observations lie "
        "inside the 90% predictive band.",
    ]
    if held is not None and len(held):
        lead.append(
            f"<b>Held-out check:</b> {int(held['inside'].sum())} of {len(held)} later "
            "observations, not used in the fit, lie inside the 90% forecast band."
        )
    else:
        lead.append(
            "<b>Held-out check:</b> not possible; the observations that are model "
            "measures share one date."
        )
    diag = result.get("diagnostics") or {}
    warn = diag.get("warnings") or []
    misleading = bool(diag.get("misleading"))
    if "distance" in diag:
        lead.append(
            f"<b>Distance:</b> the posterior's simulations miss the fitted figures by "
            f"{diag['distance']:.0%} of their size (median; 0 = every figure met)."
        )
    shown = pd.concat(
        [fitted.assign(use="fitted")] + ([held.assign(use="held out")] if held is not None else [])
    )
    shown = shown.assign(
        figure=[_figure_words(r) for r in shown.itertuples(index=False)],
        band=[_band_words(r) for r in shown.itertuples(index=False)],
    )
    narrowing = table[
        [
            c
            for c in (
                "parameter",
                "prior_low",
                "prior_high",
                "prior_sd",
                "median",
                "q05",
                "q95",
                "sd",
                "sd_ratio",
            )
            if c in table.columns
        ]
    ]
    body = [
        f"<h1>{_e(result['scenario'])}: calibrated to its records</h1>",
        (
            "<div class='warn'><b>Read this first.</b><ul>"
            + "".join(f"<li>{_e(w)}</li>" for w in warn)
            + "</ul></div>"
            if warn
            else ""
        ),
        "<ul class='lead'>" + "".join(f"<li>{x}</li>" for x in lead) + "</ul>",
        "<h2>What the records say about the parameters</h2>",
        "<p>The prior (uniform on the range given) against the posterior: <i>sd_ratio</i> "
        "is the posterior's standard deviation over the prior's (1: nothing learned; 0.5: "
        "halved).</p>",
        _table(narrowing, {c: ".3g" for c in narrowing.columns if c != "parameter"}),
        _img(figures["posterior"], "posterior"),
        "<h2>The model against the observations</h2>",
        _img(figures["bands"], "predictive bands"),
        _table(
            shown[["use", "date", "measure", "figure", "band", "inside", "met", "source"]],
            {"met": ".0%"},
        ),
        f"<h2>Forecast to month {result['horizon']}: what leadership could change</h2>",
        (
            "<p class='warn'><b>Not findings:</b> the fit does not match the figures "
            "(see the top of the page); these forecasts show what the model does with "
            "these parameters, not what the collaboration will do.</p>"
            if misleading
            else ""
        ),
        "<p>Each row re-runs the posterior draws with one lever moved from its fitted or "
        "stated value (clipped to 0..1); medians and 90% bands at the horizon.</p>",
        _table(levers, {c: ",.4g" for c in levers.columns if c not in ("lever", "change")}),
    ]
    if result.get("context"):
        ctx = pd.DataFrame(result["context"])[["date", "measure", "value", "unit", "source"]]
        body += ["<h2>Context (not model measures, not fitted)</h2>", _table(ctx, {})]
    return _page(f"{result['scenario']}: calibration", "\n".join(body))


def _num(x: float) -> str:
    return f"{x:,.4g}"


def _figure_words(r) -> str:
    """A figure as a reader says it: 541, 1,400,000-1,500,000, at least 840,000,
    reached 1,400,000 between months 28 and 32."""
    if r.type == "first_reached":
        span = f"month {int(r.hi)}" if r.lo == r.hi else f"months {int(r.lo)}-{int(r.hi)}"
        return f"reached {_num(r.value)} in {span}"
    if r.type == "bound":
        return f"at least {_num(r.lo)}" if np.isfinite(r.lo) else f"at most {_num(r.hi)}"
    if r.lo == r.hi:
        return _num(r.value)
    if r.type == "interval":
        return f"{_num(r.lo)} to {_num(r.hi)}"
    return f"{_num(r.value)} +/- {_num((r.hi - r.lo) / 2)}"


def _band_words(r) -> str:
    unit = "month " if r.type == "first_reached" else ""
    return f"{unit}{_num(r.median)} ({_num(r.low)} to {_num(r.high)})"
