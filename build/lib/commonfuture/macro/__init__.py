"""Macro level: the three-stage integrative leadership process.

"(1) The coupling of key leaders ... (2) The integration of actors ...
(3) Linking the network to the external environment", a "fragile progressive
evolution": :mod:`.coupling` keeps the key leaders' alliance and
:mod:`.stages` classifies each month's stage from the state.
"""
