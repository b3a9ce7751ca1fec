"""Micro level: one small-win cycle of one actor.

"In one single small-win cycle, private value is created through three
sequential links": the value commitment link (:mod:`.commitment`), the value
proposition link (:mod:`.proposition`) and the value creation link
(:mod:`.creation`). "The real value outcome would subsequently influence
actors' evaluation of the collaboration, consolidating or weakening their
commitment" (evaluation: :mod:`commonfuture.meso.small_wins`), "and eventually
encourage actors to continue to participate in the collaboration or to secede
from it" (:mod:`.secession`).
"""
