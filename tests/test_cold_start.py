"""Cold start: `--help` without the heavy imports, and a cache folder whatever the
permissions (the compiled kernels' cache falls back, never a traceback)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from commonfuture import compiled

SRC = Path(__file__).resolve().parents[1] / "src"

#: what a command loads when it runs, never for its help (pydantic is not here: the
#: command-line library itself loads it to read some options' types)
HEAVY = (
    "numba",
    "numpy",
    "pandas",
    "scipy",
    "duckdb",
    "matplotlib",
    "solara",
    "pyabc",
    "optuna",
    "lifelines",
    "mesa",
    "dask",
    "pyarrow",
)

HELP_EVERYWHERE = """
import json, sys
from typer.main import get_command
from commonfuture.cli import app
names = sorted(get_command(app).commands)
for args in [["--help"]] + [[name, "--help"] for name in names]:
    try:
        app(args, prog_name="commonfuture")
    except SystemExit as stop:
        assert stop.code in (0, None), (args, stop.code)
print(json.dumps({"commands": names, "heavy": sorted(m for m in %r if m in sys.modules)}))
"""


def test_help_imports_nothing_heavy():
    """`commonfuture --help` and every command's `--help`, in one fresh process: none of
    the heavy packages is imported (the commands import them when they run)."""
    out = subprocess.run(
        [sys.executable, "-c", HELP_EVERYWHERE % (HEAVY,)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert len(found["commands"]) >= 10
    assert found["heavy"] == []


def test_package_top_level_is_lazy():
    """`import commonfuture` loads no model; its names load it on first use."""
    code = (
        "import sys, commonfuture; a = 'numba' in sys.modules; "
        "commonfuture.simulate; print(a, 'numba' in sys.modules, "
        "sorted(set(commonfuture.__all__) - set(dir(commonfuture))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "True", "[]"]


def test_cache_folder_decision():
    """Where the kernels are cached, as the folders' permissions allow."""
    ok = {Path("/user"), Path("/tree"), Path("/home/.cache/numba"), Path("/tmp/cf")}

    def decide(user, tree=Path("/tree"), wide=Path("/home/.cache/numba"), fb=Path("/tmp/cf")):
        return compiled.decide(user, [tree], wide, fb, can_write=lambda p: p in ok)

    assert decide("/user") == ("user", "/user")
    assert decide(None) == ("numba", None)  # numba's own __pycache__ folders
    assert decide("/nope") == ("numba", None)  # an unwritable NUMBA_CACHE_DIR is passed over
    assert decide(None, tree=Path("/ro")) == ("numba", None)  # numba's user-wide folder
    assert decide(None, tree=Path("/ro"), wide=Path("/ro2")) == ("fallback", "/tmp/cf")
    assert decide(None, tree=Path("/ro"), wide=None) == ("fallback", "/tmp/cf")
    assert decide(None, tree=Path("/ro"), wide=Path("/ro2"), fb=Path("/ro3")) == ("none", None)


def test_writable(tmp_path):
    assert compiled.writable(tmp_path)
    assert compiled.writable(tmp_path / "not" / "yet")
    afile = tmp_path / "file"
    afile.write_text("")
    assert not compiled.writable(afile)
    assert not compiled.writable(afile / "below")


def _unwritable_copy(tmp_path: Path) -> Path:
    """The package copied where numba cannot cache beside it: each of its folders holds
    a *file* named __pycache__ (so even the superuser cannot make the folder)."""
    src = tmp_path / "src"
    shutil.copytree(
        SRC / "commonfuture", src / "commonfuture", ignore=shutil.ignore_patterns("__pycache__")
    )
    for folder in [
        src / "commonfuture",
        *(p for p in (src / "commonfuture").rglob("*") if p.is_dir()),
    ]:
        (folder / "__pycache__").write_text("")
    return src


KERNEL = (
    "import os, commonfuture\n"
    "from commonfuture import compiled\n"
    "from commonfuture.parallel import n_chunks\n"
    "print(compiled.cache_mode, os.environ.get('NUMBA_CACHE_DIR', ''), n_chunks(20000))\n"
)


def _isolated(tmp_path: Path, src: Path, tmpdir: Path) -> dict:
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_"))}
    env.update(HOME=str(home), PYTHONPATH=str(src), TMPDIR=str(tmpdir), PYTHONDONTWRITEBYTECODE="1")
    return env


def test_read_only_package_and_home_fall_back_to_a_user_folder(tmp_path):
    """With neither the package's folders nor the home folder writable, the kernels are
    cached in a per-user folder of the temporary directory: no traceback, and they are
    loaded from it by the next process."""
    src = _unwritable_copy(tmp_path)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = _isolated(tmp_path, src, tmpdir)
    first = subprocess.run(
        [sys.executable, "-c", KERNEL], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    mode, folder, chunks = first.stdout.split()
    assert (mode, chunks) == ("fallback", "3")
    assert Path(folder).parent == tmpdir
    assert any(Path(folder).rglob("*.nbi"))  # numba's index of the cached kernel
    helped = subprocess.run(
        [sys.executable, "-m", "commonfuture", "--help"], env=env, capture_output=True, text=True
    )
    assert helped.returncode == 0 and "Traceback" not in helped.stderr


def test_nowhere_to_cache_runs_uncached_with_a_note(tmp_path):
    """With no writable folder at all, the kernels compile in the process, with a note."""
    src = _unwritable_copy(tmp_path)
    tmpfile = tmp_path / "tmp-is-a-file"
    tmpfile.write_text("")
    env = _isolated(tmp_path, src, tmpfile)
    code = (
        "import tempfile, pathlib\n"
        f"tempfile.tempdir = {str(tmpfile)!r}  # no temporary folder to be had\n" + KERNEL
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout.split() == ["none", "3"]
    assert "compiled again in every process" in run.stderr


def test_serial_twins_give_the_same_numbers(monkeypatch):
    """A run on the serial twins of the kernels (as small runs use) gives the numbers of
    the parallel kernels, bit for bit: set-up, months, stepping and value chains."""
    import pandas as pd

    from commonfuture import load_scenario, model, network, population, simulate
    from commonfuture.parallel import serial
    from commonfuture.scenario.load import scenarios_dir

    sc = load_scenario(scenarios_dir() / "edinburgh" / "carbon-literacy.toml")
    runs = {}
    for name, choose in (("parallel", lambda k, *a: k), ("serial", lambda k, *a: serial(k))):
        for module in (model, network, population):
            monkeypatch.setattr(module, "pick", choose)
        runs[name] = (
            simulate(sc, seed=4, replicates=2).monthly,
            simulate(sc, seed=4, replicates=[1], chains=True).chains,
        )
    for a, b in zip(runs["parallel"], runs["serial"], strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


SMALL_RUN = """
import json
import numba
import commonfuture
from commonfuture import load_scenario, simulate
from commonfuture.scenario.load import scenarios_dir
from commonfuture import model, network, population, randomness
from commonfuture.meso import small_wins
from commonfuture.micro import commitment, creation, proposition, secession

simulate(load_scenario(scenarios_dir() / "edinburgh" / "carbon-literacy.toml"), 0, 2)
kernels = [
    v
    for m in (model, network, population, randomness, small_wins, commitment, creation,
              proposition, secession)
    for v in vars(m).values()
    if isinstance(v, numba.core.dispatcher.Dispatcher) and "parallel" in v.targetoptions
]
print(json.dumps({"parallel": len(kernels),
                  "used": sorted(k.py_func.__qualname__ for k in kernels if k.signatures)}))
"""


def test_a_small_run_compiles_no_parallel_kernel():
    """A run too small to share out (Carbon Literacy, 2 replicates) loads or compiles
    none of the parallel kernels, only their serial twins, in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", SMALL_RUN], capture_output=True, text=True, check=True
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["parallel"] >= 15
    assert found["used"] == []
