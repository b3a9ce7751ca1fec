"""``train`` and ``train-merge``: lead a collaboration quarter by quarter, and a
trainer's table of a class's games."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commonfuture.cli._app import app, console, fail, os_problem, safe, writable_folder
from commonfuture.writing import write_json

PROMPTS = {
    "engage": "Engage which groups, hours a month each (e.g. 'citizens 8, public 4')",
    "arbitrate": "Arbitrate which tensions, hours a month each (e.g. 'public-third 6')",
    "negotiate": "Negotiate with the other key leaders, hours a month",
    "link": "Link to the wider community, hours a month",
    "wins": "Stage small wins (milestones nearer and seen), hours a month",
    "target": "Steer the work towards the long-term target, hours a month",
}


class Answers:
    """Answers from a script file (one a line) or the keyboard; Enter at the end."""

    def __init__(self, script: Path | None):
        self.lines: Iterator[str] | None = None
        self.ended = False
        if script is not None:
            try:
                text = script.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                problem = os_problem(err) if isinstance(err, OSError) else "not text"
                fail(f"--script: cannot read {script} ({problem})")
            self.lines = iter(text.splitlines())

    def ask(self, prompt: str) -> str:
        if self.lines is not None:
            answer = next(self.lines, None)
            if answer is None:
                self.ended = True
                answer = ""
            console.print(f"{safe(prompt)}: {safe(answer)}", highlight=False, soft_wrap=True)
            return answer.split("#", 1)[0].strip()
        try:
            return console.input(f"{safe(prompt)}: ").strip()
        except EOFError:
            self.ended = True
            console.print()
            return ""


def show_view(view) -> None:
    from commonfuture.training.game import STAGE_NAMES

    console.rule(
        f"Quarter {view.quarter} of {view.quarters} (months {view.month + 1}-"
        f"{min(view.month + 3, view.months)} of {view.months})"
    )
    for line in view.news:
        console.print(f"[bold]News:[/bold] {safe(line)}", soft_wrap=True)
    console.print(
        f"Stage: {STAGE_NAMES.get(view.stage, view.stage)}   key leaders: {view.key_leaders} "
        f"(consensus {view.consensus:.2f})   capacity: [bold]{view.capacity:g} hours a month[/bold]"
        f"   money last month: GBP {view.money:,.0f}   supporters: {view.supporters}",
        soft_wrap=True,
    )
    t = Table(show_header=True, title="Groups")
    t.add_column("group")
    t.add_column("members", justify="right")
    t.add_column("left last quarter", justify="right")
    for g in view.groups:
        t.add_row(g, str(view.members.get(g, 0)), str(view.departures.get(g, 0)))
    console.print(t)
    console.print(
        f"Members reported {view.small_wins} small wins and {view.shortfalls} shortfalls "
        f"last quarter; {view.milestones} reached a milestone of their own."
    )
    console.print(
        f"Long-term target: {view.target_progress:.1%} reached, against "
        f"{view.target_planned:.1%} planned by now."
    )
    if view.tensions:
        t = Table(show_header=True, title="Tensions voiced")
        t.add_column("between")
        t.add_column("level (0-1)", justify="right")
        t.add_column("hours to settle", justify="right")
        for k, v in sorted(view.tensions.items(), key=lambda kv: -kv[1]):
            t.add_row(k, f"{v:.2f}", f"{view.settle_hours.get(k, 0.0):.1f}")
        console.print(t)


def show_help(kind: str | None = None) -> None:
    from commonfuture.training.words import ACTIONS

    for k, (plain, sentence) in ACTIONS.items():
        if kind is None or k == kind:
            console.print(
                f"[bold]{k}[/bold]: {safe(plain)}\n  [italic]{safe(sentence)}[/italic]",
                soft_wrap=True,
            )
    console.print(
        "Enter repeats last quarter's choice (in the first quarter: none); 'none' spends "
        "nothing there; '?' explains "
        "this action, 'help' every action; 'q' saves the game and stops (resume with "
        "commonfuture train GAME.json)."
    )


def ask_plan(answers: Answers, last: dict[str, float], view) -> dict[str, float] | None:
    """The player's plan for the quarter (flat slots), or None to pause."""
    from commonfuture.training.words import hours, targets

    def previous(kind: str) -> dict[str, float]:
        return {k: v for k, v in last.items() if k.split(":")[0] == kind}

    plan: dict[str, float] = {}
    for i, kind in enumerate(PROMPTS):
        if kind == "arbitrate" and not view.tensions:
            continue
        if not last:
            hint = " [Enter: none]"
        elif i == 0:
            hint = " [Enter: repeat last quarter's plan]"
        else:
            hint = " [Enter: as last quarter]"
        while True:
            text = answers.ask(PROMPTS[kind] + hint)
            low = text.lower()
            if low in ("q", "quit", "pause"):
                return None
            if low in ("?", "help"):
                show_help(kind if low == "?" else None)
                if answers.ended:
                    text = ""
                else:
                    continue
            if text == "":
                if i == 0 and last:
                    return dict(last)
                plan.update(previous(kind))
                break
            try:
                if kind in ("negotiate", "link", "wins", "target"):
                    h = hours(text)
                    if h > 0:
                        plan[kind] = h
                else:
                    for name, h in targets(text, kind).items():
                        if h > 0:
                            plan[f"{kind}:{name}"] = h
                break
            except ValueError as err:
                console.print(
                    f"[red]{safe(err)}[/red] (try again, or '?' for help)", soft_wrap=True
                )
                if answers.ended:
                    break
    return plan


def describe_plan(plan: dict[str, float], capacity: float) -> str:
    total = sum(plan.values())
    words = ", ".join(f"{k.replace(':', ' ')} {v:g}" for k, v in plan.items()) or "nothing"
    note = ""
    if total > capacity > 0:
        note = f" (over the {capacity:g} hours: scaled down to fit)"
    elif total < capacity:
        note = f" ({capacity - total:g} of {capacity:g} hours unspent)"
    return f"Your plan, hours a month: {words}{note}"


def show_debrief(d) -> None:
    from commonfuture.training.debrief import ROWS, fmt

    t = Table(title=f"Debrief: {safe(d.game.scenario.name)}, seed {d.game.seed}", show_header=True)
    t.add_column("measure")
    for name in d.outcomes.index:
        t.add_column(name, justify="right")
    for key, label in ROWS:
        t.add_row(label, *(fmt(key, d.outcomes.loc[n, key]) for n in d.outcomes.index))
    console.print(t)
    console.print(f"strong: cross-entropy search, {safe(d.strong_source)}")
    for lesson in d.lessons:
        colour = {"broke": "red", "followed": "green"}.get(lesson.status, "yellow")
        where = f" (quarter {lesson.quarter})" if lesson.quarter else ""
        console.print(
            f"[{colour}]{lesson.status}[/{colour}]{where}: [bold]{safe(lesson.title)}[/bold]: "
            f"{safe(lesson.evidence)}",
            soft_wrap=True,
        )


@app.command()
def train(
    case: Annotated[
        str,
        typer.Argument(
            help="A case to lead (generic, edinburgh/carbon-literacy, ... or a scenario TOML), "
            "or a saved game (GAME.json) to resume."
        ),
    ],
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, help="The game's seed: a class plays one seed.")
    ] = 0,
    script: Annotated[
        Path | None,
        typer.Option("--script", help="Read the answers from a file, one a line."),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for game.json and debrief.html.")
    ] = Path("training"),
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter: path=value (e.g. months=24)."),
    ] = None,
) -> None:
    """Lead a collaboration quarter by quarter, then see what the rules of thumb and a
    strong leader would have done on the same random numbers."""
    from commonfuture.scenario import ScenarioError
    from commonfuture.training.debrief import debrief
    from commonfuture.training.game import Game

    writable_folder(out)
    answers = Answers(script)
    try:
        if case.endswith(".json") and Path(case).is_file():
            game = Game.load(case)
            console.print(f"Resumed {safe(case)}: {game.quarter} quarter(s) played.")
        else:
            game = Game(case, seed, set_ or [])
    except ScenarioError as err:
        fail(str(err).splitlines())
    except (ValueError, OSError) as err:
        fail(f"{case}: {err}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        fail(f"--out: {os_problem(err)}")
    path = out / "game.json"
    console.print(
        f"[bold]{safe(game.scenario.name)}[/bold]: {safe(game.scenario.description)}\n"
        f"You lead it for {game.months} months, a quarter at a time. '?' explains the actions.",
        soft_wrap=True,
    )
    last = dict(game.plans[-1]) if game.plans else {}
    while not game.done:
        view = game.observe()
        show_view(view)
        plan = ask_plan(answers, last, view)
        if plan is None:
            game.save(path)
            console.print(
                f"Paused. Saved {safe(path)}: resume with commonfuture train {safe(path)}"
            )
            return
        console.print(describe_plan(plan, view.capacity), soft_wrap=True)
        game.play(plan)
        last = plan
        game.save(path)
    d = debrief(game)
    show_debrief(d)
    try:
        page = d.write(out)
        write_json(out / "debrief.json", d.to_json(), indent=1)
    except OSError as err:
        fail(f"--out: cannot write the debrief ({os_problem(err)})")
    console.print(f"wrote {safe(path)}, {safe(page)}", soft_wrap=True)


@app.command("train-merge")
def train_merge(
    games: Annotated[list[Path], typer.Argument(help="Saved games (game.json files).")],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="The table (CSV); its chart is written beside it (PNG)."),
    ] = Path("games.csv"),
) -> None:
    """A trainer's table of a class's games: each game replayed, its outcome beside the
    best rule of thumb's and the strong policy's on the same seed."""
    import pandas as pd

    from commonfuture.training.chart import class_chart
    from commonfuture.training.debrief import lessons, rivals
    from commonfuture.training.game import Game
    from commonfuture.training.strong import outcome

    rows, cache = [], {}
    for p in games:
        try:
            game = Game.load(p)
        except (ValueError, OSError) as err:
            fail(f"{p}: {err}")
        key = (game.hash, game.seed, game.month)
        if key not in cache:
            others, _, _ = rivals(game)
            cache[key] = {n: outcome(m)["score"] for n, m in others.items()}
        row = {
            "game": str(p),
            "case": game.case,
            "seed": game.seed,
            "quarters": game.quarter,
            "months": game.month,
        }
        row.update(outcome(game.monthly()))
        for name, s in cache[key].items():
            row[f"score_{name}"] = s
        for lesson in lessons(game):
            row[f"lesson_{lesson.key}"] = lesson.status
        rows.append(row)
    table = pd.DataFrame(rows)
    chart = out.with_suffix(".png")
    try:
        table.to_csv(out, index=False)
        class_chart(table, chart)
    except OSError as err:
        fail(f"--out: cannot write {out} or {chart.name} ({os_problem(err)})")
    t = Table(show_header=True, title=f"{len(rows)} game(s)")
    for c in ("game", "case", "seed", "highest_stage", "score", "score_strong"):
        t.add_column(c)
    for r in rows:
        t.add_row(
            safe(r["game"]),
            safe(r["case"]),
            str(r["seed"]),
            str(r["highest_stage"]),
            f"{r['score']:,.1f}",
            f"{r['score_strong']:,.1f}",
        )
    console.print(t)
    console.print(
        f"wrote {safe(out)} and {safe(chart)} (each game's score beside the rivals')",
        soft_wrap=True,
    )
