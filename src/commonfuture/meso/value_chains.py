"""Per-actor private value chains, recorded on request.

A value chain is an actor's route through the collaboration: when it
committed, which propositions it used and what it realised from each, every
evaluation at a small-win moment (win or shortfall, and by how much), and
whether and when it seceded. Recording costs memory in proportion to events,
so it is off unless asked for (``simulate(..., chains=True)`` or a list of
actor indices).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

EVENTS = ("commit", "use", "evaluate", "secede")


class ChainRecorder:
    def __init__(
        self,
        n_actors: int,
        names: Sequence[str],
        actors: Sequence[int] | None = None,
        replicate_offset: int = 0,
    ):
        self.n = n_actors
        self.names = list(names)
        self.offset = replicate_offset
        self.keep = None
        if actors is not None:
            self.keep = np.zeros(n_actors, bool)
            self.keep[np.asarray(actors, dtype=np.int64)] = True
        self.parts: list[dict[str, np.ndarray]] = []

    def _add(self, month, flat, event, prop, value, outcome):
        if self.keep is not None:
            sel = self.keep[flat % self.n]
            flat, prop, value, outcome = flat[sel], prop[sel], value[sel], outcome[sel]
        if len(flat) == 0:
            return
        self.parts.append(
            {
                "replicate": (flat // self.n + self.offset).astype(np.int32),
                "actor": (flat % self.n).astype(np.int64),
                "month": np.full(len(flat), month, np.int32),
                "event": np.full(len(flat), EVENTS.index(event), np.int8),
                "proposition": prop.astype(np.int16),
                "value": value.astype(np.float64),
                "outcome": outcome.astype(np.int8),
            }
        )

    def record(self, month, events) -> None:
        """Record the month's :data:`commonfuture.model.Events`."""
        none = lambda k: np.full(k, -1)  # noqa: E731
        f = np.flatnonzero(events.joins)
        self._add(month, f, "commit", none(len(f)), np.zeros(len(f)), np.zeros(len(f)))
        self._add(
            month,
            events.users,
            "use",
            events.choice,
            events.realised,
            np.zeros(len(events.users)),
        )
        f = np.flatnonzero(events.evaluated)
        self._add(
            month,
            f,
            "evaluate",
            none(len(f)),
            events.gap.reshape(-1)[f],
            np.where(events.wins.reshape(-1)[f], 1, -1),
        )
        f = np.flatnonzero(events.seceded)
        self._add(month, f, "secede", none(len(f)), np.zeros(len(f)), np.zeros(len(f)))

    def frame(self) -> pd.DataFrame:
        cols = ["replicate", "actor", "month", "event", "proposition", "value", "outcome"]
        if not self.parts:
            df = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
        else:
            df = pd.DataFrame({c: np.concatenate([p[c] for p in self.parts]) for c in cols})
        df["event"] = (
            pd.Categorical.from_codes(df["event"].astype(np.int8), categories=list(EVENTS))
            if len(df)
            else pd.Categorical([], categories=list(EVENTS))
        )
        names = np.array([""] + self.names, dtype=object)
        df["proposition"] = names[df["proposition"].astype(np.int64) + 1] if len(df) else []
        df["outcome"] = (
            np.array(["", "win", "shortfall"], dtype=object)[
                np.where(df["outcome"] == 1, 1, np.where(df["outcome"] == -1, 2, 0))
            ]
            if len(df)
            else []
        )
        return df.sort_values(["replicate", "actor", "month"], kind="stable").reset_index(drop=True)
