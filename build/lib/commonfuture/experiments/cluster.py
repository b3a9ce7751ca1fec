"""A local Dask cluster of separate processes on 127.0.0.1 (a scheduler and workers).

Used by the tests and the benchmark to run experiments through a real cluster;
``commonfuture sweep --cluster tcp://127.0.0.1:PORT`` connects to it like to any other.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_scheduler(workdir: Path, wait: float = 60.0) -> tuple[str, subprocess.Popen]:
    """Start ``dask scheduler`` on a free port; return its address once it accepts connections."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dashboard-address",
            ":0",
            "--no-show",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=workdir,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    return f"tcp://127.0.0.1:{port}", proc


def start_workers(address: str, n: int, workdir: Path) -> list[subprocess.Popen]:
    """Start ``n`` single-threaded ``dask worker`` processes for the scheduler at ``address``."""
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                address,
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--dashboard-address",
                ":0",
                "--no-dashboard",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=workdir,
        )
        for _ in range(n)
    ]


def stop(procs: list[subprocess.Popen], wait: float = 20.0) -> None:
    """Terminate the processes (workers before the scheduler if listed last), killing laggards."""
    for p in reversed(procs):
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            p.kill()
