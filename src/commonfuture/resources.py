"""How much memory a simulation needs, estimated from its scenario before anything is
allocated, against what the machine has.

The estimate is deliberately generous (about 1.5 to 2 times what a run measures):
the arrays of the replicates advanced together (a few hundred bytes per actor),
the network's ties (built as coordinate lists, then stored as a sparse matrix),
and the monthly table of every replicate. Value chains (``--chains``) add one row
per actor event and are not counted.
"""

from __future__ import annotations

import os

from commonfuture.scenario.schema import Scenario

#: bytes per actor per replicate held at once (state arrays and their temporaries)
BYTES_PER_ACTOR = 150
#: bytes per undirected tie while the network is built and stored
BYTES_PER_TIE = 64
#: bytes per replicate-month of the monthly table (about 100 columns of 8 bytes)
BYTES_PER_MONTH = 1_000
#: replicates advanced together hold this many actors (see ``simulation.BATCH_ACTORS``)
BATCH_ACTORS = 400_000
GiB = 1024**3


class MemoryTooSmall(ValueError):
    """The scenario would not fit in this machine's memory."""


def expected_ties(sc: Scenario) -> float:
    """Mean number of undirected ties of one replicate's network."""
    c = sc.population.counts
    orgs = c.public + c.private + c.third
    net = sc.network
    return orgs * net.org_degree / 2 + c.citizens * (net.citizen_degree / 2 + net.citizen_org_ties)


def estimate_bytes(sc: Scenario, replicates: int = 1) -> int:
    """Peak memory (bytes) of simulating ``replicates`` replicates of ``sc``."""
    n = sum(sc.population.counts.as_tuple())
    together = max(1, min(replicates, BATCH_ACTORS // max(n, 1)))
    per_replicate = n * BYTES_PER_ACTOR + expected_ties(sc) * BYTES_PER_TIE
    return int(together * per_replicate + replicates * sc.months * BYTES_PER_MONTH)


def machine_memory() -> tuple[int | None, int | None]:
    """(available, total) bytes of memory, from /proc/meminfo or sysconf; None if unknown."""
    avail = total = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key == "MemAvailable":
                    avail = int(rest.split()[0]) * 1024
                elif key == "MemTotal":
                    total = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if total is None:
        try:
            total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):  # pragma: no cover
            total = None
    return (avail if avail is not None else total), total


def actors(n: float) -> str:
    """A count of actors in words: ``12,000`` or, beyond a billion, ``1.2e+300``."""
    return f"{n:,.0f}" if n < 1e9 else f"{n:.2g}"


def _gib(x: float) -> str:
    if x >= 1024**5:
        return f"{x / 1024**4:.2g} TiB"
    return f"{x / GiB:,.1f} GiB" if x >= GiB / 10 else f"{x / 1024**2:,.0f} MiB"


def check_memory(sc: Scenario, replicates: int = 1, available: int | None = None) -> int:
    """The estimate in bytes; :class:`MemoryTooSmall` if it exceeds the available memory."""
    need = estimate_bytes(sc, replicates)
    total = None
    if available is None:
        available, total = machine_memory()
    if available is not None and need > available:
        n = sum(sc.population.counts.as_tuple())
        has = f"{_gib(available)} available" + (f" of {_gib(total)}" if total else "")
        raise MemoryTooSmall(
            f"{actors(n)} actors need about {_gib(need)} of memory; this machine has {has} "
            "(reduce population.counts, or use --scale below 1)"
        )
    return need


def check_cases(cases: list, scale: float, replicates: int = 1) -> None:
    """:func:`check_memory` for each case (a shipped case's name, or a scenario) at
    ``scale``: :class:`MemoryTooSmall` for the first that would not fit, and
    :class:`commonfuture.scenario.ScenarioError` for a scale no population can take."""
    from commonfuture.patterns.cases import load_case
    from commonfuture.scenario.load import scaled

    seen: list = []
    for case in cases:
        if any(case is c or (isinstance(case, str) and case == c) for c in seen):
            continue
        seen.append(case)
        sc = scaled(load_case(case), scale)
        check_memory(sc, replicates)
