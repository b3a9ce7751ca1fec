"""Figures of a run, as PNG bytes (matplotlib, Agg backend)."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from commonfuture.value import DESTRUCTION_KINDS, ELEMENTS  # noqa: E402

STAGE_NAMES = ("0 no coupling", "1 coupling", "2 integration", "3 linking")
STAGE_COLOURS = ("#d9d9d9", "#9ecae1", "#4292c6", "#08519c")
SECTOR_COLOURS = {
    "public": "#1f77b4",
    "private": "#ff7f0e",
    "third": "#2ca02c",
    "citizens": "#9467bd",
}
SECTOR_LABELS = {
    "public": "public sector",
    "private": "private sector",
    "third": "third sector and community",
    "citizens": "residents",
}
ELEMENT_COLOURS = dict(
    zip(ELEMENTS, ("#e6550d", "#31a354", "#756bb1", "#3182bd", "#636363"), strict=True)
)
LEVEL_COLOURS = {"individual": "#e6550d", "service": "#3182bd", "community": "#636363"}
KIND_COLOURS = {
    **dict(zip(DESTRUCTION_KINDS, ("#fdae6b", "#e6550d", "#a63603", "#7f2704"), strict=True)),
    "conflict": "#67000d",  # value lost to open tensions between groups
}

plt.rcParams.update(
    {
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.labelsize": 9,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
        "legend.frameon": False,
    }
)


def to_data_uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _from_zero(*axes) -> None:
    """Non-negative quantities: the axis starts at 0, with headroom for the legend."""
    for ax in axes:
        _, hi = ax.get_ylim()
        ax.set_ylim(0, 1.25 * max(hi, 1.0))


def _nothing(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")


def _band(ax, m: pd.DataFrame, col: str, colour: str, label: str) -> None:
    g = m.groupby("month")[col]
    med, lo, hi = g.median(), g.quantile(0.25), g.quantile(0.75)
    ax.plot(med.index, med.to_numpy(), color=colour, lw=1.8, label=label)
    if m["replicate"].nunique() > 1:
        ax.fill_between(med.index, lo.to_numpy(), hi.to_numpy(), color=colour, alpha=0.18, lw=0)


def stages_and_members(m: pd.DataFrame) -> str:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6))
    share = (
        m.groupby(["month", "stage"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=range(4), fill_value=0)
    )
    share = share.div(share.sum(axis=1), axis=0)
    a.stackplot(share.index, share.to_numpy().T, labels=STAGE_NAMES, colors=STAGE_COLOURS)
    a.set_ylim(0, 1)
    a.set_xlabel("month")
    a.set_ylabel("share of runs")
    a.set_title("Which stage the collaboration is in")
    a.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    # organisations on the left axis, residents on the right: residents' numbers are
    # often a hundred times the organisations' and would flatten their lines
    r = b.twinx()
    for sector, colour in SECTOR_COLOURS.items():
        col = f"members_{sector}"
        if col in m and m[col].max() > 0:
            ax = r if sector == "citizens" else b
            _band(ax, m, col, colour, SECTOR_LABELS[sector])
    if r.lines:
        r.lines[0].set_linestyle("--")
        r.set_ylabel("residents committed (actors, dashed)", color=SECTOR_COLOURS["citizens"])
        r.spines["right"].set_visible(True)
        _from_zero(r)
    else:
        r.set_yticks([])
    b.set_xlabel("month")
    b.set_ylabel("organisations committed (actors)")
    b.set_title("Who is committed, by sector")
    handles = b.get_legend_handles_labels()
    more = r.get_legend_handles_labels()
    if handles[0] or more[0]:
        b.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left")
    else:
        _nothing(b, "no members")
    _from_zero(b)
    fig.tight_layout()
    return to_data_uri(fig)


def value(m: pd.DataFrame) -> str:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6))
    cols = [f"value_{e}" for e in ELEMENTS]
    cum = m.groupby("replicate")[cols].cumsum().assign(month=m["month"]).groupby("month").mean()
    a.stackplot(
        cum.index,
        cum.to_numpy().T,
        labels=list(ELEMENTS),
        colors=[ELEMENT_COLOURS[e] for e in ELEMENTS],
        alpha=0.9,
    )
    a.set_xlabel("month")
    a.set_ylabel("cumulative value created (value units)")
    a.set_title("Value created so far, by element (mean of runs)")
    a.legend(loc="upper left", title="element of value", title_fontsize=8)
    if not cum.to_numpy().any():
        _nothing(a, "no value created")
    for lvl, colour in LEVEL_COLOURS.items():
        cum = m.assign(c=m.groupby("replicate")[f"value_{lvl}"].cumsum())
        _band(b, cum, "c", colour, lvl)
    cum = m.assign(c=m.groupby("replicate")["value_destroyed"].cumsum())
    _band(b, cum, "c", "#b2182b", "net value destroyed")
    b.set_xlabel("month")
    b.set_ylabel("cumulative value (value units)")
    b.set_title("Who value accrues to, and net value destroyed")
    b.legend(loc="upper left")
    _from_zero(a, b)
    fig.tight_layout()
    return to_data_uri(fig)


def wins_and_losses(m: pd.DataFrame) -> str:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6))
    for col, colour, label in (
        ("small_wins", "#31a354", "small wins (members' evaluations)"),
        ("shortfalls", "#de2d26", "shortfalls (members' evaluations)"),
        ("joins", "#08519c", "actors who joined"),
        ("secessions", "#252525", "actors who seceded"),
    ):
        cum = m.assign(c=m.groupby("replicate")[col].cumsum())
        _band(a, cum, "c", colour, label)
    a.set_xlabel("month")
    a.set_ylabel("count so far (median of runs)")
    a.set_title("Small wins, shortfalls, joins and secessions")
    a.legend(loc="upper left")
    _from_zero(a)
    names = [*DESTRUCTION_KINDS, "conflict"]
    kinds = [f"loss_{k}" for k in names if f"loss_{k}" in m]
    cum = m.groupby("replicate")[kinds].cumsum().assign(month=m["month"]).groupby("month").mean()
    if cum.to_numpy().max() > 0:
        b.stackplot(
            cum.index,
            cum.to_numpy().T,
            labels=[k.removeprefix("loss_") for k in kinds],
            colors=[KIND_COLOURS[k.removeprefix("loss_")] for k in kinds],
        )
        b.legend(loc="upper left")
    else:
        _nothing(b, "no value lost to destruction")
        b.set_xlim(m["month"].min(), m["month"].max())
    b.set_xlabel("month")
    b.set_ylabel("cumulative value lost, before netting (value units)")
    b.set_title("Value lost to each kind of value destruction")
    fig.tight_layout()
    return to_data_uri(fig)


ACTION_COLOURS = {
    "engage": "#1b9e77",
    "arbitrate": "#d95f02",
    "negotiate": "#7570b3",
    "link": "#e7298a",
}


def leadership(m: pd.DataFrame) -> str:
    """Left: the key leaders' capacity and how it was spent, by action (mean of runs).
    Right: the largest open tension and the value lost to conflict a month."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.4))
    cols = [f"spent_{k}" for k in ACTION_COLOURS if f"spent_{k}" in m]
    if cols and "capacity" in m:
        mean = m.groupby("month")[[*cols, "capacity"]].mean()
        a.stackplot(
            mean.index,
            mean[cols].to_numpy().T,
            labels=[c.removeprefix("spent_") for c in cols],
            colors=[ACTION_COLOURS[c.removeprefix("spent_")] for c in cols],
        )
        a.plot(mean.index, mean["capacity"], color="#252525", lw=1.2, label="capacity")
        a.legend(loc="upper right", fontsize=8)
    else:
        _nothing(a, "no leadership measures in these results")
    a.set_xlabel("month")
    a.set_ylabel("hours a month (mean of runs)")
    a.set_title("The key leaders' time, by action")
    _from_zero(a)
    if "tension_max" in m:
        _band(b, m, "tension_max", "#d95f02", "largest open tension (0-1)")
        b.set_ylim(0, 1)
        c = b.twinx()
        conflict = m.groupby("month")["loss_conflict"].mean()
        c.plot(conflict.index, conflict.to_numpy(), color="#67000d", lw=1, ls="--")
        c.set_ylabel("value lost to conflict a month (dashed)")
        c.set_ylim(bottom=0)
        b.legend(loc="upper left")
    else:
        _nothing(b, "no tension measures in these results")
    b.set_xlabel("month")
    b.set_title("Tensions between groups")
    fig.tight_layout()
    return to_data_uri(fig)


def money_and_target(m: pd.DataFrame, target_name: str) -> str:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.4))
    _band(a, m, "funding", "#3182bd", "funding available")
    _band(a, m, "spent", "#e6550d", "spent on propositions")
    a.set_xlabel("month")
    a.set_ylabel("GBP a month")
    a.set_title("Money")
    a.legend(loc="upper left")
    _from_zero(a)
    pct = m.assign(p=100 * m["target_progress"])
    _band(b, pct, "p", "#006d2c", "progress")
    b.axhline(100, color="#999999", lw=0.8, ls="--")
    b.set_xlabel("month")
    b.set_ylabel(f"% of the long-term target ({target_name})")
    b.set_title("Towards the big win")
    fig.tight_layout()
    return to_data_uri(fig)


def compare(runs: dict[str, pd.DataFrame], col: str, ylabel: str, title: str = "") -> str:
    """One measure over time for several runs (median and inter-quartile band each)."""
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    if title:
        ax.set_title(title, fontsize=13)
    ax.tick_params(labelsize=10)
    ax.xaxis.label.set_size(11)
    ax.yaxis.label.set_size(11)
    colours = plt.get_cmap("tab10")
    for k, (name, m) in enumerate(runs.items()):
        _band(ax, m, col, colours(k), name)
    ax.set_xlabel("month")
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", fontsize=10)
    fig.tight_layout()
    return to_data_uri(fig)


def png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


__all__ = [
    "compare",
    "money_and_target",
    "png_uri",
    "stages_and_members",
    "value",
    "wins_and_losses",
    "np",
]
