"""Calibrating a scenario to a collaboration's dated observations.

:mod:`~commonfuture.calibration.abc`: a posterior over chosen parameters by
approximate Bayesian computation (ABC-SMC, pyabc), posterior predictive bands over
the observations, a held-out check and forecasts under each leadership lever moved.
"""

from commonfuture.calibration.abc import (
    CalibrationError,
    FitSpec,
    Targets,
    calibrate,
    parse_fits,
    targets_from,
)

__all__ = ["CalibrationError", "FitSpec", "Targets", "calibrate", "parse_fits", "targets_from"]
