"""``evidence``, ``evidence-formats`` and ``calibrate``: a collaboration's own records in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from commonfuture.cli._app import (
    app,
    claim_folder,
    console,
    fail,
    fits_in_memory,
    safe,
    writing,
)

#: what ``evidence`` writes (``at_risk.csv``, ``risk_model.json`` and ``observations.csv``
#: only when there is something to put in them)
EVIDENCE_FILES = (
    "monthly.parquet",
    "monthly.csv",
    "stages.csv",
    "value_chains.csv",
    "risk_model.json",
    "at_risk.csv",
    "observations.csv",
    "report.html",
)
#: what ``calibrate`` writes beside its history
CALIBRATION_FILES = (
    "posterior.csv",
    "posterior_table.csv",
    "bands.csv",
    "levers.csv",
    "predictive.parquet",
    "trials.csv",
    "calibration.json",
    "report.html",
)

Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Flag: replace files in --out that this command did not write (or, for "
        "evidence-formats, templates that were edited).",
        metavar="",
    ),
]


def iso_date(text: str, option: str = "--start"):
    """A date given as YYYY-MM-DD (only that form: 01/02/2021 is refused, not guessed),
    as a pandas Timestamp; one-line error otherwise."""
    import re

    import pandas as pd

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        fail(f"{option}: {text!r} is not a date written YYYY-MM-DD (e.g. 2021-02-01)")
    try:
        when = pd.Timestamp(text.strip())
    except (ValueError, OverflowError):
        fail(f"{option}: {text!r} is not a date (YYYY-MM-DD)")
    from commonfuture.evidence.load import FIRST_DATE, LAST_DATE

    if not FIRST_DATE <= when.date() <= LAST_DATE:
        fail(f"{option}: {text} is outside the dates handled ({FIRST_DATE} to {LAST_DATE})")
    return when


def _stage_rules(scenario: Path | None):
    from commonfuture.scenario import ScenarioError, load_scenario
    from commonfuture.scenario.schema import Stages

    if scenario is None:
        return Stages(), None
    try:
        sc = load_scenario(scenario)
    except ScenarioError as err:
        fail(str(err).splitlines())
    return sc.stages, sc


@app.command()
def evidence(
    records: Annotated[Path, typer.Argument(help="Event log (CSV, Parquet or Excel).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("evidence"),
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="Scenario whose [stages] rules to apply (default: the model's defaults).",
        ),
    ] = None,
    wider: Annotated[
        int | None,
        typer.Option(
            "--wider",
            min=1,
            help="Residents within reach (the wider population), "
            "for stage 3; without it stage 3 is not assessed.",
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="First month (YYYY-MM-DD); default: the month of the first event."
        ),
    ] = None,
    holdout: Annotated[
        float,
        typer.Option(
            "--holdout", min=0.1, max=0.5, help="Share of actors held out to check the risk model."
        ),
    ] = 0.3,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0)] = 0,
    observations: Annotated[
        Path | None,
        typer.Option(
            "--observations",
            help="Dated published figures (CSV, Parquet, Excel) to show against the series.",
        ),
    ] = None,
    force: Force = False,
) -> None:
    """A collaboration's event log as the model's monthly measures, its stage timeline,
    value chains, a secession-risk model and a report (with published figures beside
    the series when --observations is given)."""

    from commonfuture.evidence import load_events, monthly_series, value_chains
    from commonfuture.evidence.load import RecordsError
    from commonfuture.evidence.survival import at_risk, fit_risk
    from commonfuture.manifest import write_manifest
    from commonfuture.report.evidence import evidence_page
    from commonfuture.writing import dumps, write_atomically, write_csv

    claim_folder(out, "evidence", "the evidence bridge", files=EVIDENCE_FILES, force=force)
    rules, _ = _stage_rules(scenario)
    t0 = iso_date(start) if start is not None else None
    problems, obs = [], None
    with _records_bar() as bar:
        task = bar.add_task("reading the records", total=None)
        try:
            events = load_events(records)
        except RecordsError as err:
            problems += err.problems
        if observations is not None:
            from commonfuture.evidence.load import load_observations

            try:
                obs = load_observations(observations)
            except RecordsError as err:
                problems += err.problems
        bar.update(task, total=1, completed=1)
    if problems:
        fail(problems)
    if t0 is not None and t0.to_period("M") > events["date"].max().to_period("M"):
        fail(
            f"--start: {t0.date()} is after the last event ({events['date'].max().date()}): "
            "no month would hold an event"
        )
    notes = []
    if wider is None:
        notes.append("The wider population was not given (--wider): stage 3 is not assessed.")
    start = str(t0.date()) if t0 is not None else None
    with _records_bar() as bar:
        task = bar.add_task("monthly measures", total=4)
        monthly = monthly_series(events, rules, wider, start)
        observed = None
        if obs is not None:
            from commonfuture.evidence.compare import against_series

            observed = against_series(monthly, obs, wider)
        bar.update(task, advance=1, description="value chains")
        chains = value_chains(events, start)
        bar.update(task, advance=1, description="secession risk")
        risk, risky = None, None
        try:
            model = fit_risk(events, start, holdout=holdout, seed=seed)
            risk = {
                "summary": model.summary.to_dict(orient="index"),
                "reference": model.reference,
                "n_actors": model.n_actors,
                "n_events": model.n_events,
                "calibration": model.calibration,
                "warnings": model.warnings,
            }
            bar.advance(task)
            risky = at_risk(model, events, start=start)
        except ValueError as err:
            notes.append(f"No secession-risk model: {err}.")
        bar.update(task, completed=4, description="report")
    name = records.stem.replace("_", " ").replace("-", " ")
    page = evidence_page(name[:1].upper() + name[1:], monthly, chains, risk, risky, notes, observed)
    stages = monthly[["month", "date", "stage", "coupled", "regressions", "disruptions"]]
    files = {
        "monthly.parquet": lambda p: monthly.to_parquet(p, index=False),
        "monthly.csv": lambda p: write_csv(monthly, p, index=False),
        "stages.csv": lambda p: write_csv(stages, p, index=False),
        "value_chains.csv": lambda p: write_csv(chains, p, index=False),
    }
    if risk is not None:
        files["risk_model.json"] = lambda p: p.write_text(dumps(risk) + "\n")
        if risky is not None:
            files["at_risk.csv"] = lambda p: write_csv(risky, p, index=False)
    if observed is not None:
        files["observations.csv"] = lambda p: write_csv(observed, p, index=False)
    files["report.html"] = lambda p: p.write_text(page, encoding="utf-8")
    with writing("--out", "the evidence outputs"):
        write_atomically(out, files)
        write_manifest(
            out,
            "evidence",
            "commonfuture evidence",
            records=str(records),
            observations=str(observations) if observations is not None else None,
            start=start,
            files=list(files),
        )
    last = monthly.iloc[-1]
    for line in (risk or {}).get("warnings", []):
        console.print(f"[bold yellow]warning:[/] secession-risk model: {line}")
    console.print(
        f"{len(events)} events, {len(chains)} actors, {len(monthly)} months: stage "
        f"{int(last['stage'])} with {int(last['members'])} members at the end; "
        f"wrote {safe(out)}/",
        soft_wrap=True,
    )


def _records_bar():
    """A progress bar for the evidence bridge (on stderr, gone when done)."""
    import os

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from commonfuture.cli._app import err_console

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal and os.environ.get("COMMONFUTURE_PROGRESS") != "1",
    )


@app.command("evidence-formats")
def evidence_formats(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("formats"),
    force: Force = False,
) -> None:
    """Write the JSON Schemas and CSV templates of the event log and observations.

    A template already in --out that differs from the one shipped (edited by hand) is
    kept unless --force is given."""
    from commonfuture.evidence.formats import json_schemas, templates
    from commonfuture.manifest import write_manifest
    from commonfuture.writing import dumps, write_text

    texts = {f"{n}.schema.json": dumps(schema) + "\n" for n, schema in json_schemas().items()}
    texts.update({f"{n}.csv": text for n, text in templates().items()})
    claim_folder(out, "formats", "evidence-formats")
    if not force and out.is_dir():
        edited = []
        for n, text in texts.items():
            try:
                if (out / n).is_file() and (out / n).read_text(encoding="utf-8") != text:
                    edited.append(n)
            except (OSError, UnicodeDecodeError):
                edited.append(n)
        if edited:
            fail(
                f"--out: {out / edited[0]} differs from the shipped template (edited?); "
                "give --force to replace it, or choose another --out"
            )
    with writing("--out", "the formats"):
        out.mkdir(parents=True, exist_ok=True)
        for n, text in texts.items():
            write_text(out / n, text)
        write_manifest(out, "formats", "commonfuture evidence-formats", files=list(texts))
    console.print(f"wrote {safe(out)}/", soft_wrap=True)


OUTCOMES = ("members", "members_citizens", "capital_raised", "target_progress", "stage")


@app.command()
def calibrate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    observations: Annotated[Path, typer.Argument(help="Dated observations (CSV, Parquet, Excel).")],
    fit: Annotated[
        list[str],
        typer.Option(
            "--fit", help="PATH=LOW:HIGH, a parameter and its uniform prior range (repeat)."
        ),
    ],
    start: Annotated[
        str, typer.Option("--start", help="Date of the scenario's month 0 (YYYY-MM-DD).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "calibration"
    ),
    population: Annotated[
        int, typer.Option("--population", min=10, help="Particles per generation.")
    ] = 100,
    generations: Annotated[int, typer.Option("--generations", min=1)] = 5,
    max_simulations: Annotated[
        int | None,
        typer.Option(
            "--max-simulations", min=1, help="Stop ABC-SMC after this many simulations in all."
        ),
    ] = None,
    holdout: Annotated[
        float,
        typer.Option(
            "--holdout",
            min=0.0,
            max=0.5,
            help="Share of the observation "
            "dates, the latest, held out of the fit and checked against "
            "the forecast (0: fit on all).",
        ),
    ] = 0.25,
    draws: Annotated[
        int, typer.Option("--draws", min=5, help="Posterior draws for bands and forecasts.")
    ] = 40,
    horizon: Annotated[
        int | None,
        typer.Option("--horizon", min=1, help="Forecast horizon (months; default the scenario's)."),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1)] = 1,
    dask: Annotated[str | None, typer.Option("--dask", help="Address of a Dask scheduler.")] = (
        None
    ),
    seed: Annotated[int, typer.Option("--seed", "-s", min=0)] = 0,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="abc: the posterior (ABC-SMC); point: a quick best fit (optuna), no interval.",
        ),
    ] = "abc",
    trials: Annotated[
        int, typer.Option("--trials", min=1, help="Trials of the point fit (--method point).")
    ] = 60,
    replicates: Annotated[
        int | None,
        typer.Option(
            "--replicates",
            min=1,
            help="Replicates per particle or trial, advanced together "
            "(default: 1 for abc, 4 for point).",
        ),
    ] = None,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help="Start over, discarding an earlier calibration's history in --out "
            "(by default a calibration with the same inputs is continued).",
        ),
    ] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="A fact stated for the fit, path=value (repeatable): e.g. an offer as it "
            "was offered rather than as it turned out.",
        ),
    ] = None,
    force: Force = False,
) -> None:
    """Fit chosen parameters of a scenario to dated observations (ABC-SMC, or a quick
    point fit); posterior, predictive bands, a held-out check and forecasts with each
    lever moved. Run again with the same inputs, it continues where it stopped."""
    import numpy as np
    import pandas as pd
    from rich.progress import Progress

    from commonfuture.calibration.abc import (
        LEVERS,
        CalibrationError,
        bands,
        diagnose,
        median_distance,
        parse_fits,
        predictive,
        targets_from,
    )
    from commonfuture.evidence.load import RecordsError, load_observations
    from commonfuture.report.evidence import band_figure, calibration_page, posterior_figure
    from commonfuture.writing import dumps, strict, write_atomically, write_csv

    if method not in ("abc", "point"):
        fail(f"--method: {method!r} is not abc or point")
    claim_folder(out, "calibration", "a calibration", files=CALIBRATION_FILES, force=force)
    _, sc = _stage_rules(scenario)
    if set_:
        from commonfuture.scenario import ScenarioError
        from commonfuture.scenario.load import apply_overrides

        try:
            sc = apply_overrides(sc, set_)
        except ScenarioError as err:
            fail(str(err).splitlines())
    fits_in_memory([sc], 1.0, replicates or (4 if method == "point" else 1), str(scenario))
    t0 = iso_date(start)
    if dask is not None:
        from commonfuture.experiments.runner import connect

        try:
            connect(dask).close()
        except ConnectionError as err:
            fail(f"--dask: {err}")
    problems = []
    try:
        obs = load_observations(observations)
    except RecordsError as err:
        problems += err.problems
    try:
        fits = parse_fits(sc, fit)
    except CalibrationError as err:
        problems += err.problems
    if problems:
        fail(problems)
    try:
        targets = targets_from(obs, sc, t0)
    except CalibrationError as err:
        fail([f"{observations}: {p}" for p in err.problems])
    fitted, held = targets.split(holdout)
    from commonfuture.scenario.load import apply_overrides, horizon_note, past_horizon

    cut = past_horizon(sc, apply_overrides(sc, {"months": fitted.last_month}))
    if cut is not None:  # the fit's simulations stop at its last figure
        console.print(f"note: the fit's window: {horizon_note(cut)} in the fitted runs")
    horizon = horizon or sc.months
    months = max(horizon, targets.last_month)
    from commonfuture.manifest import write_manifest

    with writing("--out", "the calibration"):
        write_manifest(
            out,
            "calibration",
            "commonfuture calibrate",
            scenario=str(scenario),
            observations=str(observations),
            method=method,
        )
    with Progress(console=console, transient=True) as bar:
        try:
            if method == "point":
                from commonfuture.calibration.point import point_fit

                task = bar.add_task("point fit (trials)", total=trials)
                post = point_fit(
                    sc,
                    fitted,
                    fits,
                    out,
                    trials=trials,
                    replicates=replicates or 4,
                    seed=seed,
                    fresh=fresh,
                    progress=lambda n: bar.update(task, completed=n),
                )
                bar.update(task, completed=trials)
            else:
                from commonfuture.calibration.abc import calibrate as run_abc

                task = bar.add_task("ABC-SMC generations", total=generations)
                post = run_abc(
                    sc,
                    fitted,
                    fits,
                    out,
                    population=population,
                    generations=generations,
                    max_simulations=max_simulations,
                    seed=seed,
                    workers=workers,
                    dask_address=dask,
                    progress=lambda g, _e: bar.update(task, completed=g),
                    replicates=replicates or 1,
                    fresh=fresh,
                )
                bar.update(task, completed=generations)
        except CalibrationError as err:
            fail(err.problems)
        task2 = bar.add_task("forecasts", total=1 + len(LEVERS))
        pred = predictive(sc, post, months, draws=draws, seed=seed)
        bar.advance(task2)
        rows = []
        for lever in [None, *LEVERS]:
            m = pred if lever is None else predictive(sc, post, months, draws, seed, shift=lever)
            fin = m[m["month"] == horizon]
            row = {
                "lever": "as fitted" if lever is None else lever[0],
                "change": "" if lever is None else f"{lever[1]:+g}",
            }
            for o in OUTCOMES:
                v = fin[o].to_numpy(float)
                row[f"{o}_median"] = float(np.median(v))
                row[f"{o}_q05"], row[f"{o}_q95"] = (float(x) for x in np.quantile(v, [0.05, 0.95]))
            rows.append(row)
            if lever is not None:
                bar.advance(task2)
    fit_b = bands(pred, fitted)
    held_b = bands(pred, held) if held is not None else None
    levers = pd.DataFrame(rows)
    table = post.table()
    diag = diagnose(table, fit_b, median_distance(pred, fitted), point=method == "point")
    allb = pd.concat(
        [fit_b.assign(use="fitted")]
        + ([held_b.assign(use="held out")] if held_b is not None else [])
    )

    def recs(df):
        return strict(json.loads(df.to_json(orient="records", date_format="iso")))

    trial_frame = post.history.pop("frame", None)
    result = {
        "method": method,
        "history": post.history,
        "scenario": sc.name,
        "observations": str(observations),
        "start": str(t0.date()),
        "set": list(set_ or []),
        "fit": [f.__dict__ for f in fits],
        "posterior": recs(table),
        "simulations": post.simulations,
        "seconds": post.seconds,
        "epsilons": post.epsilons,
        "fitted": recs(fit_b),
        "held_out": recs(held_b) if held_b is not None else None,
        "levers": recs(levers),
        "horizon": horizon,
        "context": recs(targets.context) if len(targets.context) else [],
        "diagnostics": diag,
    }
    figs = {
        "posterior": posterior_figure(post.samples, table),
        "bands": band_figure(pred, fit_b, held_b, targets.start),
    }
    page = calibration_page(strict(result), figs)
    files = {
        "posterior.csv": lambda p: write_csv(post.samples, p, index=False),
        "posterior_table.csv": lambda p: write_csv(table, p, index=False),
        "bands.csv": lambda p: write_csv(allb, p, index=False),
        "levers.csv": lambda p: write_csv(levers, p, index=False),
        "predictive.parquet": lambda p: pred.to_parquet(p, index=False),
    }
    if trial_frame is not None:
        files["trials.csv"] = lambda p: write_csv(trial_frame, p, index=False)
    files["calibration.json"] = lambda p: p.write_text(dumps(result) + "\n")
    files["report.html"] = lambda p: p.write_text(page, encoding="utf-8")
    with writing("--out", "the calibration"):
        write_atomically(out, files)
    inside = int(fit_b["inside"].sum())
    for line in diag["warnings"]:
        console.print(f"[bold yellow]warning:[/] {line}")
    if post.history.get("resumed_after"):
        console.print(
            f"continued the calibration in {out}/ after {post.history['resumed_after']} "
            "finished generation(s) or trial(s) (use --fresh to start over)"
        )
    spent = f"{post.seconds:.1f} s"
    if post.history.get("resumed_after"):
        spent += " this run"
    msg = (
        f"{post.simulations} simulations in {spent}; {inside} of {len(fit_b)} "
        "fitted observations inside the 90% band"
    )
    if held_b is not None:
        msg += f", {int(held_b['inside'].sum())} of {len(held_b)} held out"
    console.print(f"{msg}; wrote {out}/")
