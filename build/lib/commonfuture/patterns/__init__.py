"""The paper's claims as statistical tests over replicate runs.

``run_pattern(name, ...)`` runs one of :data:`PATTERNS` and
``write_patterns(results, out)`` writes ``patterns.json``, one figure and one
Parquet file per pattern: the input of ``commonfuture report``.
"""

from commonfuture.patterns.claims import PATTERNS, PatternResult
from commonfuture.patterns.output import run_pattern, write_patterns

__all__ = ["PATTERNS", "PatternResult", "run_pattern", "write_patterns"]
