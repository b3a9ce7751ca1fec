"""Meso level: private value chains.

"Private value chains drive individual actors' behaviour": each actor's chain
is *multi-win* (its own route after its own values, through the fit of
propositions to its value profile) and made of *small wins* (tangible
intermediate outcomes at particular moments: :mod:`.small_wins`). Per-actor
chains are recorded on request by :mod:`.value_chains`.
"""
