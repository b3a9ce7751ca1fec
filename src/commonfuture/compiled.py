"""The compiled kernels: where their cache lives, and what the user sees while they compile.

The model's loops are compiled by numba on their first use on a machine and cached, so
later runs load them in about a second. numba keeps its cache in the ``__pycache__``
folder beside each source file or, when that is not writable, in the user's cache folder
(``~/.cache/numba``); with neither writable it would stop with an error at import.
:func:`choose_cache`, run when the package is imported (file-system checks only, no
numba), keeps numba's choice where one of those is writable; otherwise it points numba
(``NUMBA_CACHE_DIR``) at a per-user folder in the temporary directory; and when even that
cannot be written, the kernels run uncached (compiled in every process) with a one-line
note. ``NUMBA_CACHE_DIR`` set by the user is kept when it is writable.

While a run compiles, :func:`compiling` tells the user: the command line shows it in its
progress bar, the dashboard as a message; elsewhere (scripts, notebooks) a line on
standard error names the compile once per process.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
#: the package's folders holding compiled kernels (numba caches each in its __pycache__)
KERNEL_FOLDERS = ("", "leadership", "micro", "meso", "macro")
#: the per-user fallback folder, under the temporary directory
FALLBACK = "commonfuture-numba-{user}"

#: how the cache was set up in this process: "numba" (numba's own folders),
#: "user" (``NUMBA_CACHE_DIR`` as set by the user), "fallback" or "none"
cache_mode = "numba"
#: the folder the kernels are cached in, when this module chose it
cache_dir: str | None = None


def writable(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` can be written, or created and then written (checks only)."""
    path = Path(folder)
    while not path.exists():
        if path.parent == path:
            return False
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def numba_user_folder() -> Path:
    """numba's user-wide cache folder (``~/.cache/numba`` on Linux)."""
    if sys.platform == "darwin":  # pragma: no cover - not Linux
        return Path.home() / "Library" / "Caches" / "numba"
    if sys.platform == "win32":  # pragma: no cover - not Linux
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "numba" / "Cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "numba"


def fallback_folder() -> Path:
    """The per-user folder in the temporary directory."""
    try:
        user = str(os.getuid())
    except AttributeError:  # pragma: no cover - Windows
        user = os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / FALLBACK.format(user=user)


def decide(
    user_dir: str | None,
    in_tree: Iterable[Path],
    user_wide: Path | None,
    fallback: Path | None,
    can_write: Callable[[Path], bool] = writable,
) -> tuple[str, str | None]:
    """Where the kernels are cached: ``(mode, folder)``, mode one of ``"user"`` (the
    user's ``NUMBA_CACHE_DIR``), ``"numba"`` (numba's own folders: each kernel folder's
    ``__pycache__``, else the user-wide folder), ``"fallback"`` or ``"none"``."""
    if user_dir and can_write(Path(user_dir)):
        return "user", user_dir
    if all(can_write(p) for p in in_tree):
        return "numba", None
    if user_wide is not None and can_write(user_wide):
        return "numba", None
    if fallback is not None and can_write(fallback):
        return "fallback", str(fallback)
    return "none", None


def choose_cache() -> str:
    """Make sure the kernels can be imported whatever the folders' permissions (see the
    module's text); return the mode chosen. Run once, when the package is imported."""
    global cache_mode, cache_dir
    try:
        home_wide: Path | None = numba_user_folder()
    except (RuntimeError, KeyError, OSError):  # no home folder to be found
        home_wide = None
    try:
        fallback: Path | None = fallback_folder()
    except (OSError, FileNotFoundError):  # no usable temporary directory at all
        fallback = None
    cache_mode, cache_dir = decide(
        os.environ.get("NUMBA_CACHE_DIR", "").strip() or None,
        [PACKAGE / sub / "__pycache__" for sub in KERNEL_FOLDERS],
        home_wide,
        fallback,
    )
    if cache_mode == "fallback":
        os.environ["NUMBA_CACHE_DIR"] = cache_dir  # read by numba when it starts
        if "numba" in sys.modules:  # pragma: no cover - numba started before us
            import numba

            numba.config.CACHE_DIR = cache_dir
    elif cache_mode == "none":
        _uncached()
    return cache_mode


def _uncached() -> None:
    """Compile without a cache: numba's dispatchers get no cache instead of failing."""
    from numba.core import caching, dispatcher

    def enable_caching(self):
        self._cache = caching.NullCache()

    dispatcher.Dispatcher.enable_caching = enable_caching
    print(
        "note: no writable folder for the compiled model (the package's folder, "
        f"{numba_user_folder()} and {tempfile.gettempdir()} are read-only): it is "
        "compiled again in every process; set NUMBA_CACHE_DIR to a writable folder to keep it.",
        file=sys.stderr,
    )


# --------------------------------------------------------------------- compile notices

_lock = threading.Lock()
_shows: list[Callable[[str | None], None]] = []
_listening = False
_noted = False


def _kernel_name(data) -> str | None:
    try:
        py = data["dispatcher"].py_func
    except (KeyError, AttributeError):  # pragma: no cover
        return None
    if not py.__module__.startswith("commonfuture"):
        return None
    return f"{py.__module__.removeprefix('commonfuture.')}.{py.__qualname__}"


def _stderr_note(name: str | None) -> None:
    """The default notice: one line on standard error the first time a process compiles."""
    global _noted
    if name is not None and not _noted:
        _noted = True
        print(
            f"commonfuture: compiling the model's kernels ({name} ...) on their first use "
            "on this machine; they are cached for the next runs.",
            file=sys.stderr,
            flush=True,
        )


def _listen() -> None:
    """Register one numba listener for the process (when the kernels are first used)."""
    global _listening
    with _lock:
        if _listening:
            return
        _listening = True
    from numba.core import event

    local = threading.local()  # per thread: compiles under way, and whether ours

    class Listener(event.Listener):
        def on_start(self, ev):
            stack = local.__dict__.setdefault("stack", [])
            name = _kernel_name(ev.data) if not stack else None
            stack.append(name)
            if name is not None:
                for show in list(_shows) or [_stderr_note]:
                    show(name)

        def on_end(self, ev):
            stack = local.__dict__.setdefault("stack", [None])
            name = stack.pop()
            if not stack and name is not None:
                for show in list(_shows):
                    show(None)

    event.register("numba:compile", Listener())


@contextmanager
def compiling(show: Callable[[str | None], None]):
    """Inside, ``show(kernel)`` is called when a compile of one of the model's kernels
    starts (its module and name, such as ``model.months``) and ``show(None)`` when it
    ends; the default notice (a line on standard error) is off meanwhile."""
    _listen()
    with _lock:
        _shows.append(show)
    try:
        yield
    finally:
        with _lock:
            _shows.remove(show)


def noticed() -> None:
    """Turn on the default notice (a line on standard error) for this process."""
    _listen()


__all__ = [
    "cache_dir",
    "cache_mode",
    "choose_cache",
    "compiling",
    "decide",
    "fallback_folder",
    "noticed",
    "numba_user_folder",
    "writable",
]
