from __future__ import annotations

import errno
import os
import unicodedata
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


def fail(lines: list[str] | str, code: int = 2) -> NoReturn:
    """Print one line per problem to stderr and exit (status 2 for bad input).

    Lines are shown as text (control and bidi characters escaped, no Rich markup)."""
    if isinstance(lines, str):
        lines = [lines]
    for line in lines:
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


def claim_folder(out: Path, kind: str, what: str, option: str = "--out") -> None:
    """Fail (exit 2) if ``out`` holds results of another kind, or cannot be written."""
    from commonfuture.manifest import FolderConflict, claim

    try:
        claim(out, kind, what)
    except FolderConflict as err:
        fail(f"{option}: {err}")
    except OSError as err:
        fail(f"{option}: {os_problem(err)}")
    writable_folder(out, option)


def warn(lines: list[str] | str) -> None:
    """Print one ``warning:`` line per item to stderr (shown as text)."""
    if isinstance(lines, str):
        lines = [lines]
    for line in lines:
        err_console.print(
            f"[bold yellow]warning:[/bold yellow] {safe(line)}", highlight=False, soft_wrap=True
        )
