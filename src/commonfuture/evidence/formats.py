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

OBSERVATION_COLUMNS: tuple[str, ...] = (
    "date",
    "measure",
    "value",
    "unit",
    "source",
    "note",
    "type",
    "side",
    "low",
    "high",
    "uncertainty",
    "weight",
    "date_from",
    "of",
    "scale",
)
OBSERVATION_REQUIRED = ("date", "measure", "unit", "source")

CUMULATIVE = "cumulative:"
SUM = "sum:"
SHARE = "share:"
#: what a figure says about its measure (column ``type``; blank = value)
FIGURE_TYPES: tuple[str, ...] = ("value", "bound", "interval", "first_reached")
FIGURE_TYPE_MEANING: dict[str, str] = {
    "value": "the measure was ``value`` (+/- ``uncertainty``, when stated or rounded)",
    "bound": "the measure was at least (``side = lower``: 'more than 303') or at most "
    "(``side = upper``) ``value``",
    "interval": "the measure lay between ``low`` and ``high`` (sources that differ, a range)",
    "first_reached": "the measure first reached ``value`` in the month of ``date`` (or "
    "between ``date_from`` and ``date``: 'sold out by')",
}
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

_MEASURE = re.compile(r"^(share:)?(cumulative:|sum:)?[A-Za-z][A-Za-z0-9_ .:-]*$")
FigureType = Literal["value", "bound", "interval", "first_reached"]
Side = Literal["lower", "upper"]


class Observation(_Row):
    """One published figure."""

    date: dt.date = Field(
        ...,
        description="Date the figure refers to, ISO 8601 (the end of the period of a sum:; "
        "the latest possible date when date_from is given).",
    )
    measure: str = Field(
        ...,
        description="A model measure (members, capital_raised, stage, uptake.<proposition>), "
        "optionally prefixed cumulative: (the sum up to the date), sum: (the sum over the "
        "months from date_from to date) and/or share: (a share of the actors who could be "
        "counted, or of the measure named in of; unit % or share), or any other name "
        "(kept as context).",
    )
    value: float | None = Field(
        None,
        description="The figure, in the unit given (for a bound the bound, for first_reached "
        "the level reached); blank only for an interval.",
    )
    unit: str = Field(..., min_length=1, description="Unit of the figure (actors, GBP, 0-3...).")
    source: str = Field(
        ..., min_length=1, description="Where the figure was published (address or citation)."
    )
    note: str | None = Field(None, description="Free text: how the figure was read.")
    type: FigureType | None = Field(
        None,
        description="What the figure says: value (blank), bound (with side), interval (low, "
        "high) or first_reached (the date value was first reached).",
    )
    side: Side | None = Field(
        None, description="For a bound: lower (at least value) or upper (at most value)."
    )
    low: float | None = Field(None, description="For an interval: its lower end.")
    high: float | None = Field(None, description="For an interval: its upper end.")
    uncertainty: float | None = Field(
        None,
        ge=0,
        description="For a value: +/- this much agrees with it (a stated uncertainty, or half "
        "the rounding step: 1.5 million rounded to 0.1 million is 50000).",
    )
    weight: float | None = Field(
        None, gt=0, description="Weight of the figure in the distance (default 1)."
    )
    date_from: dt.date | None = Field(
        None,
        description="For sum: the first day of the period summed; otherwise the earliest "
        "date the figure may refer to (its date known only to a month range).",
    )
    of: str | None = Field(
        None,
        description="For share: the measure it is a share of (default: the actors of the "
        "group the measure names, or all actors).",
    )
    scale: float | None = Field(
        None,
        gt=0,
        description="The figure counts a population this many times the model's (a figure "
        "about the whole city where the scenario holds a sample of it): the model's value is "
        "multiplied by it (default 1).",
    )

    @field_validator("measure")
    @classmethod
    def _measure(cls, v: str) -> str:
        v = v.strip()
        if not _MEASURE.match(v):
            raise ValueError("not a measure name (letters, digits, _ . : - and spaces)")
        return v

    @field_validator("value", "low", "high", "uncertainty", "weight", "scale")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError(f"{v} is not a finite number")
        return v

    @field_validator("of")
    @classmethod
    def _of(cls, v: str | None) -> str | None:
        if v is not None and not _MEASURE.match(v.strip()):
            raise ValueError("not a measure name (letters, digits, _ . : - and spaces)")
        return v.strip() if v else None

    @model_validator(mode="after")
    def _stage(self) -> Observation:
        name = self.measure.removeprefix(SHARE).removeprefix(CUMULATIVE).removeprefix(SUM)
        for v in (self.value, self.low, self.high):
            if v is not None and v < 0 and name.startswith(NON_NEGATIVE):
                raise ValueError(f"value: {name} counts or sums, it cannot be negative")
        kind = self.type or "value"
        if kind == "interval":
            if self.low is None or self.high is None:
                raise ValueError("low: an interval needs low and high")
            if self.low > self.high:
                raise ValueError(f"low: {self.low:g} is above high {self.high:g} (upside down)")
            if self.value is not None and not self.low <= self.value <= self.high:
                raise ValueError(f"value: {self.value:g} lies outside low..high")
        elif self.value is None:
            raise ValueError("value: missing (required)")
        elif self.low is not None or self.high is not None:
            raise ValueError("low: low and high belong to an interval (type interval)")
        if kind == "bound" and self.side is None:
            raise ValueError("side: a bound needs a side, lower (at least) or upper (at most)")
        if kind != "bound" and self.side is not None:
            raise ValueError("side: only a bound has a side")
        if self.uncertainty is not None and kind != "value":
            raise ValueError("uncertainty: only a value has an uncertainty (use an interval)")
        is_sum = SUM in self.measure
        if is_sum and self.date_from is None:
            raise ValueError("date_from: a sum: measure needs the first day of its period")
        if self.date_from is not None and self.date_from > self.date:
            raise ValueError(f"date_from: {self.date_from} is after date {self.date}")
        if self.of is not None and not self.measure.startswith(SHARE):
            raise ValueError("of: only a share: measure is a share of another measure")
        if self.scale is not None and self.measure.startswith(SHARE):
            raise ValueError("scale: a share does not depend on the population's size")
        if self.measure == "stage":
            for v in (self.value, self.low, self.high):
                if v is not None and v not in (0, 1, 2, 3):
                    raise ValueError("value: a stage is 0, 1, 2 or 3")
        if self.measure.startswith(SHARE):
            rest = self.measure.removeprefix(SHARE)
            if (rest.startswith(CUMULATIVE) or rest.startswith(SUM)) and self.of is None:
                raise ValueError(
                    "measure: share: of a sum needs of (the measure it is a share of, summed alike)"
                )
            factor = SHARE_UNITS.get(self.unit.strip().lower())
            if factor is None:
                raise ValueError("unit: a share: measure is in % (0-100) or share (0-1)")
            for v in (self.value, self.low, self.high):
                if v is not None and not 0 <= v * factor <= 1:
                    raise ValueError(
                        f"value: a share in {self.unit} lies between 0 and {1 / factor:g}"
                    )
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
    # the same figures with the optional columns: a bound, an interval, a rounded value,
    # a sum over a period, a date first reached within a month range, a share of another
    # measure, a city-wide figure with its scale, a weight
    extra = [
        (
            "2021-09-30,cumulative:uptake.community share offer,300,actors,press release "
            "2021-10-02,more than 300 buyers so far,bound,lower,,,,,,,"
        ),
        (
            "2021-12-31,capital_raised,,GBP,annual report 2021; press release,"
            "the two sources differ,interval,,240000,260000,,,,,"
        ),
        (
            "2021-09-30,members,130,actors,annual report 2021 p. 3,"
            "about 130 (to the nearest ten),,,,,5,,,,"
        ),
        (
            "2021-06-30,sum:joins,45,actors,annual report 2021 p. 3,joined April to June,"
            ",,,,,,2021-04-01,,"
        ),
        (
            "2022-03-31,capital_raised,300000,GBP,press release,offer fully subscribed "
            "between January and March,first_reached,,,,,,2022-01-01,,"
        ),
        (
            "2021-12-31,share:members_key_leaders,5,%,annual report 2021 p. 3,key leaders "
            "among members,,,,,,,,members,"
        ),
        (
            "2021-12-31,uses,6000,uses,city report 2021,the whole city: 50 times the "
            "sample,,,,,,,,,50"
        ),
        "2021-12-31,stage,2,0-3,steering group minutes,a second reading,,,,,,0.5,,,",
    ]
    header = ",".join(OBSERVATION_COLUMNS)
    first = obs.splitlines()[1:]
    width = len(OBSERVATION_COLUMNS) - len(OBSERVATION_COLUMNS[:6])
    obs = "\n".join([header, *(r + "," * width for r in first), *extra]) + "\n"
    return {"event-log": events, "observations": obs}
