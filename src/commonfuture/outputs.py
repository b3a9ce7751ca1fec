"""The monthly measures, declared once.

Every run records these for every replicate and month (``result.monthly``,
``monthly.parquet``, the experiment store, the reports). Uptake per proposition
adds one ``uptake.<name>`` column per proposition.

The declaration below is the only list of measures: the compiled month writes
into a :data:`Monthly` record whose fields are these names (``out.members[t, r]``,
``out.shortfalls[t, r]``), the output frames take their columns and dtypes from
it, and ``commonfuture params`` and the reports their units and meanings. A new
measure is a line here and the line of the kernel that writes it
(:func:`commonfuture.model.tally`).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from commonfuture.scenario.schema import SECTORS
from commonfuture.value import DESTRUCTION_KINDS, ELEMENTS, LEVELS

#: the six kinds of leadership action (commonfuture.leadership.actions.KINDS)
ACTIONS: tuple[str, ...] = ("engage", "arbitrate", "negotiate", "link", "wins", "target")


@dataclass(frozen=True)
class Measure:
    name: str
    units: str
    description: str
    dtype: type = np.float64  # np.int64 for counts, flags and the stage
    group: str | None = None  # a family of measures (one per sector, element, ...)


MEASURES: tuple[Measure, ...] = (
    Measure(
        "stage", "0-3", "Stage: 0 no coupling, 1 coupling, 2 integration, 3 linking.", np.int64
    ),
    Measure("coupled", "bool", "Key leaders of at least two sectors are coupled.", np.int64),
    Measure(
        "consensus",
        "0-1",
        "Key leaders' consensus on the shared target, at the end of the month.",
    ),
    Measure("regressions", "count", "Stage lost this month (1) or not (0).", np.int64),
    Measure("disruptions", "count", "Coupling lost this month (1) or not (0).", np.int64),
    Measure("members", "actors", "Committed actors at the end of the month.", np.int64),
    *(
        Measure(f"members_{s}", "actors", f"Committed {s} actors.", np.int64, "members_by_sector")
        for s in SECTORS
    ),
    Measure("members_key_leaders", "actors", "Committed key leaders.", np.int64),
    Measure(
        "members_network_actors", "actors", "Committed organisations other than leaders.", np.int64
    ),
    Measure(
        "members_external_users", "actors", "Committed residents (the wider community).", np.int64
    ),
    Measure("seceded", "actors", "Actors who have seceded so far.", np.int64),
    Measure(
        "supporters",
        "actors",
        "External supporters: outside actors backing the collaboration without joining.",
        np.int64,
    ),
    Measure("joins", "actors", "Actors who committed this month.", np.int64),
    Measure("secessions", "actors", "Members who seceded this month.", np.int64),
    *(
        Measure(
            f"secessions_{s}",
            "actors",
            f"Members of the {s} sector who seceded this month.",
            np.int64,
            "secessions_by_sector",
        )
        for s in SECTORS
    ),
    Measure("mean_commitment", "0-1", "Mean commitment of members (0 when none)."),
    Measure("mean_trust", "0-1", "Mean trust of members (0 when none)."),
    Measure(
        "small_wins", "evaluations", "Members' evaluations this month that were wins.", np.int64
    ),
    Measure(
        "shortfalls", "evaluations", "Members' evaluations this month that fell short.", np.int64
    ),
    Measure(
        "milestones",
        "actors",
        "Members who reached a milestone of their own value chain this month (a small win "
        "as an outcome: A-milestone).",
        np.int64,
    ),
    Measure(
        "staff_engagement",
        "0-1",
        "Mean engagement of member organisations' staff (0 when none: A-staff).",
    ),
    Measure("uses", "uses", "Uses of propositions this month.", np.int64),
    Measure(
        "value_created",
        "value units",
        "Value created this month, all elements (uses and holding returns).",
    ),
    *(
        Measure(
            f"value_{e}", "value units", f"Value created this month: {e}.", group="value_by_element"
        )
        for e in ELEMENTS
    ),
    *(
        Measure(
            f"value_{lvl}",
            "value units",
            f"Net value this month at the {lvl} level: value created accruing to it "
            "minus the losses of value destruction falling on it (A-levels); can be negative.",
            group="value_by_level",
        )
        for lvl in LEVELS
    ),
    *(
        Measure(
            f"destroyed_{lvl}",
            "value units",
            f"Value lost this month at the {lvl} level to the four kinds of value "
            "destruction and to open tensions (the individual's net of what exploiters "
            "gained).",
            group="destroyed_by_level",
        )
        for lvl in LEVELS
    ),
    Measure(
        "value_realised",
        "value units",
        "Net private value realised by this month's uses "
        "(holding returns and leaders' stake not included).",
    ),
    Measure(
        "value_destroyed",
        "value units",
        "Sum of negative realised private value of this month's uses.",
    ),
    *(
        Measure(
            f"loss_{k}", "value units", f"Value lost to value {k} this month.", group="loss_by_kind"
        )
        for k in DESTRUCTION_KINDS
    ),
    Measure(
        "loss_conflict",
        "value units",
        "Value lost this month to open tensions between groups: what members of groups in "
        "a standing tension lose, and the community as much again (A-tension).",
    ),
    Measure(
        "capacity",
        "hours",
        "Leadership capacity this month: hours the committed key leaders bring.",
    ),
    *(
        Measure(
            f"spent_{k}",
            "hours",
            f"Leadership capacity spent this month on the action '{k}'.",
            group="spent_by_action",
        )
        for k in ACTIONS
    ),
    *(
        Measure(
            f"engaged_{s}",
            "hours",
            f"Hours the key leaders spent engaging the {s} sector this month.",
            group="engaged_by_group",
        )
        for s in SECTORS
    ),
    *(
        Measure(
            f"alignment_{s}",
            "0-1",
            f"Alignment of the {s} sector at the end of the month: how far its offers are "
            "adapted to its values, built by engagement.",
            group="alignment_by_group",
        )
        for s in SECTORS
    ),
    Measure(
        "tensions_open",
        "tensions",
        "Tensions standing between groups that both have members (level at least 0.05).",
        np.int64,
    ),
    Measure(
        "tension_max",
        "0-1",
        "The largest tension standing between groups that both have members.",
    ),
    Measure("budget", "GBP", "Investment received this month."),
    Measure("funding", "GBP", "Pool available this month: investment plus contributions."),
    Measure("spent", "GBP", "Funding drawn this month by uses and by shared milestone events."),
    Measure("capital_raised", "GBP", "Money paid in by users so far (e.g. shares bought)."),
    Measure("target_progress", "0-1+", "Cumulative progress towards the long-term target."),
    Measure(
        "target_pace",
        "ratio",
        "Progress towards the long-term target over what its plan had reached by this month "
        "(1: on plan; 1 before the plan starts: A-big-win).",
    ),
)

NAMES: tuple[str, ...] = tuple(m.name for m in MEASURES)


def _fields() -> tuple[str, ...]:
    out: list[str] = []
    for m in MEASURES:
        name = m.group or m.name
        if name not in out:
            out.append(name)
    return (*out, "uptake")


#: The month's measures as the compiled month writes them: one (T, R) array per
#: measure, named as declared; a family of measures (``group``) as a tuple of them in
#: declared order (``out.value_by_element[e][t, r]``, ``out.members_by_sector[s][t, r]``);
#: and ``uptake`` (T, R, P), uses of each proposition.
Monthly = namedtuple("Monthly", _fields(), module=__name__)


def allocate(months: int, replicates: int, propositions: int) -> Monthly:
    """A zeroed :data:`Monthly` record for ``months`` months of ``replicates`` replicates."""
    fields: dict[str, object] = {}
    for m in MEASURES:
        arr = np.zeros((months, replicates), m.dtype)
        if m.group is None:
            fields[m.name] = arr
        else:
            fields[m.group] = (*fields.get(m.group, ()), arr)
    fields["uptake"] = np.zeros((months, replicates, propositions), np.int64)
    return Monthly(**fields)


def columns(monthly: Monthly, propositions: tuple[str, ...], months: int | None = None):
    """The measures of a :data:`Monthly` record by name, in declared order, then one
    ``uptake.<name>`` per proposition: (T, R) arrays (the first ``months`` rows)."""
    rows = slice(None) if months is None else slice(0, months)
    out: dict[str, np.ndarray] = {}
    seen: dict[str, int] = {}
    for m in MEASURES:
        if m.group is None:
            out[m.name] = getattr(monthly, m.name)[rows]
        else:
            k = seen.get(m.group, 0)
            out[m.name] = getattr(monthly, m.group)[k][rows]
            seen[m.group] = k + 1
    for j, name in enumerate(propositions):
        out[uptake_column(name)] = monthly.uptake[rows, :, j]
    return out


def uptake_column(name: str) -> str:
    return f"uptake.{name}"


#: what a family of measures means, for the docs' table
GROUPS: dict[str, str] = {
    "members_by_sector": "Committed actors by sector.",
    "value_by_element": "Value created this month per element.",
    "value_by_level": "Net value this month per level: value created accruing to the level "
    "minus the losses of value destruction falling on it (A-levels); can be negative.",
    "destroyed_by_level": "Value lost this month per level to the four kinds of value "
    "destruction and to open tensions (the individual's net of what exploiters gained; "
    "A-levels, A-tension).",
    "loss_by_kind": "Value lost to each kind of value destruction this month.",
    "secessions_by_sector": "Members who seceded this month, by sector.",
    "spent_by_action": "Leadership capacity spent this month per kind of action (hours).",
    "engaged_by_group": "Hours spent engaging each sector this month.",
    "alignment_by_group": "Each sector's alignment at the end of the month (0-1).",
}


def table() -> str:
    """The measures as a Markdown table (docs/ODD.md, section 7.8), from the declaration."""
    rows = ["| column | units | dtype | meaning |", "|---|---|---|---|"]
    done: set[str] = set()
    for m in MEASURES:
        if m.group is not None:
            if m.group in done:
                continue
            done.add(m.group)
            family = [x for x in MEASURES if x.group == m.group]
            names = ", ".join(f"`{x.name}`" for x in family)
            meaning = GROUPS[m.group]
        else:
            names, meaning = f"`{m.name}`", m.description
        rows.append(f"| {names} | {m.units} | {np.dtype(m.dtype).name} | {meaning} |")
    return "\n".join(rows) + "\n"


#: The value vocabulary, defined once: reports, the command line and the docs use these
#: words and no others.
TERMS: dict[str, str] = {
    "value units": "The model's common measure of value: one value unit is what a single use "
    "of a proposition scoring 1 on every element of value is worth to any actor. It is not "
    "money; compare value units with value units only.",
    "value created": "Value in value units that uses of the propositions create, summed over "
    "the five elements of value (value_created).",
    "value lost": "Value lost to the four kinds of value destruction, before netting: what "
    "ignorance, disproportion, backlash and exploitation take away from value created "
    "(loss_<kind>).",
    "net value destroyed": "After netting value created against costs and value lost, the "
    "total by which users who ended worse off were worse off (value_destroyed).",
    "net private value": "Value created, minus costs and value lost, summed over users "
    "(value_realised); negative means value was destroyed on balance.",
    "value per level": "Value created accruing to the individual, the service system or "
    "the community, minus the value lost that falls on that level (value_<level>); "
    "negative means value was destroyed at that level on balance.",
    "value lost per level": "Value lost to the four kinds of value destruction and to "
    "open tensions that falls on a level (destroyed_<level>).",
    "value lost to conflict": "Value lost while tensions between groups stand open: what "
    "members of the groups lose, and the community as much again (loss_conflict).",
}
