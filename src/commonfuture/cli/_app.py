from __future__ import annotations

import errno
import os
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    name="commonfuture",
    help="Collaboration for the common future: simulate, test and explore Cui & Osborne's "
    "framework of integrative public leadership and value co-creation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

#: ``--threads``: threads per process for the compiled loops (results do not depend on it)
Threads = Annotated[
    int | None,
    typer.Option(
        "--threads",
        min=1,
        help="Threads per process (default: COMMONFUTURE_THREADS, else all cores; "
        "results are the same for any number).",
    ),
]


def use_threads(threads: int | None) -> None:
    """Apply ``--threads`` (or check ``COMMONFUTURE_THREADS``) before anything runs."""
    from commonfuture.parallel import set_threads

    try:
        set_threads(threads)
    except ValueError as err:
        fail(str(err))


#: at most this many problems are printed (then how many more there are)
MAX_LINES = 20
#: a word (a run without spaces) longer than this is cut in the middle, so that a
#: 100,000-character key is not echoed whole; a whole line is cut at MAX_LINE
MAX_WORD = 200
MAX_LINE = 2_000


def cut(text: object) -> str:
    """``text`` with each very long word cut in the middle (saying how much was left
    out), and the whole line cut at :data:`MAX_LINE` characters."""
    import re

    def shorten(m: re.Match) -> str:
        word = m.group(0)
        head, tail = word[:120], word[-40:]
        return f"{head}...[{len(word) - 160:,} characters cut]...{tail}"

    text = re.sub(rf"\S{{{MAX_WORD + 1},}}", shorten, str(text))
    if len(text) > MAX_LINE:
        text = (
            f"{text[: MAX_LINE - 200]}...[{len(text) - MAX_LINE + 140:,} characters cut]..."
            + (text[-140:])
        )
    return text


def capped(lines: list[str], limit: int = MAX_LINES) -> list[str]:
    """The first ``limit`` lines, each :func:`cut`, and a count of those not shown."""
    shown = [cut(line) for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"... and {len(lines) - limit:,} more (the first {limit} are shown)")
    return shown


def fail(lines: list[str] | str, code: int = 2) -> NoReturn:
    """Print one line per problem to stderr and exit (status 2 for bad input).

    Lines are shown as text (control and bidi characters escaped, no Rich markup); at
    most :data:`MAX_LINES` of them, each :func:`cut`."""
    if isinstance(lines, str):
        lines = [lines]
    for line in capped(list(lines)):
        err_console.print(
            f"[bold red]error:[/bold red] {safe(line)}", highlight=False, soft_wrap=True
        )
    raise typer.Exit(code)


def printable(text: object) -> str:
    """``text`` safe to show on a terminal: control, format (bidi overrides, zero-width)
    and line-separator characters escaped as ``\\u202e``; no Rich markup."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") and ch != " ":
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return "".join(out)


def safe(text: object) -> str:
    """:func:`printable`, and escaped for Rich markup (a name like ``[red]`` stays literal)."""
    return escape(printable(text))


def os_problem(err: OSError) -> str:
    """An operating-system error in a few words (no traceback)."""
    words = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system",
        errno.ENOTDIR: "a part of the path is a file, not a directory",
        errno.ENOSPC: "no space left on the device",
        errno.EEXIST: "exists",
        errno.EISDIR: "is a folder",
        errno.ENOENT: "no such file or folder",
    }
    what = words.get(err.errno, err.strerror or err.__class__.__name__)
    where = err.filename if err.filename is not None else ""
    return f"{where}: {what}" if where else what


def writable_folder(out: Path, option: str = "--out") -> None:
    """Fail (exit 2) unless ``out`` is a folder this process can write in, or could be
    created as one. Creates nothing."""
    if out.exists():
        if not out.is_dir():
            fail(f"{option}: {out} exists and is not a directory")
        target = out
    else:
        target = out.parent
        while not target.exists() and target != target.parent:
            target = target.parent
        if not target.is_dir():
            fail(f"{option}: cannot create {out}: {target} is a file, not a directory")
    if not os.access(target, os.W_OK | os.X_OK):
        fail(f"{option}: cannot write in {target} (permission denied or read-only)")
    probe = target / f".write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        fail(f"{option}: cannot write in {target} ({os_problem(err)})")


def claim_folder(
    out: Path,
    kind: str,
    what: str,
    option: str = "--out",
    files: Iterable[str] = (),
    force: bool = False,
) -> None:
    """The guard every command that writes a results folder passes first.

    Fails (exit 2, one line) if ``out`` holds results of another kind (its manifest says
    so, see :mod:`commonfuture.manifest`), is a file, lies under a file, cannot be
    written, or, when it is not already a folder of this kind, holds any of ``files``
    (files the command would replace) and ``force`` is not given. Creates nothing."""
    from commonfuture.manifest import FolderConflict, claim, folder_kind

    try:
        claim(out, kind, what)
    except FolderConflict as err:
        fail(f"{option}: {err}")
    except OSError as err:
        fail(f"{option}: {os_problem(err)}")
    writable_folder(out, option)
    if force or not out.is_dir():
        return
    try:
        mine = folder_kind(out) == kind
    except FolderConflict:
        mine = False
    existing = [name for name in files if (out / name).exists()]
    if existing and not mine:
        fail(
            f"{option}: {out / existing[0]} already exists and was not written by {what}; "
            "give --force to replace it, or choose another --out"
        )


def writable_file(out: Path, option: str = "--out") -> None:
    """Fail (exit 2) unless the file ``out`` can be written (created or replaced)."""
    if out.is_dir():
        fail(f"{option}: {out} is a folder, not a file")
    if out.exists() and not os.access(out, os.W_OK):
        fail(f"{option}: cannot write {out} (permission denied or read-only)")
    writable_folder(out.parent, option)


@contextmanager
def writing(option: str = "--out", what: str = "the results") -> Iterator[None]:
    """Turn an operating-system error while writing into one line and exit 2."""
    try:
        yield
    except OSError as err:
        fail(f"{option}: cannot write {what} ({os_problem(err)})")


def warn(lines: list[str] | str) -> None:
    """Print one ``warning:`` line per item to stderr (shown as text)."""
    if isinstance(lines, str):
        lines = [lines]
    for line in capped(list(lines)):
        err_console.print(
            f"[bold yellow]warning:[/bold yellow] {safe(line)}", highlight=False, soft_wrap=True
        )


def scale_option(scale: float) -> None:
    """Fail (exit 2) unless ``--scale`` is a positive finite number."""
    import math

    if not (scale > 0 and math.isfinite(scale)):
        fail(f"--scale: must be a positive finite number, got {scale}")


def fits_in_memory(cases: list, scale: float, replicates: int = 1, label: str = "") -> None:
    """The memory estimate ``run`` uses, for the cases (shipped names or scenarios) a
    command builds populations of: one line and exit 2 if one would not fit."""
    from commonfuture.resources import MemoryTooSmall, check_cases
    from commonfuture.scenario import ScenarioError

    scale_option(scale)
    try:
        check_cases(cases, scale, replicates)
    except MemoryTooSmall as err:
        fail(f"{label or '--scale'}: {err}")
    except ScenarioError as err:
        fail(str(err).splitlines())
