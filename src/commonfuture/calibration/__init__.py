"""Calibrating a scenario to a collaboration's dated observations.

:mod:`~commonfuture.calibration.abc`: a posterior over chosen parameters by
approximate Bayesian computation (ABC-SMC, pyabc), posterior predictive bands over
the observations, a held-out check, forecasts under each leadership lever moved, and
the diagnostics that say when a fit cannot be read as a finding (:func:`abc.diagnose`);
:mod:`~commonfuture.calibration.point`: a quick best fit (optuna);
:mod:`~commonfuture.calibration.recovery`: parameter recovery on the three Edinburgh
cases, each with the kinds of figures its records are.
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
