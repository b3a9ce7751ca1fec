"""A short guide for public managers and a glossary: the text shown in every report
and in docs/guide.md (a test keeps the two in step)."""

from __future__ import annotations

from commonfuture.outputs import TERMS

#: the levers a public manager controls, what each means in practice, and the case
#: that shows it
LEVERS: list[tuple[str, str]] = [
    (
        "The leaders' time (leadership.capacity_hours, leadership.policy)",
        "Each key leader brings limited hours a month; what they spend them on is the "
        "leadership. A policy divides them between engaging groups, arbitrating tensions, "
        "negotiating among the key leaders and linking to the wider community: 'steady' "
        "(fixed shares), 'firefight' (the worst tension and the group losing most members "
        "first) or 'grow' (groups not yet in, and linking, first). When a leader leaves, "
        "their hours go with them.",
    ),
    (
        "Engaging groups (leadership.alignment)",
        "Under the steady policy, the share of the leaders' time spent learning what each "
        "group values. In practice: asking partners and residents what they want before "
        "designing the service. A group that is engaged gets offers matched to its values "
        "(its alignment grows); a neglected one drifts out of alignment and its value is "
        "ignored.",
    ),
    (
        "Arbitrating tensions (leadership.arbitration)",
        "Under the steady policy, the share of the rest of the leaders' time spent "
        "settling tensions between groups whose values differ (a council and a community "
        "group, those who pay and those who gain). In practice: a neutral chair, open "
        "rules for who pays and who gains. A tension left open grows, costs the groups in "
        "it and the community value every month, and lets costs fall out of proportion, "
        "backlash and exploitation follow: this is how a poorly led collaboration destroys "
        "more value than it creates.",
    ),
    (
        "Small-win cadence (leadership.small_win_cadence_months)",
        "How often results are shown to partners. In practice: a visible result every few "
        "months (the first panels generating, a first dividend in Community Solar) keeps "
        "commitment up between the big milestones.",
    ),
    (
        "Investment (investment.monthly_budget)",
        "Public money put into the common pool each month. In practice: pilot funding; "
        "Carbon Literacy shows what happens when it ends and a key leader withdraws.",
    ),
    (
        "Openness (network.openness)",
        "How far recruitment reaches across sectors and beyond existing networks. In "
        "practice: outreach to residents who are not already involved; it decides whether "
        "stage 3 (linking to the wider community) is reached.",
    ),
    (
        "Key leaders (leadership.key_leaders)",
        "The leaders of each sector whose coupling starts the collaboration. In practice: "
        "a council officer and a community organisation's director who commit first.",
    ),
]

GLOSSARY: list[tuple[str, str]] = [
    (
        "Stage 0, no coupling",
        "The key leaders of different sectors have not yet committed to work together.",
    ),
    (
        "Stage 1, coupling of key leaders",
        "Key leaders of at least two sectors are committed: the alliance exists.",
    ),
    (
        "Stage 2, integration of actors",
        "Enough other organisations, from enough sectors, have joined.",
    ),
    (
        "Stage 3, linking to the wider community",
        "A set share of residents has committed: the collaboration reaches the public.",
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
        "Every report ends with this guide. Each lever is a parameter of the scenario",
        "(`commonfuture params SCENARIO --section leadership` lists them with their values).",
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
