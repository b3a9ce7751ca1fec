"""The dashboard's charts (matplotlib figures, drawn without pyplot so any thread may draw)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from commonfuture.scenario.schema import SECTORS
from commonfuture.value import DESTRUCTION_KINDS, ELEMENTS, LEVELS

COLOURS = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#66a182", "#8d6a9f", "#00798c")
A_COLOUR, B_COLOUR = "#1b6ca8", "#d1495b"


def _months(x: np.ndarray) -> np.ndarray:
    return np.arange(1, x.shape[0] + 1)


def band(ax, x: np.ndarray, colour: str, label: str) -> None:
    """Mean over replicates with the 10-90% band of replicates."""
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return
    t = _months(x)
    ax.plot(t, x.mean(axis=1), color=colour, lw=1.6, label=label)
    if x.shape[1] > 1:
        lo, hi = np.percentile(x, [10, 90], axis=1)
        ax.fill_between(t, lo, hi, color=colour, alpha=0.18, lw=0)


def _lines(ax, arrays, names, labels, title, ylabel) -> None:
    for i, (name, label) in enumerate(zip(names, labels, strict=True)):
        if name in arrays:
            x = np.asarray(arrays[name], dtype=float)
            ax.plot(
                _months(x), x.mean(axis=1), color=COLOURS[i % len(COLOURS)], lw=1.4, label=label
            )
    _finish(ax, title, ylabel)


def _finish(ax, title: str, ylabel: str, legend: bool = True) -> None:
    ax.set_title(title, fontsize=9, loc="left")
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.25)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6.5, frameon=False, loc="upper left")


#: panel titles of :func:`overview`, in order
PANELS = (
    "Stage (mean, 10-90% of replicates)",
    "Members by sector",
    "Value created by element",
    "Net value by level",
    "Value destroyed by kind",
    "Small wins and shortfalls",
    "Target progress",
    "Commitment and trust of members",
)


def overview(arrays: dict[str, np.ndarray], months: int, target_name: str = "target") -> Figure:
    """The eight panels of a run, x axis fixed to the horizon so they fill in month by month."""
    fig = Figure(figsize=(11, 8.2), dpi=72)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.97, bottom=0.06, hspace=0.3, wspace=0.12)
    axes = fig.subplots(4, 2, sharex=True).ravel()
    for ax in axes:
        ax.set_xlim(1, max(months, 2))
    if "stage" in arrays:
        band(axes[0], arrays["stage"], COLOURS[0], "stage")
        axes[0].set_ylim(-0.1, 3.1)
        axes[0].set_yticks([0, 1, 2, 3])
    _finish(axes[0], PANELS[0], "stage (0-3)", legend=False)
    _lines(axes[1], arrays, [f"members_{s}" for s in SECTORS], list(SECTORS), PANELS[1], "actors")
    _lines(
        axes[2],
        arrays,
        [f"value_{e}" for e in ELEMENTS],
        list(ELEMENTS),
        PANELS[2],
        "value units / month",
    )
    _lines(
        axes[3],
        arrays,
        [f"value_{lvl}" for lvl in LEVELS],
        list(LEVELS),
        PANELS[3],
        "value units / month",
    )
    _lines(
        axes[4],
        arrays,
        [f"loss_{k}" for k in DESTRUCTION_KINDS],
        list(DESTRUCTION_KINDS),
        PANELS[4],
        "value units / month",
    )
    _lines(
        axes[5],
        arrays,
        ["small_wins", "shortfalls"],
        ["small wins", "shortfalls"],
        PANELS[5],
        "evaluations / month",
    )
    if "target_progress" in arrays:
        band(axes[6], 100 * np.asarray(arrays["target_progress"], float), COLOURS[2], "progress")
    _finish(axes[6], PANELS[6], f"% of {target_name}", legend=False)
    _lines(
        axes[7],
        arrays,
        ["mean_commitment", "mean_trust"],
        ["commitment", "trust"],
        PANELS[7],
        "0-1",
    )
    for ax in axes[-2:]:
        ax.set_xlabel("month", fontsize=8)
    return fig


#: (column, title, units) of the side-by-side panels of :func:`side_by_side`
COMPARED = (
    ("members", "Members", "actors"),
    ("stage", "Stage", "0-3"),
    ("target_progress", "Target progress", "share"),
    ("value_created", "Value created", "value units / month"),
    ("value_destroyed", "Value destroyed", "value units / month"),
    ("small_wins", "Small wins", "evaluations / month"),
)


def side_by_side(a: dict[str, np.ndarray], b: dict[str, np.ndarray], months: int) -> Figure:
    """A and B with their replicate bands, one panel per measure."""
    fig = Figure(figsize=(11, 6), dpi=72, layout="constrained")
    axes = fig.subplots(2, 3, sharex=True).ravel()
    for ax, (col, title, units) in zip(axes, COMPARED, strict=True):
        ax.set_xlim(1, max(months, 2))
        if col in a:
            band(ax, a[col], A_COLOUR, "A")
        if col in b:
            band(ax, b[col], B_COLOUR, "B")
        _finish(ax, title, units)
    for ax in axes[-3:]:
        ax.set_xlabel("month", fontsize=8)
    return fig


def actor_figure(chain, months: int, states=None) -> Figure:
    """One actor's value chain: the running total of value realised, with its evaluations
    (wins up, shortfalls down), joining and secession; below it, when ``states`` (from
    :func:`commonfuture.dashboard.logic.follow_actor`) is given, its commitment and trust
    month by month, the months it was committed shaded."""
    if states is None:
        fig = Figure(figsize=(11, 3.2), dpi=72, layout="constrained")
        ax = fig.subplots()
    else:
        fig = Figure(figsize=(11, 5.6), dpi=72, layout="constrained")
        ax, below = fig.subplots(2, 1, sharex=True)
        _actor_states(below, states)
    ax.set_xlim(0, max(months, 2))
    ev = chain["event"].astype(str)
    uses = chain[ev == "use"]
    if len(uses):
        total = uses.groupby("month")["value"].sum().cumsum()
        ax.step(
            total.index,
            total.to_numpy(),
            where="post",
            color=COLOURS[0],
            label="value realised so far",
        )
    evals = chain[ev == "evaluate"]
    for outcome, colour, marker in (("win", COLOURS[2], "^"), ("shortfall", COLOURS[1], "v")):
        e = evals[evals["outcome"] == outcome]
        if len(e):
            ax.scatter(
                e["month"],
                np.zeros(len(e)),
                color=colour,
                marker=marker,
                s=40,
                label=outcome,
                zorder=3,
            )
    for month in chain.loc[ev == "commit", "month"]:
        ax.axvline(month, color=COLOURS[4], ls="--", lw=1)
    for month in chain.loc[ev == "secede", "month"]:
        ax.axvline(month, color=COLOURS[1], ls=":", lw=1.4)
    _finish(ax, "Value chain (dashed: commits, dotted: secedes)", "value units")
    if states is None:
        ax.set_xlabel("month", fontsize=8)
    return fig


def _actor_states(ax, states) -> None:
    month = states["month"].to_numpy()
    committed = (states["status"] == "committed").to_numpy()
    if committed.any():
        ax.fill_between(
            month,
            0,
            1,
            where=committed,
            step="post",
            color=COLOURS[4],
            alpha=0.15,
            lw=0,
            transform=ax.get_xaxis_transform(),
            label="committed",
        )
    ax.step(month, states["commitment"], where="post", color=COLOURS[0], label="commitment")
    ax.step(month, states["trust"], where="post", color=COLOURS[3], label="trust")
    _finish(ax, "Commitment and trust after each month", "level")
    ax.set_xlabel("month", fontsize=8)
