"""Running patterns and writing their results (JSON, figures, Parquet)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from commonfuture.patterns.claims import ALPHA, PATTERNS, PatternResult  # noqa: E402
from commonfuture.writing import write_json

ARM_COLOURS = ("#1b7f79", "#c0504d")


def run_pattern(
    name: str,
    seed: int = 0,
    replicates: int = 30,
    scale: float = 1.0,
    progress=None,
    case: str | None = None,
) -> PatternResult:
    """Run pattern ``name`` on ``case`` (a shipped case's name; its home case by default)."""
    if name not in PATTERNS:
        raise KeyError(name)
    kw = {} if case is None else {"case": case}
    return PATTERNS[name](seed=seed, replicates=replicates, scale=scale, progress=progress, **kw)


def figure(res: PatternResult, path: Path) -> None:
    m = res.monthly
    arms = [res.treatment, res.control]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [2.2, 1]})
    for arm, colour in zip(arms, ARM_COLOURS, strict=True):
        g = m[m["arm"] == arm].groupby("month")[res.plot_measure]
        mean, lo, hi = g.mean(), g.quantile(0.25), g.quantile(0.75)
        ax.plot(
            mean.index,
            mean.to_numpy(),
            color=colour,
            lw=2,
            label=arm,
            drawstyle="steps-post" if res.plot_measure == "stage" else "default",
        )
        ax.fill_between(mean.index, lo.to_numpy(), hi.to_numpy(), color=colour, alpha=0.18, lw=0)
    ax.set_xlabel("month")
    ax.set_ylabel(res.plot_label)
    ax.set_title(
        f"{res.plot_label}: mean (line) and inter-quartile band across replicates", fontsize=10
    )
    ax.legend(frameon=False, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    c = res.primary
    means = [c.treatment_mean, c.control_mean]
    yerr = None
    if c.treatment_ci is not None and c.control_ci is not None:  # each arm's 95% interval
        lows = [c.treatment_ci[0], c.control_ci[0]]
        highs = [c.treatment_ci[1], c.control_ci[1]]
        # (a Wilson interval's end meets a share of 0 or 1 up to rounding: never below 0)
        yerr = [
            [max(m - lo, 0.0) for m, lo in zip(means, lows, strict=True)],
            [max(hi - m, 0.0) for m, hi in zip(means, highs, strict=True)],
        ]
    bx.bar([0, 1], means, yerr=yerr, capsize=6, color=ARM_COLOURS, alpha=0.85, width=0.6)
    bx.set_xticks([0, 1], ["treatment", "control"])
    unit = "share of runs" if c.kind == "proportion" else "mean over runs"
    unit += ", with its 95% interval" if yerr is not None else ""
    bx.set_ylabel(textwrap.fill(f"{c.measure} ({unit})", 34), fontsize=9)
    bx.set_xlabel("arm")
    effect = (
        f"{100 * c.effect:+.0f} points [95% CI {100 * c.ci_low:+.0f}, {100 * c.ci_high:+.0f}]"
        if c.kind == "proportion"
        else f"{c.effect:+.3g} [95% CI {c.ci_low:+.3g}, {c.ci_high:+.3g}]"
    )
    bx.set_title(f"difference {effect}\np = {c.p_value:.2g}", fontsize=9)
    bx.spines[["top", "right"]].set_visible(False)
    verdict = "reproduced" if res.reproduced else "not reproduced (see the report for why)"
    fig.suptitle(
        textwrap.fill(f"{res.title} ({res.case}): {verdict}", 90), fontsize=12, fontweight="bold"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def write_patterns(results: list[PatternResult], out: Path, meta: dict | None = None) -> Path:
    from commonfuture.manifest import claim

    claim(out, "patterns", "a pattern experiment")
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for res in results:
        png = out / f"{res.name}.png"
        figure(res, png)
        res.monthly.to_parquet(out / f"{res.name}.parquet", index=False)
        c = res.primary
        entries.append(
            {
                "name": res.name,
                "title": res.title,
                "claim": res.claim,
                "case": res.case,
                "treatment": res.treatment,
                "control": res.control,
                "measure": c.measure,
                "kind": c.kind,
                "effect": c.effect,
                "ci_low": c.ci_low,
                "ci_high": c.ci_high,
                "statistic": c.statistic,
                "test": c.test,
                "p_value": c.p_value,
                "reproduced": bool(res.reproduced),
                "conditions": [
                    {"condition": text, "held": bool(met)} for text, met in res.conditions
                ],
                "figure": png.name,
                "note": res.note,
                "comparisons": [x.as_dict() for x in res.comparisons],
            }
        )
    doc = {
        "title": "The paper's claims as statistical tests",
        "alpha": ALPHA,
        "meta": meta or {},
        "patterns": entries,
    }
    from commonfuture.manifest import write_manifest

    write_manifest(
        out,
        "patterns",
        "commonfuture experiment",
        patterns=[r.name for r in results],
        **(meta or {}),
    )
    path = out / "patterns.json"
    write_json(path, doc)
    return path


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(type(x))
