"""mkdocs hooks: the repository's README is the site's home page, and the files it links
to outside docs/ (the benchmarks' README and figure, the changelog, LICENSE,
CITATION.cff) are added to the site under the same names, so its links hold. Also a
griffe extension (``PlainRoles``, named in mkdocs.yml) for the API pages' docstrings."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import griffe
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
FROM_ROOT = (
    "benchmarks/README.md",
    "benchmarks/scaling.png",
    "CHANGELOG.md",
    "CITATION.cff",
    "LICENSE",
)
KERNEL = "commonfuture-docs"
KERNELS: Path | None = None  # the kernel spec's temporary folder during a build


def on_config(config):
    # the tutorial runs in a kernel of this interpreter (mkdocs-jupyter's kernel_name),
    # whatever kernels the user has installed
    global KERNELS
    KERNELS = Path(tempfile.mkdtemp(prefix="commonfuture-kernels-"))
    spec = KERNELS / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"})
    )
    os.environ["JUPYTER_PATH"] = str(KERNELS)
    return config


def on_post_build(config) -> None:
    if KERNELS is not None:
        shutil.rmtree(KERNELS, ignore_errors=True)


def on_files(files: Files, config) -> Files:
    home = re.sub(r"\]\(docs/", "](", (ROOT / "README.md").read_text(encoding="utf-8"))
    files.append(File.generated(config, "index.md", content=home))
    for name in FROM_ROOT:
        files.append(File.generated(config, name, abs_src_path=str(ROOT / name)))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    # docs/*.md reach the benchmarks as ../benchmarks/, which the site holds at its root
    return markdown.replace("](../benchmarks/", "](benchmarks/")


def on_post_page(output: str, page, config) -> str:
    # the tutorial notebook links to the other pages by file name (so the links also work
    # in Jupyter); on the site they are .html pages
    if page.file.src_uri.endswith(".ipynb"):
        output = re.sub(r'href="([\w-]+)\.md(#[^"]*)?"', r'href="\1.html\2"', output)
    return output


# --------------------------------------------------------------------------- docstrings

ROLE = re.compile(r":(?:mod|func|class|meth|data|attr|obj|exc):`(~?)([^`]+)`")


def plain_roles(text: str) -> str:
    """Sphinx roles (``:func:`simulate```, ``:class:`~a.b.C```) as Markdown code spans, and
    the reStructuredText ``::`` before a literal block as a colon (the block is indented,
    which Markdown reads as code too)."""

    def code(m: re.Match) -> str:
        target = m.group(2).lstrip(".")
        return f"`{target.rsplit('.', 1)[-1] if m.group(1) else target}`"

    return re.sub(r"::\n\n", ":\n\n", ROLE.sub(code, text))


class PlainRoles(griffe.Extension):
    """The docstrings are written with Sphinx roles; the API pages show them as code."""

    def on_instance(self, *, obj, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = plain_roles(obj.docstring.value)
