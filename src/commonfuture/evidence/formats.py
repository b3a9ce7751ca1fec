"""The two record formats a collaboration brings: an event log and dated observations.

Each row of either file is checked by a pydantic model (:class:`Event`,
:class:`Observation`); ``commonfuture evidence-formats`` writes their JSON Schemas.

**Event log**: one row per event. Column names follow the XES conventions, so
process-mining tools read the same file with each actor's value chain as one case:

=========================  ==============================================================
column                     meaning
=========================  ==============================================================
``case:concept:name``      actor id (the *case*; blank only for a collaboration-wide
                           ``small_win`` or ``coupling_changed``)
``concept:name``           the kind of event (the *activity*), one of :data:`KINDS`
``time:timestamp``         date (ISO 8601, e.g. ``2015-09-29``)
``org:group``              the actor's sector, one of public, private, third, citizens
``amount``                 money for ``contributed`` (GBP); for ``key_leader_changed``
                           1 when the actor takes up the key-leader role, 0 when it
                           gives it up; for ``coupling_changed`` 1 when the key
                           leaders' agreement comes into force, 0 when it is lost;
                           otherwise blank
``proposition``            the service or product used or taken part in (optional)
``note``                   free text (optional)
=========================  ==============================================================

**Observations**: one row per published figure: ``date``, ``measure``, ``value``,
``unit``, ``source`` (an address or a citation) and an optional ``note``. A measure
named like one of the model's monthly measures (``members``, ``capital_raised``,
``stage``, ``uptake.<proposition>``...) is compared with the model; prefixed
``cumulative:`` it is compared with the sum of that measure over the months up to the
date (``cumulative:uptake.community share offer`` = share buyers so far); prefixed
``share:`` it is a share of the actors who could be counted (:func:`share_of`):
``share:members_citizens`` with unit ``%`` (0-100) or ``share`` (0-1) is the share of
residents who are members. Any other measure is kept as context and shown, not fitted.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from commonfuture.scenario.schema import SECTORS

#: the kinds of event (``concept:name``), in the order of a value chain
KINDS: tuple[str, ...] = (
    "joined",
    "took_part",
    "used_service",
    "contributed",
    "small_win",
    "key_leader_changed",
    "coupling_changed",
    "left",
)

KIND_MEANING: dict[str, str] = {
    "joined": "the actor committed to the collaboration (became a member)",
    "took_part": "the actor took part in an activity (meeting, event, working group)",
    "used_service": "the actor used a service or product of the collaboration",
    "contributed": "the actor contributed money (``amount``, GBP), e.g. bought shares",
    "small_win": "a milestone or small win was reached (for the actor; blank actor: for all)",
    "key_leader_changed": "the actor took up (amount 1) or gave up (amount 0) a key-leader role",
    "coupling_changed": "the key leaders' agreement on the shared target came into force "
    "(amount 1: the coupling formed) or was lost (amount 0); blank actor",
    "left": "the actor left the collaboration (seceded)",
}

#: XES column names of the event log, and the short names used inside the package
CASE, ACTIVITY, TIMESTAMP, GROUP = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "org:group",
)
EVENT_COLUMNS: dict[str, str] = {
    CASE: "actor",
    ACTIVITY: "kind",
    TIMESTAMP: "date",
    GROUP: "sector",
    "amount": "amount",
    "proposition": "proposition",
    "note": "note",
}
EVENT_REQUIRED = (CASE, ACTIVITY, TIMESTAMP, GROUP)

OBSERVATION_COLUMNS: tuple[str, ...] = ("date", "measure", "value", "unit", "source", "note")
OBSERVATION_REQUIRED = ("date", "measure", "value", "unit", "source")

CUMULATIVE = "cumulative:"
SHARE = "share:"
#: units of a ``share:`` observation and what its value is multiplied by to be a fraction
SHARE_UNITS: dict[str, float] = {"%": 0.01, "percent": 0.01, "share": 1.0, "fraction": 1.0}


def share_of(column: str) -> str:
    """Whom a ``share:<column>`` observation is a share of: a column ending in a sector's
    name (``members_citizens``) of that sector's actors, any other (``members``,
    ``uptake.<proposition>``) of all actors."""
    for sector in SECTORS:
        if column.endswith(f"_{sector}"):
            return sector
    return "all"


Kind = Literal[
    "joined",
    "took_part",
    "used_service",
    "contributed",
    "small_win",
    "key_leader_changed",
    "coupling_changed",
    "left",
]
Sector = Literal["public", "private", "third", "citizens"]
assert tuple(Kind.__args__) == KINDS and tuple(Sector.__args__) == SECTORS  # type: ignore[attr-defined]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Event(_Row):
    """One row of an event log."""

    actor: str | None = Field(
        None,
        alias=CASE,
        description="Actor id (XES case). Blank only for a collaboration-wide small_win "
        "or coupling_changed.",
    )
    kind: Kind = Field(..., alias=ACTIVITY, description="What happened (XES activity).")
    date: dt.date = Field(..., alias=TIMESTAMP, description="When (XES timestamp), ISO 8601.")
    sector: Sector | None = Field(
        None, alias=GROUP, description="The actor's sector: public, private, third or citizens."
    )
    amount: float | None = Field(
        None,
        description="GBP for contributed; 1 (takes up) or 0 (gives up) for key_leader_changed; "
        "1 (formed) or 0 (lost) for coupling_changed.",
    )
    proposition: str | None = Field(None, description="Service or product concerned.")
    note: str | None = Field(None, description="Free text.")

    @model_validator(mode="after")
    def _consistent(self) -> Event:
        if self.actor is None and self.kind not in ("small_win", "coupling_changed"):
            raise ValueError(f"{CASE}: an actor id is required for {self.kind}")
        if self.actor is not None and self.sector is None:
            raise ValueError(f"{GROUP}: the actor's sector is required")
        if self.kind == "contributed" and (self.amount is None or self.amount < 0):
            raise ValueError("amount: contributed needs a non-negative amount (GBP)")
        if self.kind == "key_leader_changed" and self.amount not in (0.0, 1.0):
            raise ValueError("amount: key_leader_changed needs 1 (takes up) or 0 (gives up)")
        if self.kind == "coupling_changed" and self.amount not in (0.0, 1.0):
            raise ValueError("amount: coupling_changed needs 1 (formed) or 0 (lost)")
        return self


#: model measures that cannot be negative (counts, money raised, the stage, progress)
NON_NEGATIVE = ("members", "uptake.", "capital_raised", "stage", "target_progress", "seceded")

_MEASURE = re.compile(r"^(cumulative:|share:)?[A-Za-z][A-Za-z0-9_ .:-]*$")


class Observation(_Row):
    """One published figure."""

    date: dt.date = Field(..., description="Date the figure refers to, ISO 8601.")
    measure: str = Field(
        ...,
        description="A model measure (members, capital_raised, stage, uptake.<proposition>), "
        "optionally prefixed cumulative: (the sum up to the date) or share: (a share of the "
        "actors who could be counted, unit % or share), or any other name (kept as context).",
    )
    value: float = Field(..., description="The figure, in the unit given.")
    unit: str = Field(..., min_length=1, description="Unit of the figure (actors, GBP, 0-3...).")
    source: str = Field(
        ..., min_length=1, description="Where the figure was published (address or citation)."
    )
    note: str | None = Field(None, description="Free text: how the figure was read.")

    @field_validator("measure")
    @classmethod
    def _measure(cls, v: str) -> str:
        v = v.strip()
        if not _MEASURE.match(v):
            raise ValueError("not a measure name (letters, digits, _ . : - and spaces)")
        return v

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError(f"{v} is not a finite number")
        return v

    @model_validator(mode="after")
    def _stage(self) -> Observation:
        name = self.measure.removeprefix(CUMULATIVE).removeprefix(SHARE)
        if self.value < 0 and name.startswith(NON_NEGATIVE):
            raise ValueError(f"value: {name} counts or sums, it cannot be negative")
        if self.measure == "stage" and self.value not in (0, 1, 2, 3):
            raise ValueError("value: a stage is 0, 1, 2 or 3")
        if self.measure.startswith(SHARE):
            rest = self.measure.removeprefix(SHARE)
            if rest.startswith(CUMULATIVE) or rest.startswith(SHARE):
                raise ValueError("measure: share: is a share of a monthly count, not of a sum")
            factor = SHARE_UNITS.get(self.unit.strip().lower())
            if factor is None:
                raise ValueError("unit: a share: measure is in % (0-100) or share (0-1)")
            if not 0 <= self.value * factor <= 1:
                raise ValueError(f"value: a share in {self.unit} lies between 0 and {1 / factor:g}")
        return self


def json_schemas() -> dict[str, dict]:
    """The JSON Schemas of one row of each format (by alias, i.e. the file's columns)."""
    out = {}
    for name, model in (("event-log", Event), ("observations", Observation)):
        schema = model.model_json_schema(by_alias=True)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"commonfuture {name} row"
        out[name] = schema
    return out


def templates() -> dict[str, str]:
    """CSV templates of both formats, with example rows (fictitious, for illustration)."""
    events = (
        ",".join((CASE, ACTIVITY, TIMESTAMP, GROUP, "amount", "proposition", "note"))
        + "\n"
        + "\n".join(
            [
                "council,joined,2021-01-04,public,,,founding partner",
                "council,key_leader_changed,2021-01-04,public,1,,convenes the partnership",
                "trust,joined,2021-01-20,third,,,",
                "trust,key_leader_changed,2021-01-20,third,1,,",
                "resident-001,joined,2021-03-02,citizens,,,signed up at a launch event",
                "resident-001,took_part,2021-03-15,citizens,,,workshop",
                "resident-001,used_service,2021-04-10,citizens,,home energy advice,",
                "resident-001,contributed,2021-05-01,citizens,250,community share offer,",
                ",small_win,2021-06-30,,,,first panels installed",
                "resident-001,left,2022-02-11,citizens,,,moved away",
            ]
        )
        + "\n"
    )
    obs = (
        ",".join(OBSERVATION_COLUMNS)
        + "\n"
        + "\n".join(
            [
                "2021-06-30,members,120,actors,annual report 2021 p. 3,",
                "2021-12-31,capital_raised,250000,GBP,press release 2022-01-10,",
                "2021-12-31,cumulative:uptake.community share offer,95,actors,annual report "
                "2021 p. 5,share buyers so far",
                "2021-12-31,stage,2,0-3,partnership review,read from the review's account",
                "2021-12-31,share:members_citizens,4.5,%,resident survey 2021 p. 2,"
                "share of residents who are members",
                "2021-12-31,buildings_with_panels,6,buildings,annual report 2021 p. 4,context",
            ]
        )
        + "\n"
    )
    return {"event-log": events, "observations": obs}
