"""The commitment link as a threshold model: Granovetter (1978) and Watts (2002).

With its value terms switched off (``dynamics.value_weight = 0``,
``leadership.visibility = 0``) and everyone deliberating at once
(``population.join_rate = 1``), the model's value commitment link,
:func:`commonfuture.micro.commitment.weigh_joining`, is a threshold model on a
network: an outside actor commits once the share of its committed neighbours
reaches its threshold. This module runs *that kernel function* on hand-built
states to reproduce two published results:

* Granovetter (1978), "Threshold models of collective behavior", American
  Journal of Sociology 83:1420-1443: the riot example (thresholds 0..99 cascade
  to all 100; replacing the threshold-1 actor by a threshold-2 actor stops the
  cascade at the instigator) and the jump of the equilibrium with the standard
  deviation of normally distributed thresholds (mean 25 of 100; Granovetter
  reports a critical standard deviation of about 12.2).
* Watts (2002), "A simple model of global cascades on random networks", PNAS
  99:5766-5771: on Erdos-Renyi graphs with a uniform threshold phi = 0.18 and one
  random initial seed, global cascades occur only inside a window of mean degree
  z, whose boundaries follow from the generating-function condition
  ``sum_k k (k - 1) rho_k p_k = z`` (rho_k = 1 for vulnerable degrees
  1 <= k <= 1/phi).

Trials run side by side as replicates (a block-diagonal network), as the model
does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import optimize, special, stats

from commonfuture.leadership.tensions import N_PAIRS
from commonfuture.micro.commitment import weigh_joining
from commonfuture.network import erdos_renyi_edges, symmetric
from commonfuture.parameters import params
from commonfuture.population import COMMITTED, OUTSIDE, State
from commonfuture.propositions import Offer
from commonfuture.scenario.schema import Scenario
from commonfuture.writing import write_json


def threshold_scenario(n: int) -> Scenario:
    """A scenario whose commitment link is a pure threshold model."""
    return Scenario.model_validate(
        {
            "name": "threshold model",
            "months": 1,
            "population": {"counts": {"citizens": n}, "join_rate": 1.0},
            "leadership": {"visibility": 0.0, "key_leaders": {"public": 0, "third": 0}},
            "dynamics": {"value_weight": 0.0},
            "propositions": [{"name": "none", "value": [0, 0, 0, 0, 0]}],
        }
    )


def threshold_state(ties: list[sp.csr_matrix], thresholds: np.ndarray, seeds: np.ndarray) -> State:
    """A state of R trials of n actors: ``thresholds`` and ``seeds`` are (R, n)."""
    r, n = thresholds.shape
    mat = sp.block_diag(ties, format="csr", dtype=np.float32) if r > 1 else ties[0]
    mat.indices = mat.indices.astype(np.int32, copy=False)
    z2 = np.zeros((r, n), np.float32)
    status = np.where(seeds, COMMITTED, OUTSIDE).astype(np.int8)
    return State(
        sector=np.full(n, 3, np.int8),
        role=np.full(n, 2, np.int8),
        eligible=np.ones((n, 1), bool),
        profile=np.zeros((r, n, 5), np.float32),
        expectation=z2.copy(),
        threshold=thresholds.astype(np.float32),
        floor=z2.copy(),
        resources=z2.copy(),
        burden=z2.copy(),
        exploiter=np.zeros((r, n), bool),
        fit=np.zeros((r, n, 1), np.float32),
        anticipated=np.zeros((r, n, 1), np.float32),
        tailoring=np.zeros((r, n, 1), np.float32),
        ignorance=np.zeros((r, n, 1), np.float32),
        backlash=np.zeros((r, n, 1), np.float32),
        ties=mat,
        degree=np.asarray(mat.sum(axis=1), np.float32).reshape(r, n),
        ties_per_replicate=[int(t.nnz // 2) for t in ties],
        status=status,
        commitment=np.where(seeds, 1.0, 0.0).astype(np.float32),
        trust=z2.copy(),
        realised=z2.copy(),
        pending_value=z2.copy(),
        months_since=np.zeros((r, n), np.int16),
        engaged=np.zeros((r, n), np.int16),
        active=np.zeros((r, n), bool),
        signal=z2.copy(),
        used=np.zeros((r, n), np.uint16),
        accumulated=np.zeros((r, n, 5), np.float32),
        supports=np.zeros((r, n), bool),
        stage=np.zeros(r, np.int8),
        pending=np.zeros(r, np.int16),
        coupled=np.ones(r, bool),
        ever_coupled=np.ones(r, bool),
        consensus=np.ones(r),
        seated=np.zeros(r, np.int64),
        delivered=np.zeros(r),
        delivery_months=np.zeros(r, np.int64),
        target=np.zeros(r),
        capital=np.zeros(r),
        open_last=np.ones((r, 1), bool),  # the one proposition, open
        served_share=np.ones((r, 1), np.float32),
        taken=np.zeros((r, 1), np.float64),
        seen=np.zeros(r, np.int64),
        alignment=np.zeros((r, 4), np.float64),
        tension=np.zeros((r, N_PAIRS), np.float64),
        strain=np.zeros((r, 4), np.float32),
        effort=np.zeros((r, 4), np.float64),
        progress=z2.copy(),
        milestone=z2.copy(),
        staff_profile=np.zeros((r, 0, 5), np.float32),  # residents only: no organisations
        staff=np.zeros((r, 0), np.float32),
        staff_fed=np.zeros((r, 0), np.float32),
        pace=np.ones(r),
    )


def cascade(state: State, max_steps: int = 10_000) -> np.ndarray:
    """Iterate the commitment link until nobody joins; return (R,) final committed counts."""
    sc = threshold_scenario(state.n_actors)
    zero = np.zeros(state.status.shape, np.float32)
    records = (
        params(sc),
        state.actors(),
        state.ties_record(),
        Offer.from_scenario(sc).record(),
        state.record(),
    )
    for _ in range(max_steps):
        joins = weigh_joining(*records, zero, zero)
        if not joins.any():
            break
    return (state.status == COMMITTED).sum(axis=1)


# --------------------------------------------------------------------------- Granovetter


def complete_graph(n: int) -> sp.csr_matrix:
    i, j = np.triu_indices(n, 1)
    return symmetric(i, j, np.ones(len(i), np.float32), n)


def granovetter_counts(counts: np.ndarray) -> np.ndarray:
    """Final participants on a complete graph for thresholds given as counts of others.

    ``counts`` is (R, n): actor i joins once at least ``counts[r, i]`` others have.
    Actors with a threshold of 0 are the instigators.
    """
    r, n = counts.shape
    # "at least k of the n - 1 others": a share just under k / (n - 1)
    shares = (counts - 0.5) / (n - 1)
    g = complete_graph(n)
    state = threshold_state([g] * r, np.maximum(shares, 0.0), counts <= 0)
    return cascade(state)


def granovetter_exact(counts: np.ndarray) -> np.ndarray:
    """The same equilibrium by Granovetter's own iteration, r <- #{i: threshold_i <= r}."""
    out = []
    for row in np.atleast_2d(counts):
        r, nxt = -1, 0
        while nxt != r:
            r, nxt = nxt, int((row <= nxt).sum())
        out.append(r)
    return np.array(out)


def granovetter_mean_field(mean: float, sd: float, n: int = 100, steps: int | None = None) -> float:
    """Expected equilibrium (participants) of the map r <- n F(r) iterated from r = 0.

    F is the normal CDF of thresholds (counts of others). The map is increasing,
    so the iteration rises monotonically to its smallest fixed point; near the
    critical spread it crawls through a bottleneck, so by default the fixed point
    is located directly (first downward crossing of n F(r) - r on a fine grid,
    refined by root finding). ``steps`` iterates the map that many times instead.
    """
    if sd <= 0:
        return float(n) if mean <= 0 else 0.0
    if steps is not None:
        r = 0.0
        for _ in range(steps):
            r = float(n * special.ndtr((r - mean) / sd))
        return r
    grid = np.linspace(0.0, float(n), 20 * n + 1)
    gap = n * stats.norm.cdf(grid, loc=mean, scale=sd) - grid
    below = np.flatnonzero(gap <= 0)
    if not len(below):
        return float(n)
    i = int(below[0])
    if i == 0 or gap[i] == 0:
        return float(grid[i])

    def g(r: float) -> float:
        return float(n * stats.norm.cdf(r, loc=mean, scale=sd) - r)

    return float(optimize.brentq(g, grid[i - 1], grid[i], xtol=1e-10))


def granovetter_curve(
    sds: np.ndarray, trials: int = 200, n: int = 100, mean: float = 25.0, seed: int = 0
) -> dict:
    """Mean equilibrium over ``trials`` draws of N(mean, sd) thresholds, per sd."""
    rng = np.random.default_rng(seed)
    sim, field = [], []
    for sd in sds:
        counts = np.round(rng.normal(mean, sd, size=(trials, n)))
        sim.append(float(granovetter_counts(counts).mean()))
        field.append(granovetter_mean_field(mean, sd, n))
    return {"sd": list(map(float, sds)), "simulated": sim, "mean_field": field}


def critical_sd(mean: float = 25.0, n: int = 100) -> float:
    """The standard deviation at which the mean-field equilibrium jumps (bisection)."""
    lo, hi = 1.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if granovetter_mean_field(mean, mid, n) > n / 2:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


# --------------------------------------------------------------------------- Watts


def watts_condition(z: float, phi: float) -> float:
    """sum_k k (k - 1) rho_k p_k - z for Poisson(z) degrees: > 0 inside the window."""
    kmax = int(np.floor(1.0 / phi))
    k = np.arange(1, kmax + 1)
    pk = stats.poisson.pmf(k, z)
    return float((k * (k - 1) * pk).sum() - z)


def watts_window(phi: float = 0.18) -> tuple[float, float]:
    """The analytic cascade window (z_low, z_high) for Erdos-Renyi graphs."""
    grid = np.linspace(0.05, 20, 4000)
    vals = np.array([watts_condition(z, phi) for z in grid])
    sign = np.flatnonzero(np.diff(np.sign(vals)) != 0)
    roots = [optimize.brentq(watts_condition, grid[i], grid[i + 1], args=(phi,)) for i in sign]
    return float(roots[0]), float(roots[-1])


@dataclass
class WattsPoint:
    z: float
    probability: float  # share of trials with a global cascade
    size: float  # mean final share of global cascades (0 if none)
    trials: int


def watts_cascades(
    z: float,
    n: int = 10_000,
    phi: float = 0.18,
    trials: int = 100,
    seed: int = 0,
    global_share: float = 0.1,
    batch: int = 25,
) -> WattsPoint:
    """Global cascades on G(n, z/(n-1)) from one random seed, threshold phi for everyone."""
    sizes = []
    root = np.random.SeedSequence(seed)
    children = root.spawn(trials)
    for start in range(0, trials, batch):
        kids = children[start : start + batch]
        ties, seeds = [], []
        for ss in kids:
            rng = np.random.default_rng(ss)
            i, j = erdos_renyi_edges(n, z, rng)
            ties.append(symmetric(i, j, np.ones(len(i), np.float32), n))
            s = np.zeros(n, bool)
            s[rng.integers(n)] = True
            seeds.append(s)
        thr = np.full((len(kids), n), phi, np.float32)
        state = threshold_state(ties, thr, np.array(seeds))
        sizes.extend((cascade(state) / n).tolist())
    sizes = np.array(sizes)
    hit = sizes > global_share
    return WattsPoint(z, float(hit.mean()), float(sizes[hit].mean()) if hit.any() else 0.0, trials)


# published values beside ours. Watts (2002), Fig. 1a (phi = 0.18, n = 10^4): simulated global
# cascades from z = 1 up to an upper edge at roughly z = 6-7, read by eye from the figure (it
# has no table); finite networks put the simulated upper edge above the analytic one.
WATTS_PUBLISHED = {
    "phi": 0.18,
    "n": 10_000,
    "window": (1.0, 6.5),
    "upper_edge_range": (6.0, 7.0),
    "source": "Watts (2002) Fig. 1a, read by eye (approximate)",
}
GRANOVETTER_PUBLISHED = {"mean": 25, "n": 100, "critical_sd": 12.2}


# --------------------------------------------------------------------------- figures


def simulated_window(zs, probability) -> list[float | None]:
    """Smallest and largest mean degree with any global cascade (None if none)."""
    hit = [float(z) for z, p in zip(zs, probability, strict=True) if p > 0]
    return [min(hit), max(hit)] if hit else [None, None]


def default_zs() -> np.ndarray:
    """Mean degrees of the Watts figure: 0.5 to 10 by 0.5, finer near the upper edge."""
    return np.unique(np.round(np.r_[np.arange(0.5, 10.01, 0.5), 5.75, 6.25, 6.75], 2))


def reproduce(
    out, n: int = 10_000, trials: int = 100, zs=None, seed: int = 0, progress=None
) -> dict:
    """Both reproductions, as ``validation.json`` and two PNG figures in ``out``."""
    from pathlib import Path

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    zs = default_zs() if zs is None else np.asarray(zs)
    phi = WATTS_PUBLISHED["phi"]
    points = []
    for z in zs:
        points.append(watts_cascades(float(z), n=n, phi=phi, trials=trials, seed=seed))
        if progress:
            progress(1)
    lo, hi = watts_window(phi)
    sds = np.arange(2.0, 24.1, 1.0)
    gran = granovetter_curve(sds, trials=100, seed=seed)
    riot = int(granovetter_counts(np.arange(100)[None, :])[0])
    riot2_counts = np.arange(100)[None, :].copy()
    riot2_counts[0, 1] = 2
    riot2 = int(granovetter_counts(riot2_counts)[0])
    result = {
        "granovetter": {
            "riot_all_thresholds": riot,
            "riot_threshold_1_replaced": riot2,
            "critical_sd_mean_field": critical_sd(),
            **gran,
            "published": GRANOVETTER_PUBLISHED,
        },
        "watts": {
            "n": n,
            "phi": phi,
            "trials": trials,
            "z": [p.z for p in points],
            "probability": [p.probability for p in points],
            "size": [p.size for p in points],
            "analytic_window": [lo, hi],
            "simulated_window": simulated_window(zs, [p.probability for p in points]),
            "published": WATTS_PUBLISHED,
        },
    }
    write_json(out / "validation.json", result)
    plot_figures(result, out)
    return result


def plot_figures(result: dict, out) -> None:
    """``watts-window.png`` and ``granovetter.png`` in ``out`` from a :func:`reproduce` result."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    w, gran = result["watts"], result["granovetter"]
    lo, hi = w["analytic_window"]
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    ax.axvspan(
        lo, hi, color="#c6dbef", alpha=0.6, label=f"analytic window ({lo:.2f} < z < {hi:.2f})"
    )
    pub = WATTS_PUBLISHED["upper_edge_range"]
    ax.axvspan(
        *pub,
        facecolor="none",
        edgecolor="#969696",
        hatch="//",
        lw=0,
        label="upper edge in Watts (2002) Fig. 1a, by eye",
    )
    ax.plot(
        w["z"],
        w["probability"],
        "o-",
        color="#08519c",
        label="share of trials with a global cascade",
    )
    ax.plot(w["z"], w["size"], "s--", color="#e6550d", label="mean size of global cascades (share)")
    ax.set_xlabel("mean degree z (ties per actor)")
    ax.set_ylabel("share of trials / share of actors")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title(
        f"Global cascades on random networks (Watts 2002): phi = {w['phi']}, "
        f"n = {w['n']:,}, {w['trials']} trials per z",
        fontsize=10,
    )
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(out / "watts-window.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    fine = np.arange(2.0, 24.001, 0.05)
    ax.plot(
        fine,
        [granovetter_mean_field(25.0, sd) for sd in fine],
        "-",
        color="#636363",
        label="mean-field map r <- 100 F(r), iterated from 0",
    )
    ax.plot(
        gran["sd"],
        gran["simulated"],
        "o",
        color="#08519c",
        label="commitment link on a complete graph (mean of 100 draws)",
    )
    ax.axvline(
        GRANOVETTER_PUBLISHED["critical_sd"],
        color="#e6550d",
        ls=":",
        label="critical sd in Granovetter (1978): 12.2",
    )
    crit = gran["critical_sd_mean_field"]
    ax.axvline(
        crit, color="#08519c", ls="--", lw=0.8, label=f"critical sd, mean field here: {crit:.2f}"
    )
    ax.set_xlabel("standard deviation of thresholds (actors; mean 25 of n = 100)")
    ax.set_ylabel("equilibrium number of participants (actors)")
    ax.set_title("Riots and thresholds (Granovetter 1978): equilibrium against spread", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(out / "granovetter.png", dpi=110)
    plt.close(fig)
