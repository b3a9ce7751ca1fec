"""Regenerate the parts of docs/ODD.md written from declarations in the code.

``python -m commonfuture.docs [docs/ODD.md]`` rewrites, in place, the blocks between
``<!-- measures ... -->`` and ``<!-- /measures -->`` (from :data:`outputs.MEASURES`) and
between ``<!-- parameters ... -->`` and ``<!-- /parameters -->`` (from
:data:`parameters.PARAMETERS`); a test checks that the committed page is up to date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from commonfuture import outputs, parameters

BLOCKS = {"measures": outputs.table, "parameters": parameters.table}


def render(text: str) -> str:
    """``text`` with every generated block rewritten from the code."""
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name}:[^\n]*-->\n)(.*?)(<!-- /{name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"no <!-- {name}: ... --> block to regenerate")
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + m.group(3), text)
    return text


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "docs/ODD.md")
    path.write_text(render(path.read_text()))


if __name__ == "__main__":
    main()
