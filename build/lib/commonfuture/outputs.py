"""The monthly measures, declared once.

Every run records these for every replicate and month (``result.monthly``,
``monthly.parquet``, the experiment store, the reports). Uptake per proposition
adds one ``uptake.<name>`` column per proposition.
"""

from __future__ import annotations

from dataclasses import dataclass

from commonfuture.scenario.schema import SECTORS
from commonfuture.value import DESTRUCTION_KINDS, ELEMENTS, LEVELS


@dataclass(frozen=True)
class Measure:
    name: str
    units: str
    description: str


MEASURES: tuple[Measure, ...] = (
    Measure("stage", "0-3", "Stage: 0 no coupling, 1 coupling, 2 integration, 3 linking."),
    Measure("coupled", "bool", "Key leaders of at least two sectors are coupled."),
    Measure("regressions", "count", "Stage lost this month (1) or not (0)."),
    Measure("disruptions", "count", "Coupling lost this month (1) or not (0)."),
    Measure("members", "actors", "Committed actors at the end of the month."),
    *(Measure(f"members_{s}", "actors", f"Committed {s} actors.") for s in SECTORS),
    Measure("members_key_leaders", "actors", "Committed key leaders."),
    Measure("members_network_actors", "actors", "Committed organisations other than leaders."),
    Measure("members_external_users", "actors", "Committed residents (the wider community)."),
    Measure("seceded", "actors", "Actors who have seceded so far."),
    Measure("joins", "actors", "Actors who committed this month."),
    Measure("secessions", "actors", "Members who seceded this month."),
    Measure("mean_commitment", "0-1", "Mean commitment of members (0 when none)."),
    Measure("mean_trust", "0-1", "Mean trust of members (0 when none)."),
    Measure("small_wins", "evaluations", "Members' evaluations this month that were wins."),
    Measure("shortfalls", "evaluations", "Members' evaluations this month that fell short."),
    Measure("uses", "uses", "Uses of propositions this month."),
    Measure("value_created", "value units", "Value created this month, all elements."),
    *(Measure(f"value_{e}", "value units", f"Value created this month: {e}.") for e in ELEMENTS),
    *(
        Measure(f"value_{lvl}", "value units", f"Value created this month accruing to the {lvl}.")
        for lvl in LEVELS
    ),
    Measure("value_realised", "value units", "Net private value realised by users this month."),
    Measure("value_destroyed", "value units", "Sum of negative realised private value."),
    *(
        Measure(f"loss_{k}", "value units", f"Value lost to value {k} this month.")
        for k in DESTRUCTION_KINDS
    ),
    Measure("budget", "GBP", "Investment received this month."),
    Measure("funding", "GBP", "Pool available this month: investment plus contributions."),
    Measure("spent", "GBP", "Funding drawn by uses this month."),
    Measure("capital_raised", "GBP", "Money paid in by users so far (e.g. shares bought)."),
    Measure("target_progress", "0-1+", "Cumulative progress towards the long-term target."),
)

NAMES: tuple[str, ...] = tuple(m.name for m in MEASURES)


def uptake_column(name: str) -> str:
    return f"uptake.{name}"


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
}
