"""The game's plain words: what each action means, the paper's sentence behind it, and
reading a player's answers (``"citizens 8, public 4"``)."""

from __future__ import annotations

import math
import re

from commonfuture.leadership.tensions import PAIR_NAMES, pair_index
from commonfuture.scenario.schema import SECTORS

#: each action in plain words, and the paper's sentence it stands for (as in
#: commonfuture.leadership.actions and docs/ODD.md, section 7.0)
ACTIONS: dict[str, tuple[str, str]] = {
    "engage": (
        "Spend time with a group (workshops, visits) to learn its values and "
        "expectations: its offers move towards what it values, and what it is promised "
        "is what it then expects. Alignment builds with engagement and fades without it.",
        'Leaders "need to engage with these prior values, experiences and expectations".',
    ),
    "arbitrate": (
        "Settle a tension between two groups whose values differ. An open tension grows "
        "and costs its groups' members and the community value every month; settling "
        "it costs more hours the further apart the groups are.",
        'Leaders must "be prepared to arbitrate and negotiate across these differing value '
        'positions".',
    ),
    "negotiate": (
        "Work with the other key leaders on the initiative and its target: it builds "
        "their consensus, which keeps the coupling (and the key leaders) together.",
        'Key leaders "negotiate the original project initiative and conduct the basic '
        'consensus about the shared targets and project design".',
    ),
    "link": (
        "Reach outside the network (communication, showing results): from integration "
        "on it widens the outreach that wins supporters in the wider community.",
        'Linking is interacting "with the external environment across the boundary of the '
        'collaboration network" to obtain "continued community support".',
    ),
    "wins": (
        "Break the work into steps each partner can reach and show (a certificate, the "
        "first return, a route opened in sections). Every member's next milestone comes "
        "nearer, and a milestone reached is seen further.",
        'Small wins "are tangible and occur at particular moments in time. They are '
        "essential for encouraging trust, building confidence and generating persistent "
        'collaborative momentum".',
    ),
    "target": (
        "Choose the buildings, routes or courses that advance the long-term target most. "
        "Progress ahead of plan keeps the key leaders together and wins the community's "
        "backing; it gives no partner value today.",
        'The "long-term (societal) value creation objectives of a public service '
        'collaboration" against "the short-term value creation needs of its actors".',
    ),
}

#: each action's name as the player is asked for it
TITLES: dict[str, str] = {
    "engage": "Engage a group",
    "arbitrate": "Arbitrate a tension",
    "negotiate": "Negotiate with the other key leaders",
    "link": "Link to the wider community",
    "wins": "Stage small wins",
    "target": "Steer towards the long-term target",
}

ALIASES = {
    "residents": "citizens",
    "council": "public",
    "business": "private",
    "businesses": "private",
    "community": "third",
    "charities": "third",
}


def group_name(word: str) -> str:
    """A group from a word: its name, a prefix of it (``cit``) or an alias."""
    w = word.strip().lower()
    if w in ALIASES:
        return ALIASES[w]
    hits = [g for g in SECTORS if g.startswith(w)] if w else []
    if len(hits) == 1:
        return hits[0]
    raise ValueError(f"unknown group {word[:30]!r}: use {', '.join(SECTORS)}")


def tension_name(word: str) -> str:
    """A tension from ``public-third`` (either order, groups as :func:`group_name`)."""
    parts = word.strip().lower().split("-")
    if len(parts) != 2:
        raise ValueError(f"name a tension by its two groups, e.g. {PAIR_NAMES[1]!r}")
    a, b = (group_name(p) for p in parts)
    return PAIR_NAMES[pair_index(f"{a}-{b}")]


#: hours in the longest month: no answer can ask for more
MONTH_HOURS = 744

#: units a player may type after the hours ("5h", "5 hours")
UNITS = ("hours", "hour", "hrs", "hr", "h")


def hours(word: str) -> float:
    """Hours a month from ``5``, ``5h`` or ``5 hours``; ValueError with one line when it
    is not a number, is negative or is more than a month has."""
    text = word.strip()
    low = text.lower()
    for unit in UNITS:
        if low.endswith(unit) and low[: -len(unit)].strip():
            low = low[: -len(unit)].strip()
            break
    try:
        h = float(low)
    except ValueError:
        raise ValueError(f"{text[:30]!r} is not a number of hours") from None
    if not math.isfinite(h) or h < 0:
        raise ValueError(f"hours must be a number at least 0, not {text[:30]!r}")
    if h > MONTH_HOURS:
        raise ValueError(f"a month has at most {MONTH_HOURS} hours, not {text[:30]!r}")
    return h + 0.0


def targets(text: str, kind: str) -> dict[str, float]:
    """``"citizens 8, public 4"`` (or ``citizens=8 public=4``, ``8 citizens``) as
    ``{"citizens": 8.0, "public": 4.0}``; ``none`` or ``0`` for nothing."""
    text = text.strip().lower()
    if text in ("none", "0", "no", "nothing", "-"):
        return {}
    tokens = [t for t in re.split(r"[\s,;=:]+", text) if t]
    name = tension_name if kind == "arbitrate" else group_name
    out: dict[str, float] = {}
    pending_name: str | None = None
    pending_hours: float | None = None
    for tok in tokens:
        if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?|inf|nan", tok):
            h = hours(tok)
            if pending_name is not None:
                out[pending_name] = out.get(pending_name, 0.0) + h
                pending_name = None
            elif pending_hours is None:
                pending_hours = h
            else:
                raise ValueError(f"two numbers in a row ({tok}): say which {_what(kind)}")
        else:
            n = name(tok)
            if pending_hours is not None:
                out[n] = out.get(n, 0.0) + pending_hours
                pending_hours = None
            elif pending_name is None:
                pending_name = n
            else:
                raise ValueError(f"how many hours for {pending_name}? e.g. '{pending_name} 6'")
    if pending_name is not None:
        raise ValueError(f"how many hours for {pending_name}? e.g. '{pending_name} 6'")
    if pending_hours is not None:
        raise ValueError(f"{pending_hours:g} hours for which {_what(kind)}?")
    return out


def _what(kind: str) -> str:
    return "tension" if kind == "arbitrate" else "group"


__all__ = ["ACTIONS", "MONTH_HOURS", "TITLES", "group_name", "hours", "targets", "tension_name"]
