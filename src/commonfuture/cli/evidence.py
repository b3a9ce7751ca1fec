"""``evidence``, ``evidence-formats`` and ``calibrate``: a collaboration's own records in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from commonfuture.cli._app import app, console, fail


def _outdir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        fail(f"--out: {out} exists and is not a directory")


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
) -> None:
    """A collaboration's event log as the model's monthly measures, its stage timeline,
    value chains, a secession-risk model and a report."""
    import pandas as pd
    from rich.progress import Progress

    from commonfuture.evidence import load_events, monthly_series, value_chains
    from commonfuture.evidence.load import RecordsError
    from commonfuture.evidence.survival import at_risk, fit_risk
    from commonfuture.report.evidence import evidence_page

    _outdir(out)
    rules, _ = _stage_rules(scenario)
    if start is not None:
        try:
            pd.Timestamp(start)
        except ValueError:
            fail(f"--start: {start!r} is not a date (YYYY-MM-DD)")
    try:
        events = load_events(records)
    except RecordsError as err:
        fail(err.problems)
    notes = []
    if wider is None:
        notes.append("The wider population was not given (--wider): stage 3 is not assessed.")
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("records", total=4)
        monthly = monthly_series(events, rules, wider, start)
        bar.advance(task)
        chains = value_chains(events, start)
        bar.advance(task)
        risk, risky = None, None
        try:
            model = fit_risk(events, start, holdout=holdout, seed=seed)
            risk = {
                "summary": model.summary.to_dict(orient="index"),
                "reference": model.reference,
                "n_actors": model.n_actors,
                "n_events": model.n_events,
                "calibration": model.calibration,
            }
            bar.advance(task)
            risky = at_risk(model, events, start=start)
        except ValueError as err:
            notes.append(f"No secession-risk model: {err}.")
        bar.advance(task)
    out.mkdir(parents=True, exist_ok=True)
    monthly.to_parquet(out / "monthly.parquet", index=False)
    monthly.to_csv(out / "monthly.csv", index=False)
    stages = monthly[["month", "date", "stage", "coupled", "regressions", "disruptions"]]
    stages.to_csv(out / "stages.csv", index=False)
    chains.to_csv(out / "value_chains.csv", index=False)
    if risk is not None:
        (out / "risk_model.json").write_text(json.dumps(risk, indent=2, default=float))
        if risky is not None:
            risky.to_csv(out / "at_risk.csv", index=False)
    name = records.stem.replace("_", " ").replace("-", " ")
    page = evidence_page(name[:1].upper() + name[1:], monthly, chains, risk, risky, notes)
    (out / "report.html").write_text(page, encoding="utf-8")
    last = monthly.iloc[-1]
    console.print(
        f"{len(events)} events, {len(chains)} actors, {len(monthly)} months: stage "
        f"{int(last['stage'])} with {int(last['members'])} members at the end; wrote {out}/"
    )


@app.command("evidence-formats")
def evidence_formats(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("formats"),
) -> None:
    """Write the JSON Schemas and CSV templates of the event log and observations."""
    from commonfuture.evidence.formats import json_schemas, templates

    _outdir(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (out / f"{name}.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
    for name, text in templates().items():
        (out / f"{name}.csv").write_text(text)
    console.print(f"wrote {out}/")
