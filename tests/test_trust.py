"""Outputs that never mislead and never lose data: folder kinds, exports, errors, damaged
stores, memory, and input that used to be accepted silently."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from commonfuture.cli._app import app, printable
from commonfuture.experiments.store import Store
from commonfuture.manifest import folder_kind
from conftest import GENERIC

runner = CliRunner()

EXP = f"""
name = "tiny-sweep"
scenario = "{GENERIC.as_posix()}"
design = "grid"
replicates = 2
seed = 4
outputs = ["members_end", "value_created"]
overrides = {{ months = 6, "population.counts.citizens" = 60 }}

[[factors]]
path = "leadership.alignment"
values = [0.2, 0.8]
"""


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def one_line_error(r, needle: str, code: int = 2) -> None:
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    lines = errors(r.output)
    assert len(lines) == 1 and needle in lines[0], r.output


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sweep")
    exp = d / "exp.toml"
    exp.write_text(EXP)
    r = invoke("sweep", exp, "-o", d / "s", "-w", 1)
    assert r.exit_code == 0, r.output
    return d / "s"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "r"
    r = invoke("run", GENERIC, "-r", 2, "-o", out, "--set", "months=6")
    assert r.exit_code == 0, r.output
    return out


def copy_sweep(sweep_dir: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(sweep_dir, to)
    return to


# --------------------------------------------------------------------------- folder kinds


def test_each_command_writes_a_manifest(sweep_dir, run_dir):
    assert folder_kind(run_dir) == "run" and folder_kind(sweep_dir) == "sweep"
    doc = json.loads((run_dir / "manifest.json").read_text())
    assert doc["kind"] == "run" and doc["written_by"] == "commonfuture run" and doc["version"]


def test_export_of_a_sweep_does_not_turn_it_into_a_run(sweep_dir, tmp_path):
    s = copy_sweep(sweep_dir, tmp_path / "s")
    r = invoke("export", s)
    assert r.exit_code == 0, r.output
    assert not (s / "monthly.parquet").exists()  # into s/export/, not beside the store
    assert (s / "export" / "monthly.parquet").is_file()
    assert folder_kind(s) == "sweep" and folder_kind(s / "export") == "export"
    # the monthly table of every point and replicate, not one run's
    m = pd.read_parquet(s / "export" / "monthly.parquet")
    assert len(m) == 2 * 2 * 6


def test_run_refuses_a_sweep_folder_and_sweep_refuses_a_run_folder(sweep_dir, run_dir, tmp_path):
    s = copy_sweep(sweep_dir, tmp_path / "s")
    before = (s / "experiment.duckdb").read_bytes()
    r = invoke("run", GENERIC, "-r", 1, "-o", s, "--set", "months=2")
    one_line_error(r, "holds a parameter sweep")
    assert not (s / "monthly.parquet").exists()
    assert (s / "experiment.duckdb").read_bytes() == before
    exp = tmp_path / "exp.toml"
    exp.write_text(EXP)
    before = (run_dir / "monthly.parquet").read_bytes()
    one_line_error(invoke("sweep", exp, "-o", run_dir, "-w", 1), "holds a run")
    assert not (run_dir / "experiment.duckdb").exists()
    assert (run_dir / "monthly.parquet").read_bytes() == before


# --------------------------------------------------------------------------- export


def test_export_into_a_run_folder_is_refused(sweep_dir, run_dir):
    before = (run_dir / "monthly.parquet").read_bytes()
    one_line_error(invoke("export", sweep_dir, "-o", run_dir), "holds a run")
    assert (run_dir / "monthly.parquet").read_bytes() == before
    one_line_error(
        invoke("export", sweep_dir, "-o", run_dir / "monthly.parquet", "--table", "monthly"),
        "holds a run",
    )
    assert (run_dir / "monthly.parquet").read_bytes() == before


def test_export_never_replaces_a_file_without_force(sweep_dir, tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "runs.parquet").write_text("my own file")
    one_line_error(invoke("export", sweep_dir, "-o", target), "already exists")
    assert (target / "runs.parquet").read_text() == "my own file"
    r = invoke("export", sweep_dir, "-o", target, "--force")
    assert r.exit_code == 0, r.output
    assert len(pd.read_parquet(target / "runs.parquet")) == 4


def test_export_to_a_named_csv_file(sweep_dir, tmp_path):
    r = invoke("export", sweep_dir, "-o", tmp_path / "runs.csv")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "runs.csv").is_file()  # a file, not a folder named runs.csv
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert len(runs) == 4 and {"point", "replicate", "members_end"} <= set(runs.columns)
    assert "runs.csv" in r.output
    r = invoke("export", sweep_dir, "-o", tmp_path / "m.parquet", "--table", "monthly")
    assert r.exit_code == 0 and len(pd.read_parquet(tmp_path / "m.parquet")) == 24
    r = invoke("export", sweep_dir, "-o", tmp_path / "both", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "both").glob("*.csv")) == [
        "monthly.csv",
        "runs.csv",
    ]
    one_line_error(
        invoke("export", sweep_dir, "-o", tmp_path / "x.csv", "--format", "parquet"),
        "does not match",
    )
    one_line_error(invoke("export", sweep_dir, "--format", "xlsx"), "csv or parquet")


def test_run_chains_have_sector_and_role_and_are_listed(tmp_path):
    r = invoke("run", GENERIC, "-r", 1, "-o", tmp_path, "--set", "months=6", "--chains")
    assert r.exit_code == 0, r.output
    assert "chains.parquet" in r.output.replace("\n", "")
    chains = pd.read_parquet(tmp_path / "chains.parquet")
    assert {"sector", "role"} <= set(chains.columns)
    leaders = chains[chains["role"] == "key leader"]
    assert set(leaders["sector"]) <= {"public", "third"}  # generic: council and community org
    assert set(chains.loc[chains["sector"] == "citizens", "role"]) <= {"external user"}


# --------------------------------------------------------------------------- one-line errors


def test_out_under_a_file_is_one_line(tmp_path, sweep_dir):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    exp = tmp_path / "exp.toml"
    exp.write_text(EXP)
    for args in (
        ("run", GENERIC, "-r", 1, "--set", "months=2", "-o", blocker / "sub"),
        ("sweep", exp, "-o", blocker / "sub"),
        ("sensitivity", exp, "-o", blocker / "sub"),
        ("export", sweep_dir, "-o", blocker / "sub"),
    ):
        r = invoke(*args)
        assert r.exit_code == 2 and "Traceback" not in r.output, (args, r.output)
        assert len(errors(r.output)) == 1, r.output
    assert blocker.read_text() == "x"


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs a read-only /proc")
def test_read_only_out_is_one_line(tmp_path, sweep_dir):
    ro = Path("/proc/self/commonfuture-out")  # /proc refuses new files, even to root
    exp = tmp_path / "exp.toml"
    exp.write_text(EXP)
    for args in (
        ("run", GENERIC, "-r", 1, "--set", "months=2", "-o", ro),
        ("sweep", exp, "-o", ro),
        ("export", sweep_dir, "-o", ro),
    ):
        r = invoke(*args)
        assert r.exit_code == 2 and "Traceback" not in r.output, (args, r.output)
        assert len(errors(r.output)) == 1 and "--out" in r.output, r.output


def test_second_sweep_says_who_holds_the_store(sweep_dir, tmp_path):
    s = copy_sweep(sweep_dir, tmp_path / "s")
    exp = tmp_path / "exp.toml"
    exp.write_text(EXP)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', "
            "flush=True); time.sleep(60)",
            str(s / "experiment.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        r = invoke("sweep", exp, "-o", s, "-w", 1)
        one_line_error(r, f"process {holder.pid}")
        r = invoke("status", s)
        assert r.exit_code == 0 and "running" in r.output
    finally:
        holder.kill()
        holder.wait()


# --------------------------------------------------------------------------- damaged stores


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "zero":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 3])
    else:  # the first data block overwritten (after DuckDB's three 4 KiB headers)
        b = bytearray(data)
        b[12288 : 12288 + 8192] = b"\xab" * 8192
        path.write_bytes(bytes(b))


@pytest.mark.parametrize("how", ["zero", "truncated", "corrupted"])
def test_damaged_store_is_detected_everywhere(sweep_dir, tmp_path, how):
    s = copy_sweep(sweep_dir, tmp_path / "s")
    damage(s / "experiment.duckdb", how)
    exp = tmp_path / "exp.toml"
    exp.write_text(EXP)
    for args in (("sweep", exp, "-o", s, "-w", 1), ("export", s), ("status", s)):
        r = invoke(*args)
        one_line_error(r, "is damaged")
        assert "commonfuture repair" in r.output
    r = invoke("repair", s)
    assert r.exit_code == 0, r.output
    kept = list(s.glob("experiment.duckdb.damaged-*"))
    assert len(kept) == 1 and kept[0].stat().st_size == (
        0 if how == "zero" else kept[0].stat().st_size
    )
    r = invoke("sweep", exp, "-o", s, "-w", 1)  # runs what is missing, from a sound store
    assert r.exit_code == 0, r.output
    with Store(s, read_only=True) as st:
        assert (st.runs()["status"] == "done").sum() == 4


def test_repair_keeps_every_readable_run(sweep_dir, tmp_path):
    """A store whose file opens but whose monthly rows of one point are gone keeps the
    other point's runs."""
    s = copy_sweep(sweep_dir, tmp_path / "s")
    import duckdb

    con = duckdb.connect(str(s / "experiment.duckdb"))
    con.execute("DELETE FROM monthly WHERE point = 1")
    con.close()
    from commonfuture.experiments.store import _salvage

    old = duckdb.connect(str(s / "experiment.duckdb"), read_only=True)
    kept = _salvage(old, tmp_path / "new.duckdb")
    old.close()
    assert kept == 2  # point 0's two runs; point 1's runs lost their months and will re-run


def test_status_of_a_gone_writer_is_not_running(sweep_dir, tmp_path):
    s = copy_sweep(sweep_dir, tmp_path / "s")
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    doc = json.loads((s / "progress.json").read_text())
    doc.update(pid=proc.pid, done=1)
    (s / "progress.json").write_text(json.dumps(doc))
    r = invoke("status", s)
    assert r.exit_code == 0, r.output
    assert "running" not in r.output and "4 of 4" in r.output


# --------------------------------------------------------------------------- input


def test_memory_is_estimated_before_anything_is_allocated(tmp_path):
    text = GENERIC.read_text().replace("citizens = 600", "citizens = 1000000000000")
    assert text != GENERIC.read_text()
    path = tmp_path / "huge.toml"
    path.write_text(text)
    t0 = time.perf_counter()
    r = invoke("run", path, "-r", 1, "-o", tmp_path / "o")
    one_line_error(r, "GiB of memory")
    assert "this machine has" in r.output and time.perf_counter() - t0 < 30
    assert not (tmp_path / "o").exists()
    r = invoke("validate", path)
    assert "cannot run on this machine" in r.output


def test_validate_is_linear_in_string_length(tmp_path):
    path = tmp_path / "long.toml"
    text = GENERIC.read_text()
    path.write_text(text.replace('name = "generic"', f'name = "{"x" * 100_000}"', 1))
    t0 = time.perf_counter()
    r = invoke("validate", path)
    assert time.perf_counter() - t0 < 5
    one_line_error(r, "name: String should have at most 200 characters")
    path.write_text(text.replace('name = "generic"', f'name = "{"x" * 200}"', 1))
    t0 = time.perf_counter()
    assert invoke("validate", path).exit_code == 0 and time.perf_counter() - t0 < 5


@pytest.mark.parametrize(
    "setting,needle",
    [
        ("months=true", "months: expected a number, got a true/false value"),
        ("investment.monthly_budget=inf", "investment.monthly_budget: not a finite number"),
        ("leadership.alignment=nan", "leadership.alignment: not a number (NaN)"),
        ("population.profiles.public=[0.2, 0.2, nan, 0.2, 0.2]", "not a number (NaN)"),
    ],
)
def test_values_that_used_to_pass(tmp_path, setting, needle):
    r = invoke("run", GENERIC, "-r", 1, "-o", tmp_path / "o", "--set", setting)
    one_line_error(r, needle)


def test_repeated_set_says_which_wins_and_late_events_warn(tmp_path):
    r = invoke(
        "run",
        GENERIC,
        "-r",
        1,
        "-o",
        tmp_path / "o",
        "--set",
        "months=3",
        "--set",
        "months=4",
    )
    assert r.exit_code == 0, r.output
    assert "months given 2 times" in r.output and "months=4, is used" in r.output
    assert pd.read_parquet(tmp_path / "o" / "monthly.parquet")["month"].max() == 4
    text = GENERIC.read_text() + '\n[[events]]\nmonth = 500\nkind = "milestone"\n'
    path = tmp_path / "late.toml"
    path.write_text(text)
    r = invoke("validate", path)
    assert r.exit_code == 0 and "after the horizon" in r.output


def test_sensitivity_json_is_strict_json(tmp_path):
    from commonfuture.experiments.analysis import write_json

    path = write_json({"a": float("nan"), "b": [1.0, float("inf")]}, tmp_path / "s.json")
    doc = json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"bare {c}"))
    assert doc == {"a": None, "b": [1.0, None]}


def test_sobol_warnings_at_small_samples():
    from commonfuture.experiments.analysis import index_warnings

    df = pd.DataFrame(
        {
            "parameter": ["a", "b"],
            "S1": [-0.1, 0.6],
            "S1_conf": [0.3, 0.3],
            "ST": [0.5, 0.4],
            "ST_conf": [0.3, 0.3],
        }
    )
    notes = " ".join(index_warnings("sobol", df))
    assert "negative first-order index for a" in notes
    assert "above the total-order index for b" in notes
    assert "too wide to rank" in notes
    clear = df.assign(S1=[0.4, 0.1], ST=[0.9, 0.2], ST_conf=[0.02, 0.02])
    assert index_warnings("sobol", clear) == []


# --------------------------------------------------------------------------- terminal


def test_control_and_bidi_characters_are_escaped(tmp_path):
    assert printable("ab\u202ecd\x1b[31m") == "ab\\u202ecd\\u001b[31m"
    text = GENERIC.read_text().replace('name = "generic"', 'name = "evil\u202etxt.exe"', 1)
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    r = invoke("validate", path)
    assert r.exit_code == 0 and "\u202e" not in r.output and "\\u202e" in r.output


def test_kill_9_leaves_no_zombie_workers(tmp_path):
    exp = tmp_path / "exp.toml"
    exp.write_text(EXP.replace("values = [0.2, 0.8]", "values = [0.1, 0.3, 0.5, 0.7, 0.9]"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "commonfuture",
            "sweep",
            str(exp),
            "-o",
            str(tmp_path / "s"),
            "-w",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 120
    while not (tmp_path / "s" / "progress.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pool = _children(proc.pid)
    assert pool, "no worker processes found"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 30
    while any(_state(p) not in (None,) for p in pool) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_state(p) is None for p in pool), {p: _state(p) for p in pool}


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


# --------------------------------------------------------------------------- reports


def _page(folder: Path) -> str:
    from commonfuture.report import render_report

    return render_report(folder)


def test_report_of_an_exported_sweep_is_a_sweep_page(sweep_dir, tmp_path):
    s = copy_sweep(sweep_dir, tmp_path / "s")
    assert invoke("export", s).exit_code == 0
    # even a monthly.parquet dropped beside the store does not make the folder a run
    import shutil

    shutil.copy(s / "export" / "monthly.parquet", s / "monthly.parquet")
    r = invoke("report", s)
    assert r.exit_code == 0, r.output
    page = (s / "report.html").read_text()
    assert "data-kind='sweep'" in page and "Sweep: tiny-sweep" in page
    assert "actors joined" not in page and "seed ?" not in page
    assert "4 of 4 runs done" in page
    one_line_error(invoke("report", s / "export"), "report")


def test_run_report_states_its_conditions(tmp_path):
    out = tmp_path / "r"
    r = invoke(
        "run",
        GENERIC,
        "-r",
        2,
        "-o",
        out,
        "--set",
        "months=6",
        "--set",
        "population.counts.citizens=400",
        "--scale",
        "0.5",
        "-s",
        "7",
    )
    assert r.exit_code == 0, r.output
    page = _page(out)
    assert "modified" in page and "months=6; population.counts.citizens=400" in page
    assert "0.5 x the scenario" in page and "random seed:</dt><dd>7" in page
    assert "engine:</dt><dd>fast" in page and "scenario hash" in page
    # the description says 600 residents; the page says what was simulated
    assert "Simulated: 215 actors" in page and "200 residents" in page
    assert "the seed" not in page.replace("random seed", "")
    assert "value destroyed" not in page.lower().replace("net value destroyed", "")
    assert "(target units)" not in page and "t CO2e avoided" in page


def test_unmodified_run_is_not_flagged(run_dir, tmp_path):
    r = invoke("run", GENERIC, "-r", 1, "-o", tmp_path / "plain")
    assert r.exit_code == 0, r.output
    page = _page(tmp_path / "plain")
    assert "none: the scenario as written" in page and "<b>modified</b>" not in page
    page = _page(run_dir)  # made with --set months=6
    assert "months=6" in page and "<b>modified</b>" in page


def test_every_figure_has_alt_text_and_a_caption(run_dir, sweep_dir):
    import re

    for page in (_page(run_dir), _page(sweep_dir)):
        imgs = re.findall(
            r"<figure><img src='data:image/png[^']*' alt='([^']*)'>"
            r"<figcaption>([^<]+)</figcaption>",
            page,
        )
        assert imgs and len(imgs) == page.count("<img ")
        assert all(alt.strip() and cap.strip() for alt, cap in imgs)


def test_pattern_verdict_says_why_and_when_underpowered():
    from commonfuture.report import _effect_text, _test_text, _verdict_reason

    e = {
        "reproduced": False,
        "p_value": 0.029,
        "effect": 0.0,
        "ci_low": -0.49,
        "ci_high": 0.49,
        "kind": "proportion",
        "test": "Fisher exact (odds ratio)",
        "statistic": float("inf"),
    }
    why = _verdict_reason(e, 0.05, {"scale": 0.5, "replicates_per_arm": 3})
    assert "goes against the claim" in why and "Underpowered" in why
    assert "0.5" in why and "3 replicates per arm" in why
    # the verdict names the condition that failed
    conds = [
        {"condition": "members kept: higher in the treatment", "held": True},
        {"condition": "reached stage 3: not lower in the treatment", "held": False},
    ]
    why = _verdict_reason({**e, "conditions": conds}, 0.05, {"scale": 1.0})
    assert "a condition of the claim failed: reached stage 3" in why
    assert "members kept" not in why
    eff, what = _effect_text(e)
    assert eff == "+0 points [-49, +49]" and "odds" not in what and "shares" in what
    assert "inf" not in _test_text(e) and "not finite" in _test_text(e)
    why = _verdict_reason({**e, "p_value": 0.4}, 0.05, {"scale": 1.0, "replicates_per_arm": 30})
    assert "not significant" in why and "Underpowered" not in why


def test_runs_side_by_side_name_the_levers_that_differ(tmp_path):
    for name, value in (("weak", 0.2), ("strong", 0.8)):
        r = invoke(
            "run",
            GENERIC,
            "-r",
            1,
            "-o",
            tmp_path / name,
            "--set",
            "months=4",
            "--set",
            f"leadership.alignment={value}",
        )
        assert r.exit_code == 0, r.output
    page = _page(tmp_path)
    assert "<h2>Generic (strong)</h2>" in page and "<h2>Generic (weak)</h2>" in page
    diff = page.split("What differs between the runs")[1].split("</table>")[0]
    assert "leadership.alignment" in diff and "0.2" in diff and "0.8" in diff
    assert "months" not in diff


def test_guide_in_docs_matches_the_reports():
    from commonfuture.report.guide import markdown

    docs = Path(__file__).resolve().parents[1] / "docs" / "guide.md"
    assert docs.read_text() == markdown()


def test_help_and_params_sections():
    import re

    plain = lambda text: re.sub(r"\x1b\[[0-9;]*m", "", text)  # noqa: E731
    r = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    text = plain(r.output)
    assert "Runs with their own random draws" in text and "Random seed" in text
    assert not re.search(r"--chains\s+<bool>", text)
    r = runner.invoke(app, ["experiment", "--help"], env={"COLUMNS": "200"})
    assert "experiments-out/NAME" in plain(r.output)
    r = invoke("params", GENERIC, "--json", "--section", "leadership")
    rows = json.loads(r.output)
    assert rows and all(row["path"].startswith("leadership.") for row in rows)
    one_line_error(invoke("params", GENERIC, "--section", "nope"), "choose from")


def test_sweep_table_headers_stay_distinct(tmp_path):
    from commonfuture.cli.sweeps import short_names

    assert short_names(["leadership.alignment", "leadership.arbitration"]) == [
        "alignment",
        "arbitration",
    ]
    same = ["propositions[0].cost", "propositions[1].cost"]
    assert short_names(same) == same


def test_all_shipped_targets_spell_the_unit_alike():
    from commonfuture.scenario.load import load_scenario, scenarios_dir

    names = {load_scenario(p).target.name for p in scenarios_dir().rglob("*.toml")}
    assert names == {"t CO2e avoided"}


# --------------------------------------------------------------------------- property


KIND_FILES = {
    "run": ["monthly.parquet", "run.json"],
    "runs": [],
    "patterns": ["patterns.json"],
    "sweep": ["experiment.duckdb", "progress.json"],
    "sensitivity": ["experiment.duckdb", "sensitivity.json"],
    "cascades": ["validation.json"],
    "export": ["runs.parquet", "monthly.parquet"],
}
DECOYS = sorted({f for files in KIND_FILES.values() for f in files} | {"report.html"})


def test_report_never_mislabels_a_folder(tmp_path_factory):
    """Random folders of each kind, with random files of other kinds dropped in: the
    report chosen is always the manifest's kind."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    import commonfuture.report as report
    from commonfuture.manifest import KINDS, write_manifest

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        kind=st.sampled_from(sorted(KINDS)),
        decoys=st.lists(st.sampled_from(DECOYS), unique=True, max_size=5),
        subruns=st.integers(0, 2),
    )
    def check(kind, decoys, subruns):
        d = tmp_path_factory.mktemp("k")
        for name in decoys:
            (d / name).write_text("not what the name says")
        for i in range(subruns):
            write_manifest(d / f"sub{i}", "run")
        write_manifest(d, kind)
        assert folder_kind(d) == kind
        seen = []
        pages = {k: (lambda path, k=k: seen.append(k) or "") for k in report.PAGES}
        original = report.PAGES
        report.PAGES = pages
        try:
            if kind in ("export", "evidence", "calibration", "formats"):
                with pytest.raises(FileNotFoundError, match="export|written by"):
                    report.render_report(d)
            else:
                report.render_report(d)
                expected = (
                    "sweep" if kind == "sensitivity" and "sensitivity.json" not in decoys else kind
                )
                assert seen == [expected]
        finally:
            report.PAGES = original

    check()
