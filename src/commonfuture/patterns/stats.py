"""Two-arm comparisons: effect sizes with confidence intervals and test statistics."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Comparison:
    measure: str
    kind: str  # "mean" or "proportion"
    treatment_mean: float
    control_mean: float
    effect: float  # treatment minus control
    ci_low: float
    ci_high: float
    statistic: float
    test: str
    p_value: float
    n_treatment: int
    n_control: int
    #: each arm's own 95% interval (of its mean, or Wilson's of its share)
    treatment_ci: tuple[float, float] | None = None
    control_ci: tuple[float, float] | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def compare_means(measure: str, treatment, control, level: float = 0.95) -> Comparison:
    """Difference in means with a Welch confidence interval and a Mann-Whitney U test."""
    t = np.asarray(treatment, float)
    c = np.asarray(control, float)
    diff = t.mean() - c.mean()
    vt, vc = t.var(ddof=1) / len(t), c.var(ddof=1) / len(c)
    se = np.sqrt(vt + vc)
    if se > 0:
        dof = (vt + vc) ** 2 / (vt**2 / (len(t) - 1) + vc**2 / (len(c) - 1))
        half = stats.t.ppf(0.5 + level / 2, dof) * se
    else:
        half = 0.0

    def own(x: np.ndarray) -> tuple[float, float]:
        """The arm's own interval of its mean (t distribution)."""
        if len(x) < 2 or np.all(x == x[0]):
            return float(x.mean()), float(x.mean())
        h = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
        return float(x.mean() - h), float(x.mean() + h)

    if np.all(t == t[0]) and np.all(c == c[0]) and t[0] == c[0]:
        u, p = float(len(t) * len(c) / 2), 1.0
    else:
        res = stats.mannwhitneyu(t, c, alternative="two-sided")
        u, p = float(res.statistic), float(res.pvalue)
    return Comparison(
        measure,
        "mean",
        float(t.mean()),
        float(c.mean()),
        float(diff),
        float(diff - half),
        float(diff + half),
        u,
        "Mann-Whitney U",
        p,
        len(t),
        len(c),
        own(t),
        own(c),
    )


def compare_proportions(measure: str, treatment, control, level: float = 0.95) -> Comparison:
    """Difference in proportions (Newcombe's hybrid Wilson interval) and Fisher's exact test."""
    t = np.asarray(treatment, bool)
    c = np.asarray(control, bool)
    x1, n1, x2, n2 = int(t.sum()), len(t), int(c.sum()), len(c)
    p1, p2 = x1 / n1, x2 / n2
    z = stats.norm.ppf(0.5 + level / 2)

    def wilson(x, n):
        centre = (x + z * z / 2) / (n + z * z)
        half = z * np.sqrt(x * (n - x) / n + z * z / 4) / (n + z * z)
        return centre - half, centre + half

    l1, u1 = wilson(x1, n1)
    l2, u2 = wilson(x2, n2)
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    res = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])
    return Comparison(
        measure,
        "proportion",
        p1,
        p2,
        float(d),
        float(lo),
        float(hi),
        float(res.statistic),
        "Fisher exact (odds ratio)",
        float(res.pvalue),
        n1,
        n2,
        (float(l1), float(u1)),
        (float(l2), float(u2)),
    )
