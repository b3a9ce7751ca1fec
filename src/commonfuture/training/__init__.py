"""Leadership training: lead a collaboration quarter by quarter, then see what the
rules of thumb and a strong leader would have done on the same random numbers.

:class:`Game` plays one replicate of a case a quarter at a time (:mod:`.game`);
:func:`debrief` sets the player's path beside the rules of thumb and the strong policy
(:mod:`.debrief`); the strong policy is a parametric policy searched by cross-entropy
(:mod:`.strong`). ``commonfuture train`` is the terminal game; docs/training.md the
trainer's guide.
"""

from commonfuture.training.debrief import Debrief, Lesson, debrief
from commonfuture.training.game import Game, View
from commonfuture.training.strong import Parametric, search

__all__ = ["Debrief", "Game", "Lesson", "Parametric", "View", "debrief", "search"]
