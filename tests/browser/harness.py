"""Drive the lessons in a real browser: Chromium, via Playwright, against JupyterLab or Voila.

Used by the browser tests and by ``make bench``. Every wait has a time limit
and fails with a sentence that says what did not appear, so a broken lesson
fails fast and clearly instead of hanging.

The servers run on 127.0.0.1 with a random port and token, from temporary
config, runtime and settings folders, offline (no news, no update checks),
and serve a temporary copy of the notebooks: running a lesson in the browser
never writes into the repository.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, Playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BIN = Path(sys.executable).parent
# The course's Voila settings. Progressive rendering is on: without it, Voila 0.5 sometimes
# makes two page-side models for one figure, and the chart then ignores every update.
VOILA_CONFIG = ROOT / "voila.json"
CHROMIUM = os.environ.get("PRIVLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A demo cell ends with a call such as `neighbours_demo(epsilon=1.0)`.
DEMO_CALL = re.compile(r"(?:^|\n)[\w.]*_demo\([^\n]*\)\s*$")

PAGE_LOAD_S = 90
RUN_ALL_S = 240
REDRAW_S = 15


class BrowserCheckFailed(AssertionError):
    """A lesson did not do in the browser what it should."""


def wait_for(page: Page, expression: str, *, what: str, seconds: float, arg: object = None) -> None:
    """Wait until a JavaScript expression is true, or fail saying what did not appear."""
    try:
        page.wait_for_function(expression, arg=arg, timeout=seconds * 1000)
    except PlaywrightTimeout:
        raise BrowserCheckFailed(f"timed out after {seconds:g} s waiting for {what}") from None


def expected_demo_count(notebook: Path) -> int:
    """How many code cells of a notebook end by displaying a demo."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum(
        1
        for cell in cells
        if cell["cell_type"] == "code" and DEMO_CALL.search("".join(cell["source"]))
    )


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    token: str
    root: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrowserCheckFailed(f"the server exited early:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise BrowserCheckFailed(f"the server did not answer at {url} within {seconds:g} s")


def _offline_lab_settings(settings: Path) -> None:
    """No news prompt; render every cell (no windowing), so every demo is in the page."""
    values = {
        "apputils-extension/notification": {"fetchNews": "false"},
        "notebook-extension/tracker": {"windowingMode": "none"},
    }
    for name, value in values.items():
        path = settings / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")


@contextmanager
def jupyter_server(
    kind: str,
    workdir: Path,
    notebooks: list[Path] = NOTEBOOKS,
    voila_settings: dict | None = None,
) -> Iterator[Server]:
    """Start JupyterLab (``kind="lab"``) or Voila (``"voila"``) on a copy of ``notebooks``.

    Voila reads the course's ``voila.json`` unless ``voila_settings`` replaces
    it. The server is stopped when the block ends, even on failure.
    """
    root = workdir / "root"
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    for notebook in notebooks:
        shutil.copy(notebook, root / "notebooks" / notebook.name)
    if voila_settings is None:
        shutil.copy(VOILA_CONFIG, root / VOILA_CONFIG.name)  # read from the working folder
    else:
        (root / VOILA_CONFIG.name).write_text(json.dumps(voila_settings), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    dirs = {
        name: workdir / name
        for name in ("config", "runtime", "settings", "workspaces", "ipython", "data")
    }
    for folder in dirs.values():
        folder.mkdir(exist_ok=True)
    _offline_lab_settings(dirs["settings"])
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
        JUPYTER_PREFER_ENV_PATH="1",
    )
    common = ["--ServerApp.ip=127.0.0.1" if kind == "lab" else "--Voila.ip=127.0.0.1"]
    if kind == "lab":
        command = [
            str(BIN / "jupyter"),
            "lab",
            *common,
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",
        ]
        probe = f"http://127.0.0.1:{port}/api/status?token={token}"
    elif kind == "voila":
        command = [
            str(BIN / "voila"),
            *common,
            "--no-browser",
            f"--port={port}",
            f"--Voila.token={token}",
            str(root),
        ]
        probe = f"http://127.0.0.1:{port}/?token={token}"
    else:
        raise ValueError(f"kind must be 'lab' or 'voila'; got {kind!r}.")
    log = workdir / f"{kind}-server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_until_serving(probe, process, log, PAGE_LOAD_S)
        yield Server(f"http://127.0.0.1:{port}", token, root)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def chromium(playwright: Playwright, profile: Path) -> Iterator[BrowserContext]:
    """Headless Chromium with a fresh profile and no background networking."""
    if not Path(CHROMIUM).exists():
        raise BrowserCheckFailed(
            f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium), "
            "or point PRIVLAB_CHROMIUM at a Chromium binary."
        )
    context = playwright.chromium.launch_persistent_context(
        user_data_dir=str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()


# --------------------------------------------------------------------------
# JupyterLab
# --------------------------------------------------------------------------

_KERNEL_STATUS = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = widget && widget.sessionContext && widget.sessionContext.session
    && widget.sessionContext.session.kernel;
  return kernel ? kernel.status : 'none';
}"""
_ALL_EXECUTED = """() => {
  const widget = window.jupyterapp.shell.currentWidget;
  const cells = Array.from(widget.content.model.cells).filter(c => c.type === 'code');
  return cells.every(c => c.executionCount !== null);
}"""
_ERROR_OUTPUTS = """() => {
  const widget = window.jupyterapp.shell.currentWidget;
  const found = [];
  Array.from(widget.content.model.cells).forEach((cell, index) => {
    if (cell.type !== 'code') return;
    for (const output of cell.outputs.toJSON()) {
      if (output.output_type === 'error')
        found.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
    }
  });
  for (const node of document.querySelectorAll('.jp-OutputArea-output')) {
    if (node.textContent.includes('Error displaying widget')) found.push(node.textContent.trim());
  }
  return found;
}"""


def open_in_lab(page: Page, server: Server, notebook: str) -> None:
    """Open a notebook in JupyterLab and wait for its kernel."""
    page.goto(f"{server.url}/lab/tree/notebooks/{notebook}?reset&token={server.token}")
    wait_for(
        page,
        "() => window.jupyterapp && document.querySelector('.jp-Notebook')",
        what=f"JupyterLab to open {notebook}",
        seconds=PAGE_LOAD_S,
    )
    wait_for(
        page,
        f"() => ({_KERNEL_STATUS})() === 'idle'",
        what=f"the kernel of {notebook} to start",
        seconds=PAGE_LOAD_S,
    )


def run_all_in_lab(page: Page, notebook: str) -> None:
    """Run All, then wait until every code cell has run and the kernel is idle."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_for(page, _ALL_EXECUTED, what=f"every cell of {notebook} to run", seconds=RUN_ALL_S)
    wait_for(
        page,
        f"() => ({_KERNEL_STATUS})() === 'idle'",
        what=f"the kernel of {notebook} to become idle after Run All",
        seconds=RUN_ALL_S,
    )


def error_outputs_in_lab(page: Page) -> list[str]:
    """Error outputs (tracebacks) and widgets that failed to display."""
    return page.evaluate(_ERROR_OUTPUTS)


# --------------------------------------------------------------------------
# Demos (the same in JupyterLab and Voila)
# --------------------------------------------------------------------------

_GRAPH_STATE = """graph => JSON.stringify({
  data: graph.data.map(t => ({x: t.x, y: t.y, text: t.text})),
  title: graph.layout.title && graph.layout.title.text,
})"""


def demo_title(demo: Locator) -> str:
    return demo.locator("b").first.inner_text(timeout=5000)


def wait_for_demos(page: Page, count: int, where: str) -> Locator:
    """Wait until ``count`` demos show a drawn chart."""
    wait_for(
        page,
        """n => Array.from(document.querySelectorAll('.privlab-demo .js-plotly-plot'))
               .filter(graph => graph.querySelector('.main-svg') && graph.data).length >= n""",
        arg=count,
        what=f"{count} demo chart(s) to be drawn in {where}",
        seconds=RUN_ALL_S,
    )
    return page.locator(".privlab-demo")


def chart_state(demo: Locator) -> str:
    """The chart's data and title as drawn in the page (plotly's own copy)."""
    return demo.locator(".js-plotly-plot").first.evaluate(_GRAPH_STATE)


def move_control(page: Page, demo: Locator, label: str, seconds: float = REDRAW_S) -> float:
    """Change a demo's first control as a learner would; return the key-to-redraw time in ms.

    A slider gets one arrow-key press on its handle (ArrowLeft at the right
    end); a demo without a slider gets a click on its first button (an option
    not already chosen). Fails
    unless the chart redraws (``plotly_afterplot``) with new data.
    """
    demo.scroll_into_view_if_needed()
    graph = demo.locator(".js-plotly-plot").first
    before = chart_state(demo)
    graph.evaluate(
        """graph => {
          window.__privlab = {start: null, drawn: null};
          const start = () => {
            if (window.__privlab.start === null) window.__privlab.start = performance.now();
          };
          document.addEventListener('keydown', start, {capture: true, once: true});
          document.addEventListener('pointerdown', start, {capture: true, once: true});
          graph.on('plotly_afterplot', () => {
            if (window.__privlab.start !== null && window.__privlab.drawn === null)
              window.__privlab.drawn = performance.now();
          });
        }"""
    )
    handle = demo.locator(".widget-slider .noUi-handle").first
    if handle.count():
        at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.focus()
        key = "ArrowLeft" if at_end else "ArrowRight"
        page.keyboard.press(key)
        action = f"pressing {key} on its slider"
    else:
        demo.locator("button:not(.mod-active)").first.click()  # not the option already chosen
        action = "clicking its first button"
    wait_for(
        page,
        "() => window.__privlab.drawn !== null",
        what=f"{label} to redraw its chart after {action} (is the callback raising, "
        "or not updating the figure?)",
        seconds=seconds,
    )
    page.wait_for_timeout(150)  # let the caption and any second restyle land
    if chart_state(demo) == before:
        raise BrowserCheckFailed(f"{label} redrew its chart after {action}, but with the same data")
    return page.evaluate("() => window.__privlab.drawn - window.__privlab.start")


def exercise_demos(
    page: Page, count: int, where: str, seconds: float = REDRAW_S
) -> dict[str, float]:
    """Move a control of each of ``count`` demos; return {demo title: ms to redraw}.

    ``seconds`` is how long a redraw may take (shorter where it is known never to come).
    """
    demos = wait_for_demos(page, count, where)
    found = demos.count()
    if found != count:
        raise BrowserCheckFailed(f"{where} shows {found} demos; its cells display {count}")
    timings = {}
    for index in range(count):
        demo = demos.nth(index)
        label = f"demo {index + 1} ({demo_title(demo)!r}) in {where}"
        timings[label] = move_control(page, demo, label, seconds)
    return timings


def titles(page: Page) -> list[str]:
    """The title of every demo chart on the page, in order."""
    return page.eval_on_selector_all(
        ".privlab-demo .js-plotly-plot",
        "graphs => graphs.map(g => g.layout.title && g.layout.title.text)",
    )


def open_in_voila(page: Page, server: Server, notebook: str) -> None:
    page.goto(
        f"{server.url}/voila/render/notebooks/{notebook}?token={server.token}",
        timeout=RUN_ALL_S * 1000,
    )


# --------------------------------------------------------------------------
# What the kernel said: errors raised by widget messages from the page
# --------------------------------------------------------------------------


def _kernel_message(payload: str | bytes) -> dict | None:
    """One Jupyter message from a kernel websocket frame, or ``None`` for other frames.

    JupyterLab speaks the binary ``v1.kernel.websocket.jupyter.org`` protocol
    (a count of offsets, the offsets, then channel, header, parent header,
    metadata, content and buffers); Voila sends JSON text.
    """
    if isinstance(payload, str):
        try:
            message = json.loads(payload)
        except ValueError:
            return None
        return message if isinstance(message, dict) and "channel" in message else None
    data = bytes(payload)
    if len(data) < 8:
        return None
    (count,) = struct.unpack_from("<Q", data, 0)
    if count < 6 or len(data) < 8 * (count + 1):
        return None
    offsets = struct.unpack_from(f"<{count}Q", data, 8)
    parts = [data[offsets[i] : offsets[i + 1]] for i in range(count - 1)]
    try:
        return {
            "channel": parts[0].decode(),
            "header": json.loads(parts[1]),
            "parent_header": json.loads(parts[2]),
            "content": json.loads(parts[4]),
        }
    except (UnicodeDecodeError, ValueError):
        return None


class KernelLog:
    """Every message between the page and its kernels, read off the websockets.

    :meth:`problems` lists each error the kernel reported, and each line it
    wrote to stderr while handling a message from the page (``comm_msg``: a
    moved widget, or plotly's browser-to-kernel sync). The one exception is the
    widget manager's start-up probe: the page asks for a ``jupyter.widget.control``
    comm before the lesson has imported ipywidgets, the kernel refuses it, and
    says so on stderr.
    """

    def __init__(self, page: Page) -> None:
        self.received: list[dict] = []
        self.sent: list[dict] = []
        page.on("websocket", self._attach)

    def _attach(self, socket) -> None:
        socket.on("framereceived", lambda payload: self._keep(self.received, payload))
        socket.on("framesent", lambda payload: self._keep(self.sent, payload))

    @staticmethod
    def _keep(into: list[dict], payload: str | bytes) -> None:
        message = _kernel_message(payload)
        if message is not None:
            into.append(message)

    def problems(self) -> list[str]:
        probes = {
            message["content"].get("comm_id")
            for message in self.sent
            if message["header"].get("msg_type") == "comm_open"
            and message["content"].get("target_name") == "jupyter.widget.control"
        }
        found = []
        for message in self.received:
            kind = message["header"].get("msg_type")
            parent = (message.get("parent_header") or {}).get("msg_type")
            content = message["content"]
            if kind == "error":
                trace = "\n".join(content.get("traceback", []))
                trace = re.sub(r"\x1b\[[0-9;]*m", "", trace)[-1500:]
                found.append(
                    f"kernel error ({parent}): {content.get('ename')}: "
                    f"{content.get('evalue')}\n{trace}"
                )
            elif kind == "stream" and content.get("name") == "stderr" and parent == "comm_msg":
                text = content.get("text", "")
                if any(probe and probe in text for probe in probes):
                    continue
                found.append(f"kernel stderr while handling a widget message: {text[:1500]}")
        return found


# --------------------------------------------------------------------------
# What the learner sees: text drawn, nothing clipped, no answer shown
# --------------------------------------------------------------------------

_SCREEN_PROBLEMS = (Path(__file__).with_name("screen.js")).read_text(encoding="utf-8")

_VISIBLE_ANSWERS = """() => Array.from(document.querySelectorAll('.privlab-feedback'))
  .filter(node => node.checkVisibility() && !/not attempted yet/i.test(node.textContent))
  .map(node => node.textContent.trim().slice(0, 120))"""


def screen_problems(page: Page, where: str = "body") -> list[str]:
    """What is wrong with the text on the screen (see ``_SCREEN_PROBLEMS``), as sentences."""
    return page.locator(where).first.evaluate(_SCREEN_PROBLEMS)


def visible_answers(page: Page) -> list[str]:
    """Exercise feedback on the screen other than "not attempted yet" (a solution's, say)."""
    return page.evaluate(_VISIBLE_ANSWERS)


# --------------------------------------------------------------------------
# Every control of every demo
# --------------------------------------------------------------------------

_DEMO_STATE = """demo => JSON.stringify({
  charts: Array.from(demo.querySelectorAll('.js-plotly-plot')).map(g => g.data && g.data.map(
    t => [t.x, t.y, t.z, t.text, t.cells && t.cells.values, t.header && t.header.values])),
  titles: Array.from(demo.querySelectorAll('.js-plotly-plot')).map(
    g => g.layout && g.layout.title && g.layout.title.text),
  caption: (demo.querySelector('[role=status]') || {}).textContent,
})"""


def _controls(demo: Locator) -> list[tuple[str, Locator]]:
    """(description, element) for each control a learner can move in a demo."""
    found = []
    sliders = demo.locator(".widget-slider .noUi-handle")
    for index in range(sliders.count()):
        label = demo.locator(".widget-slider").nth(index).locator(".widget-label").first
        found.append((f"slider {label.inner_text().strip()!r}", sliders.nth(index)))
    groups = demo.locator(".widget-toggle-buttons")
    for index in range(groups.count()):
        buttons = groups.nth(index).locator("button")
        for option in range(buttons.count()):
            found.append(
                (f"option {buttons.nth(option).inner_text().strip()!r}", buttons.nth(option))
            )
    buttons = demo.locator("button.jupyter-button:not(.widget-toggle-button)")
    for index in range(buttons.count()):
        if (
            not buttons.nth(index)
            .locator("xpath=ancestor::*[contains(@class,'widget-toggle-buttons')]")
            .count()
        ):
            found.append(
                (f"button {buttons.nth(index).inner_text().strip()!r}", buttons.nth(index))
            )
    selects = demo.locator(".widget-dropdown select")
    for index in range(selects.count()):
        found.append(("a drop-down list", selects.nth(index)))
    boxes = demo.locator(".widget-checkbox input")
    for index in range(boxes.count()):
        found.append(("a check box", boxes.nth(index)))
    return found


def _move(page: Page, control: Locator) -> str:
    tag = control.evaluate("node => node.tagName.toLowerCase()")
    if tag == "select":
        options = control.locator("option")
        current = control.input_value()
        values = [options.nth(i).get_attribute("value") for i in range(options.count())]
        control.select_option(next(v for v in values if v != current))
        return "choosing another entry"
    if control.get_attribute("class") and "noUi-handle" in control.get_attribute("class"):
        at_end = control.get_attribute("aria-valuenow") == control.get_attribute("aria-valuemax")
        control.focus()
        key = "ArrowLeft" if at_end else "ArrowRight"
        page.keyboard.press(key)
        return f"pressing {key}"
    if "mod-active" in (control.get_attribute("class") or ""):
        return ""  # the option already chosen: choosing it again changes nothing
    control.click()
    return "clicking it"


def move_every_control(
    page: Page, demo: Locator, label: str, log: KernelLog | None = None
) -> dict[str, float]:
    """Move each control of a demo once, as a learner would; return {control: ms to redraw}.

    After each move the chart or the caption must change, the kernel must have
    reported no error (``log``), and the screen must pass :func:`screen_problems`.
    """
    timings = {}
    for name, control in _controls(demo):
        control.scroll_into_view_if_needed()
        before = demo.evaluate(_DEMO_STATE)
        started = time.monotonic()
        action = _move(page, control)
        if not action:
            continue
        try:
            page.wait_for_function(
                "([demo, before]) => (" + _DEMO_STATE + ")(demo) !== before",
                arg=[demo.element_handle(), before],
                timeout=REDRAW_S * 1000,
            )
        except PlaywrightTimeout:
            raise BrowserCheckFailed(
                f"{label}: {action} on its {name} changed neither the chart nor the caption "
                f"within {REDRAW_S} s (is the callback raising?)"
            ) from None
        timings[name] = (time.monotonic() - started) * 1000
        page.wait_for_timeout(200)  # let a second restyle and plotly's sync reply land
        problems = (log.problems() if log else []) + demo.evaluate(_SCREEN_PROBLEMS)
        if problems:
            raise BrowserCheckFailed(
                f"{label}, after {action} on its {name}:\n" + "\n".join(problems)
            )
    return timings


def exercise_every_control(
    page: Page, count: int, where: str, log: KernelLog | None = None
) -> dict[str, float]:
    """Move every control of each of ``count`` demos; return {demo and control: ms}."""
    demos = wait_for_demos(page, count, where)
    found = demos.count()
    if found != count:
        raise BrowserCheckFailed(f"{where} shows {found} demos; its cells display {count}")
    timings = {}
    for index in range(count):
        demo = demos.nth(index)
        label = f"demo {index + 1} ({demo_title(demo)!r}) in {where}"
        for name, ms in move_every_control(page, demo, label, log).items():
            timings[f"{label}, {name}"] = ms
    return timings
