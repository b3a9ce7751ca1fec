"""Threads: how many cores the compiled loops use, and how work is cut between them.

The per-actor loops of the month and of the set-up run on every core (numba
``prange``). Their results are bit-identical for any number of threads, because
the work is cut into fixed *chunks* of :data:`CHUNK` actors whatever the thread
count, each chunk writes only its own actors (or its own slot of partial sums),
and partial sums are combined chunk by chunk in their order. Small runs, below
:data:`PARALLEL_MIN` actor-slots, go through the same chunks on one thread: waking
other threads costs more than it saves there.

The thread count: :func:`set_threads` (``--threads N`` on the command line), else
the environment variable ``COMMONFUTURE_THREADS``, else every core this process may
use. It can never exceed numba's pool (``NUMBA_NUM_THREADS``, fixed when numba
starts; all cores by default).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

# threads that wait for the next loop sleep rather than spin: on a shared machine (or
# beside other runs) spinning threads take the cores the working ones need; set before
# numba starts its OpenMP pool, and only where the user has not chosen
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numba  # noqa: E402
from numba import njit  # noqa: E402

#: environment variable naming the default number of threads
ENV = "COMMONFUTURE_THREADS"
#: actors per chunk of work (fixed: results do not depend on the thread count)
CHUNK = 8192
#: below this many actors (replicates x actors), a loop runs its chunks on one thread
PARALLEL_MIN = 65_536


def loops() -> dict:
    """numba's ``parallel`` option for the kernels: the explicit ``prange`` loops only
    (no implicit parallel array expressions; a fresh dict, as numba consumes it)."""
    return {
        "comprehension": False,
        "reduction": False,
        "inplace_binop": False,
        "setitem": False,
        "numpy": False,
        "stencil": False,
        "fusion": False,
        "prange": True,
    }


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """``COMMONFUTURE_THREADS`` if set (a positive integer), else every core."""
    raw = os.environ.get(ENV, "").strip()
    if raw:
        try:
            n = int(raw)
        except ValueError:
            raise ValueError(f"{ENV}: not a whole number of threads: {raw!r}") from None
        if n < 1:
            raise ValueError(f"{ENV}: must be at least 1, got {n}")
        return n
    return cores()


def pool_size() -> int:
    """numba's thread pool (``NUMBA_NUM_THREADS``): the most threads a loop can use."""
    return int(numba.config.NUMBA_NUM_THREADS)


_chosen: int | None = None


def set_threads(n: int | None = None) -> int:
    """Use ``n`` threads (default: :func:`default_threads`), at most numba's pool, for the
    runs of this process; return the number set."""
    global _chosen
    want = default_threads() if n is None else int(n)
    if want < 1:
        raise ValueError(f"threads must be at least 1, got {want}")
    # applied by :func:`sized` when a run starts: starting numba's threads here would
    # make this process unsafe to fork (worker pools that fork, such as pyabc's)
    _chosen = min(want, pool_size())
    return _chosen


def threads() -> int:
    """Threads a run uses: as set by :func:`set_threads`, else :func:`default_threads`
    (at most numba's pool)."""
    if _chosen is not None:
        return _chosen
    return min(default_threads(), pool_size())


@njit(cache=True, nogil=True, inline="always")
def n_chunks(n):
    """Chunks of :data:`CHUNK` actors covering ``n`` actors (at least one)."""
    return max(1, (n + CHUNK - 1) // CHUNK)


@njit(cache=True, nogil=True, inline="always")
def bounds(c, n):
    """Actors ``lo:hi`` of chunk ``c``."""
    lo = c * CHUNK
    return lo, min(n, lo + CHUNK)


__all__ = [
    "CHUNK",
    "ENV",
    "PARALLEL_MIN",
    "bounds",
    "cores",
    "default_threads",
    "loops",
    "n_chunks",
    "pays",
    "pick",
    "pool_size",
    "serial",
    "set_threads",
    "threads",
    "sized",
]


@contextmanager
def sized(slots: int, weight: int = 1):
    """Run the compiled calls inside on :func:`threads` threads, or on one when they
    work on fewer than :data:`PARALLEL_MIN` actor-slots (waking other threads costs more
    than it saves there); ``weight``: the cost of a slot in month-loop slots (a set-up
    loop drawing many numbers per actor is worth sharing sooner). Results are the same
    either way."""
    was = numba.get_num_threads()
    numba.set_num_threads(threads() if pays(slots, weight) else 1)
    try:
        yield
    finally:
        numba.set_num_threads(was)


# ------------------------------------------------------------------ serial twins
#
# A kernel compiled with ``parallel`` costs several times the compile of the same loops
# without it (numba outlines each ``prange`` loop into a function of its own), and runs
# below :data:`PARALLEL_MIN` actor-slots use one thread anyway. So each parallel kernel,
# and each kernel calling one, has a *serial twin*: the same code compiled without
# ``parallel`` (``prange`` runs as ``range`` over the same chunks, in order: the same
# numbers), calling the twins of its kernels. :func:`pick` gives a run the twin when it is
# too small to share out, so a small run never compiles the parallel kernels.

_twins: dict = {}
_needs: dict = {}


def _names(code) -> set[str]:
    """Global and attribute names a function's code (and its nested code) refers to."""
    out = set(code.co_names)
    for c in code.co_consts:
        if hasattr(c, "co_names"):
            out |= _names(c)
    return out


def _callees(kernel):
    """(name, kernel) of the compiled kernels ``kernel`` calls by a global name, and
    (name, module, [(attribute, kernel)]) of those it calls as a module's attribute."""
    from types import ModuleType

    from numba.core.dispatcher import Dispatcher

    f = kernel.py_func
    names = _names(f.__code__)
    direct, modules = [], []
    for name in names:
        value = f.__globals__.get(name)
        if isinstance(value, Dispatcher):
            direct.append((name, value))
        elif isinstance(value, ModuleType):
            attrs = [(a, getattr(value, a)) for a in names if hasattr(value, a)]
            attrs = [(a, v) for a, v in attrs if isinstance(v, Dispatcher)]
            if attrs:
                modules.append((name, value, attrs))
    return direct, modules


def _parallel_inside(kernel) -> bool:
    """Whether ``kernel`` is parallel or calls (through its globals) a kernel that is."""
    if kernel in _needs:
        return _needs[kernel]
    _needs[kernel] = bool(kernel.targetoptions.get("parallel"))  # cycles stop here
    if not _needs[kernel]:
        direct, modules = _callees(kernel)
        callees = [k for _, k in direct] + [k for *_, attrs in modules for _, k in attrs]
        _needs[kernel] = any(_parallel_inside(k) for k in callees)
    return _needs[kernel]


def serial(kernel):
    """The serial twin of a compiled ``kernel`` (itself when nothing in it is parallel):
    its code, compiled and cached under its name + ``_serial``, without ``parallel``,
    calling the serial twins of its kernels."""
    from types import FunctionType, ModuleType

    if not _parallel_inside(kernel):
        return kernel
    twin = _twins.get(kernel)
    if twin is not None:
        return twin
    f = kernel.py_func
    scope = dict(f.__globals__)
    direct, modules = _callees(kernel)
    for name, callee in direct:
        scope[name] = serial(callee)
    for name, module, attrs in modules:
        if any(_parallel_inside(k) for _, k in attrs):
            stand_in = ModuleType(f"{module.__name__}_serial")
            stand_in.__dict__.update(module.__dict__)
            for attr, callee in attrs:
                setattr(stand_in, attr, serial(callee))
            scope[name] = stand_in
    code = FunctionType(f.__code__, scope, f"{f.__name__}_serial", f.__defaults__, f.__closure__)
    code.__qualname__ = f"{f.__qualname__}_serial"
    code.__module__ = f.__module__
    code.__doc__ = f.__doc__
    code.__kwdefaults__ = f.__kwdefaults__
    options = {
        k: v for k, v in kernel.targetoptions.items() if k in ("nogil", "fastmath", "inline")
    }
    twin = _twins[kernel] = njit(cache=True, **options)(code)
    return twin


def pays(slots: int, weight: int = 1) -> bool:
    """Whether a loop over ``slots`` actor-slots (each worth ``weight``) is shared out
    between threads (as :func:`sized` decides)."""
    return slots * weight >= PARALLEL_MIN


def pick(kernel, slots: int, weight: int = 1):
    """``kernel`` for a run over ``slots`` actor-slots: itself where the work is shared
    out between threads, else its serial twin (the same numbers, compiled without the
    cost of ``parallel``), unless this process has the parallel kernel already (a
    larger run before it): then that, on one thread, rather than compile the twin."""
    if pays(slots, weight) or kernel.signatures:
        return kernel
    return serial(kernel)
