"""`make bench` (part): `commonfuture evidence` on a 1,000,000-event log.

Target: 1,000,000 events read, checked and turned into the monthly measures, the
value chains, the secession-risk model and the report in under 30 seconds and under
1 GB of memory (the resident peak of the command's process).

The log is synthetic and valid: 100,000 actors over ten years, each joining, taking
part, using services, some contributing money and some leaving (about ten events an
actor), the key leaders of three sectors and the coupling recorded. The command runs
in a fresh process, as a user runs it (`python -m commonfuture evidence LOG -o OUT
--wider N`); its wall time and its resident peak (`ru_maxrss` of the finished child)
are measured. Writes ``benchmarks/evidence.json``.

    .venv/bin/python benchmarks/evidence.py            # 1,000,000 events
    .venv/bin/python benchmarks/evidence.py --events 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

TARGET_SECONDS = 30.0
TARGET_BYTES = 1024**3
SECTORS = ("public", "private", "third", "citizens")
PROPOSITIONS = ("advice", "workshops", "bike loans", "solar shares")


def make_log(events: int, path: Path, seed: int = 0) -> int:
    """Write a valid event log of about ``events`` rows to ``path``; return its rows."""
    rng = np.random.default_rng(seed)
    actors = max(10, events // 10)
    sector = rng.choice(4, size=actors, p=[0.01, 0.02, 0.03, 0.94])
    first = pd.Timestamp("2014-01-01")
    join = rng.integers(0, 365 * 8, size=actors)  # day of joining
    # each actor: joined, then k events on distinct later days, then perhaps left
    k = rng.poisson(8, size=actors) + 1
    leaves = rng.random(actors) < 0.3
    rows_actor, rows_kind, rows_day = [], [], []
    ids = np.arange(actors)
    rows_actor.append(ids)
    rows_kind.append(np.zeros(actors, np.int8))  # joined
    rows_day.append(join)
    total = int(k.sum())
    who = np.repeat(ids, k)
    step = rng.integers(1, 30, size=total)
    starts = np.repeat(np.concatenate([[0], np.cumsum(k)[:-1]]), k)
    cs = np.cumsum(step)
    within = cs - (cs[starts] - step[starts])  # days after joining, rising per actor
    day = join[who] + within
    kind = rng.choice([1, 2, 3], size=total, p=[0.5, 0.4, 0.1])  # took_part, used, contributed
    rows_actor.append(who)
    rows_kind.append(kind.astype(np.int8))
    rows_day.append(day)
    last = day[np.cumsum(k) - 1]
    rows_actor.append(ids[leaves])
    rows_kind.append(np.full(int(leaves.sum()), 7, np.int8))  # left
    rows_day.append(last[leaves] + 1)
    actor = np.concatenate(rows_actor)
    kind = np.concatenate(rows_kind)
    day = np.concatenate(rows_day)
    names = np.array(["joined", "took_part", "used_service", "contributed", "", "", "", "left"])
    df = pd.DataFrame(
        {
            "case:concept:name": np.char.add("actor-", actor.astype(str)),
            "concept:name": names[kind],
            "day": day,
            "seq": np.arange(len(actor)),
            "org:group": np.array(SECTORS)[sector[actor]],
        }
    )
    df["amount"] = np.where(kind == 3, rng.integers(10, 500, size=len(df)).astype(str), "")
    df["proposition"] = np.where(
        kind == 2, np.array(PROPOSITIONS)[rng.integers(0, 4, size=len(df))], ""
    )
    # the key leaders: the first public, private and third-sector actors take the role
    leaders = [int(np.flatnonzero(sector == s)[0]) for s in (0, 1, 2)]
    extra = pd.DataFrame(
        {
            "case:concept:name": [f"actor-{a}" for a in leaders],
            "concept:name": "key_leader_changed",
            "day": [int(join[a]) for a in leaders],
            "seq": len(df) + np.arange(3),
            "org:group": [SECTORS[int(sector[a])] for a in leaders],
            "amount": "1",
            "proposition": "",
        }
    )
    coupling = pd.DataFrame(
        {
            "case:concept:name": [""],
            "concept:name": ["coupling_changed"],
            "day": [max(int(join[a]) for a in leaders) + 1],
            "seq": [len(df) + 3],
            "org:group": [""],
            "amount": ["1"],
            "proposition": [""],
        }
    )
    df = pd.concat([df, extra, coupling], ignore_index=True)
    df = df.sort_values(["day", "seq"], kind="stable")
    df["time:timestamp"] = (first + pd.to_timedelta(df["day"], unit="D")).dt.strftime("%Y-%m-%d")
    df["note"] = ""
    cols = ["case:concept:name", "concept:name", "time:timestamp", "org:group", "amount"]
    df[[*cols, "proposition", "note"]].to_csv(path, index=False)
    return len(df)


def measure(log: Path, wider: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "commonfuture", "evidence", str(log), "-o", f"{tmp}/out"]
        t0 = time.perf_counter()
        proc = subprocess.run([*cmd, "--wider", str(wider)], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        if proc.returncode != 0:
            raise SystemExit(f"evidence failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        return {"seconds": round(seconds, 2), "peak_bytes": int(peak), "output": proc.stdout}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=HERE / "evidence.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.csv"
        t0 = time.perf_counter()
        rows = make_log(args.events, log)
        made = time.perf_counter() - t0
        res = measure(log, wider=2 * rows // 10)
    doc = {
        "events": rows,
        "seconds": res["seconds"],
        "peak_mb": round(res["peak_bytes"] / 1024**2, 1),
        "target_seconds": TARGET_SECONDS,
        "target_peak_mb": TARGET_BYTES / 1024**2,
        "seconds_over_target": round(res["seconds"] / TARGET_SECONDS, 2),
        "peak_over_target": round(res["peak_bytes"] / TARGET_BYTES, 2),
        "log_written_s": round(made, 1),
        "summary": res["output"].strip().splitlines()[-1] if res["output"].strip() else "",
    }
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    ok = lambda r: "meets" if r <= 1 else "MISSES"  # noqa: E731
    print(f"evidence on {rows:,} events ({doc['summary']})")
    print(f"{'':>10} {'measured':>10} {'target':>10} {'ratio':>7}")
    print(
        f"{'seconds':>10} {doc['seconds']:>10.1f} {TARGET_SECONDS:>10.0f} "
        f"{doc['seconds_over_target']:>7.2f}  {ok(doc['seconds_over_target'])}"
    )
    print(
        f"{'peak MB':>10} {doc['peak_mb']:>10.0f} {doc['target_peak_mb']:>10.0f} "
        f"{doc['peak_over_target']:>7.2f}  {ok(doc['peak_over_target'])}"
    )


if __name__ == "__main__":
    main()
