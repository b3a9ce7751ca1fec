"""Cold start: what a first run on a machine compiles, and what each kernel costs.

Each measurement runs in a fresh process whose numba cache (``NUMBA_CACHE_DIR``) is an
empty temporary folder, so every kernel a run uses is compiled there, as on a new
machine. numba's event API (``numba:compile``) times every compilation, nested ones
included (a kernel called from another is compiled while its caller is typed); a
kernel's *own* time is its compilation minus the kernels compiled inside it.

The profile, in one process: importing the package, then the first ``simulate`` of the
generic scenario (1 replicate), of Carbon Literacy, Community Solar and Active Travel (2
replicates each), stepping a run month by month (``Run.step``, as the dashboard does)
and a run with value chains. A kernel compiled in a later step again was specialised on
a new signature: the report lists each such kernel with the argument types that differ.

Then, side by side in fresh processes: the cold first ``simulate`` of Carbon Literacy (2
replicates, call to result, the import included), the same again on the cache it left
(warm start), ``make demo`` on an empty cache, and ``commonfuture --help``.

    .venv/bin/python benchmarks/compile_profile.py            # profile, cold and warm
    .venv/bin/python benchmarks/compile_profile.py --brief    # no profile: the targets only

Writes ``benchmarks/compile_profile.json`` and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS = ROOT / "scenarios"
CASES = ("carbon-literacy", "community-solar", "active-travel")
OUT = HERE / "compile_profile.json"

# --------------------------------------------------------------------------- child side


def _profile_child() -> dict:
    """In a process with an empty cache: every compilation, by step."""
    from numba.core import event

    records: list[tuple] = []
    current = ["import"]

    class Listener(event.Listener):
        def on_start(self, ev):
            records.append(("start", time.perf_counter(), time.thread_time(), ev.data, current[0]))

        def on_end(self, ev):
            records.append(("end", time.perf_counter(), time.thread_time(), ev.data, current[0]))

    event.register("numba:compile", Listener())
    steps: list[dict] = []

    def step(label: str, fn) -> None:
        current[0] = label
        t0, c0 = time.perf_counter(), time.thread_time()
        fn()
        steps.append(
            {"step": label, "seconds": time.perf_counter() - t0, "cpu": time.thread_time() - c0}
        )

    t0, c0 = time.perf_counter(), time.thread_time()
    from commonfuture import Run, load_scenario, simulate

    steps.append(
        {"step": "import", "seconds": time.perf_counter() - t0, "cpu": time.thread_time() - c0}
    )
    generic = load_scenario(SCENARIOS / "generic.toml")
    cases = {c: load_scenario(SCENARIOS / "edinburgh" / f"{c}.toml") for c in CASES}
    step("simulate generic, 1 replicate", lambda: simulate(generic, seed=0, replicates=1))
    for c, sc in cases.items():
        step(f"simulate {c}, 2 replicates", lambda sc=sc: simulate(sc, seed=0, replicates=2))

    def stepping():
        run = Run(cases["carbon-literacy"], seed=0, replicates=1)
        for _ in range(3):
            run.step()

    step("Run.step, carbon-literacy", stepping)
    step(
        "simulate carbon-literacy, value chains",
        lambda: simulate(cases["carbon-literacy"], seed=0, replicates=1, chains=True),
    )

    compiles: list[dict] = []
    stack: list[dict] = []
    for kind, t, cpu, data, label in records:
        if kind == "start":
            disp = data["dispatcher"]
            py = disp.py_func
            stack.append(
                {
                    "kernel": f"{py.__module__}.{py.__qualname__}",
                    "args": [str(a) for a in data["args"]],
                    # (numba empties the options' dict as it compiles: the key tells)
                    "parallel": "parallel" in disp.targetoptions,
                    "step": label,
                    "depth": len(stack),
                    "t0": t,
                    "cpu0": cpu,
                    "children": 0.0,
                    "children_cpu": 0.0,
                }
            )
        else:
            node = stack.pop()
            node["seconds"] = t - node.pop("t0")
            node["own"] = node["seconds"] - node.pop("children")
            node["cpu"] = cpu - node.pop("cpu0")
            node["own_cpu"] = node["cpu"] - node.pop("children_cpu")
            if stack:
                stack[-1]["children"] += node["seconds"]
                stack[-1]["children_cpu"] += node["cpu"]
            compiles.append(node)
    return {"steps": steps, "compiles": compiles}


def _first_simulate_child(case: str, replicates: int) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    from commonfuture import load_scenario, simulate

    t1 = time.perf_counter()
    res = simulate(load_scenario(SCENARIOS / "edinburgh" / f"{case}.toml"), 0, replicates)
    t2 = time.perf_counter()
    return {
        "import_s": t1 - t0,
        "simulate_s": t2 - t1,
        "total_s": t2 - t0,
        "cpu_s": time.process_time() - c0,
        "rows": len(res.monthly),
    }


# --------------------------------------------------------------------------- parent side


def _in_child(code: str, cache: str, threads: int | None = None) -> tuple[dict, float]:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    if threads is not None:
        env["COMMONFUTURE_THREADS"] = str(threads)
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.perf_counter() - t0
    return json.loads(out.strip().splitlines()[-1]), wall


def _call(fn: str, *args) -> str:
    return (
        f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import compile_profile as cp; "
        f"print(json.dumps(cp.{fn}(*{args!r})))"
    )


def profile() -> dict:
    cache = tempfile.mkdtemp(prefix="cf-numba-cold-")
    try:
        data, wall = _in_child(_call("_profile_child"), cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    data["wall_s"] = wall
    return data


def cold_and_warm(case: str = "carbon-literacy", replicates: int = 2) -> dict:
    """The first simulate on an empty cache, then again on the cache it left (fresh
    processes, the import included)."""
    cache = tempfile.mkdtemp(prefix="cf-numba-cold-")
    try:
        cold, cold_wall = _in_child(_call("_first_simulate_child", case, replicates), cache)
        warm, warm_wall = _in_child(_call("_first_simulate_child", case, replicates), cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    cold["process_s"], warm["process_s"] = cold_wall, warm_wall
    return {"case": case, "replicates": replicates, "cold": cold, "warm": warm}


def demo_cold() -> dict:
    """``make demo`` (``python -m commonfuture.demo``) on an empty cache, in a temporary
    folder: the model's time (the demo's own "done in", loading to report) and the
    process's."""
    cache = tempfile.mkdtemp(prefix="cf-numba-cold-")
    where = tempfile.mkdtemp(prefix="cf-demo-")
    try:
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "commonfuture.demo"],
            env=dict(os.environ, NUMBA_CACHE_DIR=cache),
            cwd=where,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(where, ignore_errors=True)
    done = [line for line in out.splitlines() if line.startswith("done in ")]
    model_s = float(done[-1].split()[2]) if done else float("nan")
    return {"model_s": model_s, "process_s": wall}


def help_time(rounds: int = 3) -> dict:
    """``commonfuture --help`` and ``commonfuture run --help`` in fresh processes."""
    exe = Path(sys.executable).with_name("commonfuture")
    out = {}
    for args in (["--help"], ["run", "--help"]):
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            subprocess.run([str(exe), *args], capture_output=True, check=True)
            times.append(time.perf_counter() - t0)
        out[" ".join(args)] = sorted(times)[len(times) // 2]
    return out


def report(data: dict) -> str:
    lines = []
    prof = data.get("profile")
    if prof:
        lines.append("| step | seconds (CPU) | compilations | compiling, CPU s |")
        lines.append("|---|---|---|---|")
        for s in prof["steps"]:
            mine = [c for c in prof["compiles"] if c["step"] == s["step"]]
            top = sum(c["cpu"] for c in mine if c["depth"] == 0)
            lines.append(
                f"| {s['step']} | {s['seconds']:.1f} ({s['cpu']:.1f}) | {len(mine)} | {top:.1f} |"
            )
        per = defaultdict(list)
        for c in prof["compiles"]:
            per[c["kernel"]].append(c)
        lines.append("")
        lines.append("| kernel | parallel | signatures | own CPU s (each) | first in |")
        lines.append("|---|---|---|---|---|")
        rows = sorted(per.items(), key=lambda kv: -sum(c["own_cpu"] for c in kv[1]))
        for name, cs in rows:
            own = ", ".join(f"{c['own_cpu']:.2f}" for c in cs)
            lines.append(
                f"| {name.removeprefix('commonfuture.')} | {'yes' if cs[0]['parallel'] else ''} "
                f"| {len(cs)} | {own} | {cs[0]['step']} |"
            )
        total = sum(c["own_cpu"] for c in prof["compiles"])
        par = sum(c["own_cpu"] for c in prof["compiles"] if c["parallel"])
        lines.append(
            f"\ncompiling in all: {total:.1f} CPU s ({par:.1f} in parallel kernels), "
            f"{len(prof['compiles'])} compilations of {len(per)} kernels; the profile's "
            f"process took {prof['wall_s']:.1f} s"
        )
        again = {k: v for k, v in per.items() if len(v) > 1}
        if again:
            lines.append("\nkernels compiled for more than one signature:")
            for name, cs in again.items():
                first = cs[0]["args"]
                for c in cs[1:]:
                    diff = [
                        f"arg {i}: {a} -> {b}"
                        for i, (a, b) in enumerate(zip(first, c["args"], strict=False))
                        if a != b
                    ]
                    lines.append(
                        f"- {name} ({c['step']}, {c['own_cpu']:.2f} CPU s): "
                        + ("; ".join(d[:300] for d in diff) or "same types")
                    )
    cw = data.get("cold_warm")
    if cw:
        lines.append(
            f"\nfirst simulate of {cw['case']} ({cw['replicates']} replicates), call to result "
            f"with the import: cold {cw['cold']['total_s']:.1f} s "
            f"({cw['cold']['cpu_s']:.1f} CPU s; "
            f"import {cw['cold']['import_s']:.1f} s), warm {cw['warm']['total_s']:.2f} s "
            f"({cw['warm']['cpu_s']:.2f} CPU s; import {cw['warm']['import_s']:.2f} s)"
        )
    if data.get("demo"):
        lines.append(
            f"make demo on an empty cache: {data['demo']['model_s']:.0f} s of model time "
            f"(the process {data['demo']['process_s']:.0f} s)"
        )
    if data.get("help"):
        lines.append(
            "--help: " + ", ".join(f"`commonfuture {k}` {v:.2f} s" for k, v in data["help"].items())
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brief", action="store_true", help="cold and warm first simulate only")
    ap.add_argument("--no-demo", action="store_true", help="skip make demo on an empty cache")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    data: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "python": sys.version.split()[0]}
    if not args.brief:
        data["profile"] = profile()
    elif args.out.exists():  # keep the last profile beside the new targets
        last = json.loads(args.out.read_text())
        if "profile" in last:
            data["profile"] = last["profile"]
            data["profile_date"] = last.get("profile_date", last.get("date"))
    data["cold_warm"] = cold_and_warm()
    if not args.no_demo:
        data["demo"] = demo_cold()
    data["help"] = help_time()
    args.out.write_text(json.dumps(data, indent=1))
    print(report(data))
    return data


if __name__ == "__main__":
    main()
