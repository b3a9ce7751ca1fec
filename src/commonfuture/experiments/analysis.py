"""Summaries, sensitivity indices (SALib) and plots of an experiment's runs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def point_table(
    runs: pd.DataFrame, names: list[str], points: list[list[float]], outputs: list[str]
) -> pd.DataFrame:
    """Mean and standard deviation of each output per point, with the factor values."""
    done = runs[runs["status"] == "done"]
    g = done.groupby("point")[outputs]
    table = g.mean().add_suffix("_mean").join(g.std(ddof=1).add_suffix("_sd"))
    table["runs"] = done.groupby("point").size()
    factors = pd.DataFrame(points, columns=names)
    factors.index.name = "point"
    return factors.join(table)


def heatmap(table: pd.DataFrame, names: list[str], output: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    col = f"{output}_mean"
    if len(names) == 1:
        t = table.sort_values(names[0])
        ax.errorbar(
            t[names[0]], t[col], yerr=t.get(f"{output}_sd"), fmt="o-", color="#08519c", capsize=3
        )
        ax.set_xlabel(names[0])
        ax.set_ylabel(f"{output} (mean of replicates)")
    else:
        x, y = names[0], names[1]
        grid = table.groupby([y, x])[col].mean().unstack(x)
        im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(grid.shape[1]), [f"{v:.3g}" for v in grid.columns], rotation=45)
        ax.set_yticks(range(grid.shape[0]), [f"{v:.3g}" for v in grid.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        for (i, j), v in np.ndenumerate(grid.to_numpy()):
            if np.isfinite(v):  # dark text on the bright end of the colour map
                light = im.norm(v) > 0.6
                colour = "black" if light else "white"
                ax.text(j, i, f"{v:.3g}", ha="center", va="center", color=colour, fontsize=8)
        fig.colorbar(im, ax=ax, label=f"{output} (mean of replicates)")
        if len(names) > 2:
            ax.set_title(f"averaged over {', '.join(names[2:])}", fontsize=9)
    fig.suptitle(f"Sweep: {output}", fontsize=11, fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def sensitivity(
    design: str, problem: dict, points: np.ndarray, y: np.ndarray, seed: int = 0
) -> pd.DataFrame:
    """Sobol first/total-order indices with confidence intervals, or Morris mu*/sigma.

    SALib's and numpy's warnings are not passed on (:func:`index_warnings` says what a
    reader must know); with a single base sample (Sobol) or trajectory (Morris) the
    bootstrap has nothing to resample, so the intervals are NaN, not a false 0."""
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        df = _sensitivity(design, problem, points, y, seed)
    base = len(y) // (problem["num_vars"] + (2 if design == "sobol" else 1))
    if base < 2:
        for col in [c for c in df.columns if c.endswith("_conf")]:
            df[col] = np.nan
    return df


def _sensitivity(
    design: str, problem: dict, points: np.ndarray, y: np.ndarray, seed: int = 0
) -> pd.DataFrame:
    if design == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        return pd.DataFrame(
            {
                "parameter": problem["names"],
                "S1": si["S1"],
                "S1_conf": si["S1_conf"],
                "ST": si["ST"],
                "ST_conf": si["ST_conf"],
            }
        )
    if design == "morris":
        from SALib.analyze import morris

        si = morris.analyze(problem, points, y, num_levels=4, seed=seed)
        return pd.DataFrame(
            {
                "parameter": problem["names"],
                "mu_star": si["mu_star"],
                "mu_star_conf": si["mu_star_conf"],
                "sigma": si["sigma"],
            }
        )
    raise ValueError(f"sensitivity analysis needs a sobol or morris design, not {design!r}")


def index_chart(indices: dict[str, pd.DataFrame], design: str, path: Path) -> Path:
    n = len(indices)
    fig, axes = plt.subplots(1, n, figsize=(5.5 * n, 3.8), squeeze=False)
    for ax, (output, df) in zip(axes[0], indices.items(), strict=True):
        ypos = np.arange(len(df))
        if design == "sobol":
            ax.barh(
                ypos + 0.2,
                df["S1"],
                0.4,
                xerr=df["S1_conf"],
                color="#9ecae1",
                label="first order",
                capsize=3,
            )
            ax.barh(
                ypos - 0.2,
                df["ST"],
                0.4,
                xerr=df["ST_conf"],
                color="#08519c",
                label="total order",
                capsize=3,
            )
            ax.set_xlabel("Sobol index (95% CI)")
        else:
            ax.barh(
                ypos,
                df["mu_star"],
                0.6,
                xerr=df["mu_star_conf"],
                color="#08519c",
                label="mu*",
                capsize=3,
            )
            ax.plot(df["sigma"], ypos, "D", color="#e6550d", label="sigma")
            ax.set_xlabel("Morris elementary effects")
        ax.set_yticks(ypos, df["parameter"])
        ax.set_title(output, fontsize=10)
        ax.legend(frameon=False, fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def index_warnings(design: str, df: pd.DataFrame) -> list[str]:
    """What a reader must know before ranking factors by these indices.

    Sobol estimates at small samples can come out negative, or with a first-order
    index above the total-order one; both are sampling noise. When the 95% intervals
    of the two largest total-order (Sobol) or mu* (Morris) indices overlap, the
    ranking of the leading factors is not resolved.
    """
    notes: list[str] = []
    key = "ST" if design == "sobol" else "mu_star"
    if design == "sobol":
        neg = df.loc[df["S1"] < 0, "parameter"].tolist()
        if neg:
            notes.append(
                f"negative first-order index for {', '.join(neg)}: sampling noise (true "
                "indices are at least 0); increase samples"
            )
        above = df.loc[df["S1"] > df["ST"], "parameter"].tolist()
        if above:
            notes.append(
                f"first-order index above the total-order index for {', '.join(above)}: "
                "sampling noise (S1 <= ST in truth); increase samples"
            )
    conf = df[f"{key}_conf"].to_numpy(dtype=float)
    val = df[key].to_numpy(dtype=float)
    if not np.isfinite(conf).all():
        notes.append(
            "some intervals could not be computed (a single sample or trajectory gives "
            "none: increase samples); do not rank factors on these"
        )
    elif len(df) >= 2:
        order = np.argsort(-val)
        a, b = order[0], order[1]
        if val[a] - conf[a] <= val[b] + conf[b]:
            notes.append(
                f"the 95% intervals of the two leading factors ({df['parameter'].iloc[a]}, "
                f"{df['parameter'].iloc[b]}) overlap: too wide to rank them; increase "
                "samples or replicates"
            )
    return notes


def _finite(obj):
    """``obj`` with every NaN or infinite float replaced by None (JSON null)."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def write_json(obj, path: Path) -> Path:
    """Strict JSON (no bare NaN or Infinity: those become null), written whole."""
    from commonfuture.writing import write_json as strict_json

    return strict_json(path, _finite(obj))
