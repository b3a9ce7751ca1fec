"""A short guide for public managers and a glossary: the text shown in every report
and in docs/guide.md (a test keeps the two in step)."""

from __future__ import annotations

from commonfuture.outputs import TERMS
from commonfuture.vocabulary import LEVERS as VOCAB_LEVERS
from commonfuture.vocabulary import STAGES

#: the levers a public manager controls, what each means in practice, and the case
#: that shows it (the dashboard shows the same levers first, by the same names)
LEVERS: list[tuple[str, str]] = [(f"{lv.label} ({lv.path})", lv.practice) for lv in VOCAB_LEVERS]

GLOSSARY: list[tuple[str, str]] = [
    *(
        (f"Stage {k}, {STAGES[k]}", text)
        for k, text in (
            (0, "The key leaders of different sectors have not yet committed to work together."),
            (1, "Key leaders of at least two sectors are committed: the alliance exists."),
            (2, "Enough other organisations, from enough sectors, have joined."),
            (3, "A set share of residents has committed: the collaboration reaches the public."),
        )
    ),
    (
        "Key leaders",
        "The leaders of each sector whose coupling starts the collaboration "
        "(leadership.key_leaders). In practice: a council officer and a community "
        "organisation's director who commit first.",
    ),
    (
        "Small win",
        "A member's monthly evaluation in which the value it realised met its expectation; "
        "small wins build commitment and trust, shortfalls erode them.",
    ),
    (
        "Big win",
        "The long-term target (for example tonnes of CO2e avoided), shown as progress "
        "towards the target.",
    ),
    (
        "Elements of value",
        "Satisfaction, outcomes, experience, capacity and public value: the five things "
        "actors may value, each weighted differently by each actor.",
    ),
    (
        "Levels of value",
        "Who value accrues to: the individual, the service, or the community.",
    ),
    (
        "Value ignorance",
        "Value lost when an offer ignores what its users value (poor alignment).",
    ),
    (
        "Value disproportion",
        "Value lost when some users carry a disproportionate share of the burden.",
    ),
    (
        "Value backlash",
        "Value lost when users who care little for public value resent an offer "
        "that serves it at their expense.",
    ),
    (
        "Value exploitation",
        "Value lost when some actors take value from the collaboration without contributing.",
    ),
    *((term[:1].upper() + term[1:], text) for term, text in TERMS.items()),
    (
        "Random seed",
        "The number that fixes the model's random draws: the same seed gives the same run.",
    ),
    (
        "Replicate",
        "One run of the same scenario with its own random draws; results are summarised "
        "across replicates (medians and inter-quartile bands).",
    ),
    (
        "The paper",
        "Cui and Osborne (2019), Collaboration for the common future: the framework this "
        "model computes, and its Edinburgh cases.",
    ),
]


def markdown() -> str:
    """The guide and glossary as Markdown (docs/guide.md is this text)."""
    lines = [
        "# A short guide for public managers",
        "",
        "Every report ends with this guide, and the dashboard links to it. The dashboard",
        "shows these levers first, by these names; each is a parameter of the scenario",
        "(its path in brackets; `commonfuture params SCENARIO` lists them all with their values).",
        "",
        "## The levers",
        "",
    ]
    for name, text in LEVERS:
        lines += [f"**{name}**: {text}", ""]
    lines += ["## Glossary", ""]
    for term, text in GLOSSARY:
        lines += [f"**{term}**: {text}", ""]
    return "\n".join(lines).rstrip() + "\n"
