"""Secession risk fitted on a collaboration's records: time to leaving, by month.

Each membership spell (from ``joined`` to ``left``, or to the end of the records)
becomes one row per month at risk, with covariates as they stood at the start of the
month:

* ``sector`` (one indicator per sector but the most common, the reference);
* ``years_since_win``: years since the actor's last small win (its own or a
  collaboration-wide one), or since it joined when it has had none; capped at 3;
* ``active_3m``: 1 if the actor took part, used a service or contributed in the three
  months before; 0 otherwise;
* ``key_leader``: 1 while the actor holds a key-leader role.

The model is a Cox proportional-hazards model with time-varying covariates
(lifelines' ``CoxTimeVaryingFitter``, time = months since joining), a maintained
implementation with standard errors. A hazard ratio below 1 marks what kept people in.

The baseline hazard is smoothed: the Breslow estimate's monthly increments are
averaged with their neighbours (a Gaussian kernel of :data:`BANDWIDTH` months, the mass
kept) and never fall below :data:`FLOOR` of their mean, so a month since joining in
which nobody happened to leave is not predicted to be risk-free.

Its calibration is checked on held-out actors: the model is fitted on the others,
each held-out actor-month gets a predicted chance of leaving
(``1 - exp(-dH0 * exp(x'b))``), and predicted and observed leaving are compared in
total and group by group (five groups of predicted risk): observed minus expected
events over their standard deviation, ``z``, for each; the check passes when no group
is off by more than two standard deviations (``groups_ok``) and the total is within two
(``within_2sd``).

With fewer than :data:`EVENTS_PER_COVARIATE` departures per covariate the hazard
ratios are unreliable (too few events to estimate them; they can be wildly large with
wide intervals): the model says so (``warnings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from commonfuture.evidence.series import month_index, start_of

ACTIVE = ("took_part", "used_service", "contributed")
CAP_YEARS = 3.0
#: fewer departures per covariate than this: the hazard ratios are not to be trusted
EVENTS_PER_COVARIATE = 10
#: smoothing of the baseline hazard (months, the Gaussian kernel's sd) and its floor (a
#: share of the mean monthly increment)
BANDWIDTH = 3.0
FLOOR = 0.05


def spells(events: pd.DataFrame, start=None) -> pd.DataFrame:
    """Actor-months at risk: id, actor, sector, start, stop (months since joining), event,
    month, and the covariates years_since_win, active_3m, key_leader."""
    t0 = start_of(events, start)
    ev = events.copy()
    ev["m"] = month_index(ev["date"], t0)
    end = int(ev["m"].max())
    shared = np.sort(ev.loc[(ev["kind"] == "small_win") & ev["actor"].isna(), "m"].to_numpy())
    rows = []
    for a, g in ev.dropna(subset=["actor"]).groupby("actor", sort=False):
        sector = g["sector"].iloc[0]
        own_wins = g.loc[g["kind"] == "small_win", "m"].to_numpy()
        wins = np.sort(np.concatenate([own_wins, shared]))
        active = g.loc[g["kind"].isin(ACTIVE), "m"].to_numpy()
        lead = g.loc[g["kind"] == "key_leader_changed", ["m", "amount"]].to_numpy()
        spell, joined = 0, None
        for e in g.itertuples(index=False):
            if e.kind == "joined":
                joined = e.m
                spell += 1
            elif e.kind == "left" and joined is not None:
                rows += _spell(
                    a, spell, sector, joined, max(e.m, joined + 1), True, wins, active, lead
                )
                joined = None
        if joined is not None and end > joined:
            rows += _spell(a, spell, sector, joined, end, False, wins, active, lead)
    cols = [
        "id",
        "actor",
        "sector",
        "start",
        "stop",
        "event",
        "month",
        "years_since_win",
        "active_3m",
        "key_leader",
    ]
    return pd.DataFrame(rows, columns=cols)


def _spell(actor, k, sector, joined, stop_month, left, wins, active, lead) -> list[dict]:
    out = []
    for m in range(joined + 1, stop_month + 1):
        before = wins[wins < m]
        last_win = max(before[-1], joined) if len(before) else joined
        held = lead[lead[:, 0] < m] if len(lead) else lead
        out.append(
            {
                "id": f"{actor}#{k}",
                "actor": actor,
                "sector": sector,
                "start": m - joined - 1,
                "stop": m - joined,
                "event": int(left and m == stop_month),
                "month": m,
                "years_since_win": min((m - last_win) / 12.0, CAP_YEARS),
                "active_3m": int(((active >= m - 3) & (active < m)).any()),
                "key_leader": int(len(held) > 0 and held[-1, 1] == 1.0),
            }
        )
    return out


def design(sp: pd.DataFrame, reference: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The covariate columns: sector indicators (reference left out) and the rest,
    dropping any without variation."""
    ref = reference or sp["sector"].value_counts().idxmax()
    x = sp[["id", "start", "stop", "event", "years_since_win", "active_3m", "key_leader"]].copy()
    for s in sorted(sp["sector"].unique()):
        if s != ref:
            x[f"sector_{s}"] = (sp["sector"] == s).astype(int)
    covs = [c for c in x.columns[4:] if x[c].nunique() > 1 and _estimable(x[c], x["event"])]
    if "years_since_win" in covs and np.allclose(
        x["years_since_win"], np.minimum(x["stop"] / 12.0, CAP_YEARS)
    ):  # no small wins: the covariate is the time scale itself, not identifiable
        covs.remove("years_since_win")
    return x[["id", "start", "stop", "event", *covs]], covs


def _estimable(col: pd.Series, event: pd.Series) -> bool:
    """A 0/1 covariate with departures on one side only cannot be estimated (separation)."""
    if set(col.unique()) - {0, 1}:
        return True
    return bool(event[col == 1].sum() > 0 and event[col == 0].sum() > 0)


@dataclass
class RiskModel:
    """A fitted secession-risk model."""

    covariates: list[str]
    reference: str
    params: pd.Series
    summary: pd.DataFrame  # hazard ratio, its 95% interval and p per covariate
    baseline: pd.Series  # cumulative baseline hazard by months since joining
    mean: pd.Series  # covariate means the baseline refers to
    n_actors: int
    n_events: int
    calibration: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def hazard_increment(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """The smoothed baseline hazard between ``start`` and ``stop`` (months since
        joining, whole months)."""
        inc = smoothed_increments(self.baseline)
        start = np.clip(np.asarray(start, float), 0, None)
        stop = np.asarray(stop, float)
        cum = np.concatenate([[0.0], np.cumsum(inc)])
        last = len(inc)

        def at(t):
            t = np.asarray(t, float)
            val = np.interp(np.clip(t, 0, last), np.arange(last + 1), cum)
            return val + np.maximum(t - last, 0) * inc[-1]  # beyond the data: the last rate

        return at(stop) - at(start)

    def partial(self, x: pd.DataFrame) -> np.ndarray:
        cols = self.covariates
        z = x.reindex(columns=cols, fill_value=0).to_numpy(float) - self.mean[cols].to_numpy()
        return np.exp(z @ self.params[cols].to_numpy())

    def probability(self, x: pd.DataFrame) -> np.ndarray:
        """Chance of leaving in each actor-month of ``x`` (start, stop, covariates)."""
        dh = self.hazard_increment(x["start"].to_numpy(), x["stop"].to_numpy())
        return 1.0 - np.exp(-dh * self.partial(x))


def smoothed_increments(baseline: pd.Series) -> np.ndarray:
    """Monthly increments of a cumulative baseline hazard (step function of months since
    joining), smoothed by a Gaussian kernel (:data:`BANDWIDTH`), mass kept, floored at
    :data:`FLOOR` of their mean: month m's increment is index m - 1."""
    t = baseline.index.to_numpy(float)
    h = baseline.to_numpy(float)
    n = max(1, int(np.ceil(t.max()))) if len(t) else 1

    def at(x):
        i = np.searchsorted(t, x, side="right")
        return np.concatenate([[0.0], h])[i]

    grid = np.arange(n + 1, dtype=float)
    raw = np.diff(at(grid))
    raw = np.clip(raw, 0, None)
    if raw.sum() <= 0:
        return np.full(n, 1e-6)
    m = np.arange(n, dtype=float)
    w = np.exp(-0.5 * ((m[:, None] - m[None, :]) / BANDWIDTH) ** 2)
    w /= w.sum(axis=0, keepdims=True)  # each month's mass spread, none lost at the edges
    smooth = w @ raw
    return np.maximum(smooth, FLOOR * raw.mean())


def _fit(x: pd.DataFrame, covs: list[str], penalizer: float):
    import warnings

    from lifelines import CoxTimeVaryingFitter

    ctv = CoxTimeVaryingFitter(penalizer=penalizer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ctv.fit(
                x[["id", "start", "stop", "event", *covs]],
                id_col="id",
                start_col="start",
                stop_col="stop",
                event_col="event",
                show_progress=False,
            )
        except (np.linalg.LinAlgError, ArithmeticError) as err:
            raise ValueError(f"the risk model did not converge ({err})") from None
    return ctv


def fit_risk(
    events: pd.DataFrame,
    start=None,
    holdout: float = 0.3,
    seed: int = 0,
    penalizer: float = 1e-4,
) -> RiskModel:
    """Fit the secession-risk model; check its calibration on ``holdout`` of the actors."""
    sp = spells(events, start)
    if sp.empty or sp["event"].sum() < 3:
        raise ValueError(
            "too few departures in the records to fit a secession-risk model (need 3 or more)"
        )
    ref = sp["sector"].value_counts().idxmax()
    x, covs = design(sp, ref)
    if not covs:
        raise ValueError("no covariate varies across the records: nothing to fit")
    model = _model(_fit(x, covs, penalizer), x, covs, ref)
    model.calibration = held_out_check(sp, ref, covs, holdout, seed, penalizer)
    per = model.n_events / len(covs)
    if per < EVENTS_PER_COVARIATE:
        model.warnings.append(
            f"{model.n_events} departures for {len(covs)} covariates ({per:.1f} per "
            f"covariate, below {EVENTS_PER_COVARIATE}): too few to estimate the hazard "
            "ratios; read them as unreliable, whatever their size."
        )
    cal = model.calibration
    if cal.get("ok") and not cal.get("groups_ok", True):
        bad = [g["group"] for g in cal["groups"] if abs(g["z"]) > 2]
        model.warnings.append(
            "The held-out check fails in risk group(s) "
            + ", ".join(str(b) for b in bad)
            + ": predicted and observed leaving differ by more than two standard deviations "
            "there, whatever the total shows."
        )
    return model


def _model(ctv, x, covs, ref) -> RiskModel:
    s = ctv.summary
    table = pd.DataFrame(
        {
            "hazard_ratio": s["exp(coef)"],
            "low_95": s["exp(coef) lower 95%"],
            "high_95": s["exp(coef) upper 95%"],
            "p": s["p"],
        }
    )
    return RiskModel(
        covariates=covs,
        reference=ref,
        params=ctv.params_,
        summary=table,
        baseline=ctv.baseline_cumulative_hazard_.iloc[:, 0],
        mean=x[covs].mean(),
        n_actors=int(x["id"].nunique()),
        n_events=int(x["event"].sum()),
    )


def held_out_check(
    sp: pd.DataFrame, ref: str, covs: list[str], holdout: float, seed: int, penalizer: float
) -> dict:
    """Fit on the other actors; compare predicted and observed leaving on ``holdout``."""
    actors = sp["actor"].unique()
    rng = np.random.default_rng(seed)
    test = set(rng.choice(actors, size=max(1, int(round(holdout * len(actors)))), replace=False))
    is_test = sp["actor"].isin(test).to_numpy()
    x, _ = design(sp, ref)
    train = x[~is_test]
    use = [c for c in covs if train[c].nunique() > 1 and _estimable(train[c], train["event"])]
    if train["event"].sum() < 3 or not use:
        return {"ok": False, "reason": "too few departures outside the held-out actors"}
    m = _model(_fit(train[["id", "start", "stop", "event", *use]], use, penalizer), train, use, ref)
    held = x[is_test]
    p = m.probability(held)
    y = held["event"].to_numpy()
    expected, observed = float(p.sum()), int(y.sum())
    sd = float(np.sqrt(np.sum(p * (1 - p))))
    z = (observed - expected) / sd if sd > 0 else float("nan")
    groups = []
    if len(p):
        q = pd.qcut(pd.Series(p).rank(method="first"), q=min(5, len(p)), labels=False)
        for k in sorted(q.unique()):
            sel = (q == k).to_numpy()
            e, o = float(p[sel].sum()), int(y[sel].sum())
            g_sd = float(np.sqrt(np.sum(p[sel] * (1 - p[sel]))))
            groups.append(
                {
                    "group": int(k) + 1,
                    "actor_months": int(sel.sum()),
                    "predicted": float(p[sel].mean()),
                    "observed": float(y[sel].mean()),
                    "expected_events": e,
                    "observed_events": o,
                    "z": (o - e) / g_sd if g_sd > 0 else float("nan"),
                }
            )
    zs = np.array([g["z"] for g in groups], float)
    return {
        "ok": True,
        "held_out_actors": len(test),
        "actor_months": int(len(held)),
        "observed_events": observed,
        "expected_events": expected,
        "z": z,
        "within_2sd": bool(abs(z) <= 2) if np.isfinite(z) else False,
        "groups_ok": bool(np.all(np.isfinite(zs)) and np.all(np.abs(zs) <= 2)),
        "min_predicted": float(p.min()) if len(p) else float("nan"),
        "groups": groups,
    }


def at_risk(model: RiskModel, events: pd.DataFrame, horizon: int = 6, start=None) -> pd.DataFrame:
    """Current members with their chance of leaving within ``horizon`` months, if nothing
    changes (no new small win, activity as in the last three months), highest first."""
    sp = spells(events, start)
    end = int(month_index(pd.Series([events["date"].max()]), start_of(events, start))[0])
    open_ = sp.groupby("id").tail(1)
    open_ = open_[(open_["event"] == 0) & (open_["month"] == end)]
    if open_.empty:
        return pd.DataFrame(columns=["actor", "sector", "months_in", "risk", "drivers"])
    rows = []
    for r in open_.itertuples(index=False):
        fut = pd.DataFrame(
            {
                "start": r.stop + np.arange(horizon),
                "stop": r.stop + np.arange(1, horizon + 1),
                "years_since_win": np.minimum(
                    r.years_since_win + np.arange(1, horizon + 1) / 12, CAP_YEARS
                ),
                "active_3m": r.active_3m,
                "key_leader": r.key_leader,
            }
        )
        for s in (c.removeprefix("sector_") for c in model.covariates if c.startswith("sector_")):
            fut[f"sector_{s}"] = int(r.sector == s)
        p = model.probability(fut)
        risk = 1 - float(np.prod(1 - p))
        drivers = []
        if r.active_3m == 0 and "active_3m" in model.covariates:
            drivers.append("not active in the last 3 months")
        if r.years_since_win >= 0.5:
            drivers.append(f"{12 * r.years_since_win:.0f} months since a small win")
        rows.append(
            {
                "actor": r.actor,
                "sector": r.sector,
                "months_in": int(r.stop),
                "risk": risk,
                "drivers": "; ".join(drivers),
            }
        )
    return pd.DataFrame(rows).sort_values("risk", ascending=False).reset_index(drop=True)
