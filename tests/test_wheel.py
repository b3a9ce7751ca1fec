"""Installed as users install it: the built wheel in a fresh environment, outside the
source checkout, finds its shipped scenarios and example experiments."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed (its dependencies are taken
    from this environment's site-packages, so that nothing is downloaded twice)."""
    d = tmp_path_factory.mktemp("wheel")
    src = d / "src"
    # a clean copy of the sources (no build/ or egg-info left from other builds)
    shutil.copytree(
        ROOT,
        src,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "build",
            "*.egg-info",
            "dist",
            "demo",
            "__pycache__",
            ".pytest_cache",
            "experiments-out",
        ),
    )
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(src), "-w", str(d / "dist")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = (d / "dist").glob("commonfuture-*.whl")
    env_dir = d / "env"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    Path(site, "deps.pth").write_text(deps + "\n")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        capture_output=True,
        text=True,
    )
    if "no such option: --python" in r.stderr:  # older pip: unpack by hand
        import zipfile

        zipfile.ZipFile(wheel).extractall(site)
    else:
        assert r.returncode == 0, r.stderr[-2000:]
    return env_dir


def run(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    return subprocess.run(
        [str(env_dir / "bin" / "python"), *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def test_the_wheel_is_imported_not_the_checkout(installed, tmp_path):
    r = run(installed, "-c", "import commonfuture; print(commonfuture.__file__)", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert str(installed) in r.stdout and str(ROOT / "src") not in r.stdout


def test_shipped_scenarios_and_experiments_are_installed(installed, tmp_path):
    code = (
        "from commonfuture.scenario.load import scenarios_dir, experiments_dir, shipped\n"
        "print(sorted(p.name for p in scenarios_dir().rglob('*.toml')))\n"
        "print(sorted(p.name for p in experiments_dir().glob('*.toml')))\n"
        "print(shipped('edinburgh/active-travel').name)\n"
    )
    r = run(installed, "-c", code, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "generic.toml" in lines[0] and "community-solar.toml" in lines[0]
    assert "leadership-grid.toml" in lines[1] and "sobol-levers.toml" in lines[1]


def test_commands_by_shipped_name_from_the_wheel(installed, tmp_path):
    r = run(installed, "-m", "commonfuture", "validate", "generic", cwd=tmp_path)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
    r = run(
        installed,
        "-m",
        "commonfuture",
        "run",
        "edinburgh/carbon-literacy",
        "-r",
        "1",
        "--set",
        "months=3",
        "-o",
        "out",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "monthly.parquet").is_file()
    r = run(
        installed,
        "-m",
        "commonfuture",
        "experiment",
        "stages",
        "-r",
        "2",
        "--scale",
        "0.2",
        "-o",
        "pat",
        cwd=tmp_path,
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert (tmp_path / "pat" / "patterns.json").is_file()
