"""The trainer's chart of a class (``commonfuture train-merge``): each game's score beside
the rules of thumb's and the strong policy's on the same case, seed and horizon."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from commonfuture.training.debrief import COLOURS

#: the rivals drawn beside each game, in this order
RIVALS = ("steady", "firefight", "grow", "strong")


def game_label(row: pd.Series) -> str:
    """A game's name on the chart: its folder when the file is ``game.json``, else its
    file name without ``.json``; and its seed."""
    p = Path(str(row["game"]))
    name = p.parent.name if p.name == "game.json" and p.parent.name else p.stem
    return f"{name} (seed {int(row['seed'])})"


def class_chart(table: pd.DataFrame, path: str | Path):
    """Draw ``table`` (one row a game, as ``train-merge`` writes it) to the PNG ``path``;
    return the figure. One panel a case (scores differ by orders of magnitude from case
    to case); in each, one line a game, best first: the game's score (large dot) and each
    rival's on the same seed (small marks)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = list(dict.fromkeys(table["case"]))
    heights = [max(1, int((table["case"] == c).sum())) for c in cases]
    fig, axes = plt.subplots(
        len(cases),
        1,
        figsize=(8, 1.3 + 0.9 * len(cases) + 0.32 * sum(heights)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    markers = {"steady": "s", "firefight": "^", "grow": "v", "strong": "D"}
    for ax, case in zip(axes[:, 0], cases, strict=True):
        rows = table[table["case"] == case].sort_values("score")
        y = range(len(rows))
        for name in RIVALS:
            col = f"score_{name}"
            if col in rows:
                ax.scatter(
                    rows[col], y, marker=markers[name], s=30, color=COLOURS[name], label=name
                )
        ax.scatter(rows["score"], y, s=90, color=COLOURS["you"], label="the game", zorder=3)
        ax.set_yticks(list(y), [game_label(r) for _, r in rows.iterrows()])
        ax.axvline(0, color="#999", lw=0.8)
        ax.set_title(str(case), loc="left", fontsize=10)
        ax.grid(axis="x", color="#eee")
        ax.set_ylim(-0.6, len(rows) - 0.4)
    axes[-1, 0].set_xlabel("score: net community value minus value lost (value units)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=5, frameon=False, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return fig


__all__ = ["RIVALS", "class_chart", "game_label"]
