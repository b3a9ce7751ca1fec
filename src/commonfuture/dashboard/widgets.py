"""Two widgets of the page, served with no request to a CDN.

* :func:`VegaChart`: an Altair (Vega-Lite) chart with values on hover. Solara's own
  chart widget asks for ``vega@5`` and friends, names the ``solara-assets`` package
  does not hold, so offline the charts would not draw; this one asks for the exact
  versions that package ships (served by the Solara server at ``/_solara/cdn``).
* :func:`ScenarioFile`: the scenario upload, a drop zone with a real file input
  inside it, so a click, a tap or the keyboard (Tab, then Enter or Space) opens the
  file chooser as well as dropping a file does.
"""

from __future__ import annotations

import threading
import typing
from pathlib import Path
from typing import Any, cast

import solara
import solara.hooks as hooks
import traitlets
from solara.components.file_drop import FileDropZone, FileInfo
from solara.widgets.widgets import VegaLite

HERE = Path(__file__).resolve().parent

#: the versions of the Vega libraries that ``solara-assets`` ships (and the page loads)
VEGA_ASSETS = ("vega@5.21.0", "vega-lite@5.2.0", "vega-embed@6.20.2")


class _Vega(VegaLite):
    template_file = str(HERE / "vegalite.vue")


class _ScenarioDrop(FileDropZone):
    template_file = str(HERE / "file_drop.vue")
    multiple = traitlets.Bool(False).tag(sync=True)


@solara.component
def VegaChart(spec: dict[str, Any]):
    """A Vega-Lite specification (:mod:`.charts`), drawn in the page by the locally served
    Vega libraries."""
    return _Vega.element(spec=spec)


@solara.component
def ScenarioFile(label: str, on_file: typing.Callable[[FileInfo], None]):
    """A clickable, keyboard-reachable file input that also takes a dropped file
    (Solara's ``FileDrop``, with a file input inside the zone)."""
    file_info, set_file_info = solara.use_state(None)
    wired, set_wired = solara.use_state(cast(list[FileInfo] | None, None))
    zone = _ScenarioDrop.element(label=label, on_file_info=set_file_info, multiple=False)

    def wire() -> None:
        if not file_info:
            return
        real = cast(_ScenarioDrop, solara.get_widget(zone))
        real.version += 1
        real.reset_stats()
        set_wired(cast(list[FileInfo], real.get_files()))

    solara.use_effect(wire, [file_info])

    def handle(cancel: threading.Event) -> None:
        if wired:
            info = wired[0]
            info["data"] = None
            on_file(info)

    result: solara.Result = hooks.use_thread(handle, [wired])
    if result.error:
        raise result.error
    return zone
