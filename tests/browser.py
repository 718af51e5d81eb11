"""Drive JupyterLab in headless Chromium, for the widget tests in ``test_browser_widgets.py``.

nbval runs every notebook, but a widget callback only runs when someone moves the widget in a
browser, and an exception raised there never reaches nbval. This module gives the browser test
three small pieces:

- ``browser_tools()``: the Chromium executable and Playwright's ``sync_playwright``, or a skip
  (a failure when ``CI=true``) that says how to install them;
- ``JupyterLabServer``: JupyterLab on 127.0.0.1, a free port and a random token, serving a
  *copy* of the notebooks with temporary config, settings, data and runtime folders, no news,
  no update check and no extension manager, so it never touches the network or the user's set-up;
- ``NotebookPage``: one open notebook: run all cells, wait for the kernel, find a widget by its
  description, move it, read what its ``Output`` shows, and list the errors shown anywhere.

Every wait is bounded, and the finalizers stop the server and the browser even after a failure.
Playwright drives Debian's Chromium (``/usr/bin/chromium``); it never downloads a browser.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

HOW_TO_ENABLE = (
    "install Debian's chromium package (apt-get install chromium) and "
    "`pip install -r requirements-dev.txt`"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# What an error looks like in a rendered output: a Python traceback (a cell or a callback that
# raised), or the message JupyterLab shows when a widget's view cannot be created.
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|Error displaying widget")
ERROR_NAME = re.compile(r"\b[A-Z]\w*(Error|Exception)\b")
# How ipywidgets 8 (and 7) draws each kind of widget: every slider (FloatSlider, FloatLogSlider,
# IntSlider, SelectionSlider, ...) is a horizontal or vertical noUiSlider (jQuery UI's slider in
# ipywidgets 7; a SelectionSlider's element lacks the `jupyter-widgets` class the others have).
WIDGET_CSS = {
    "slider": ":is(.widget-hslider, .widget-vslider)",
    "dropdown": ".jupyter-widgets.widget-dropdown",
}


# -------------------------------------------------------------------------------------------------
# Chromium and Playwright: present, or skip (fail under CI) with the way to install them
# -------------------------------------------------------------------------------------------------


def find_chromium() -> str | None:
    """The Chromium executable: Debian's ``/usr/bin/chromium``, else ``chromium`` on the PATH."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def browser_tools():
    """Return ``(chromium_path, sync_playwright)``; skip the test when either is missing.

    Under CI (environment variable ``CI=true``) both are installed by the CI script, so a missing
    one means a broken set-up: the test fails instead of silently skipping.
    """
    missing = []
    chromium = find_chromium()
    if chromium is None:
        missing.append("Chromium (no /usr/bin/chromium and no `chromium` on the PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        missing.append("the Python package `playwright`")
    if missing:
        message = (
            f"browser widget test needs {' and '.join(missing)}; to run it, {HOW_TO_ENABLE}"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    return chromium, sync_playwright


def launch_chromium(playwright, chromium: str):
    """Headless Chromium with no sandbox, GPU, QUIC or background network traffic."""
    return playwright.chromium.launch(
        executable_path=chromium, headless=True, args=CHROMIUM_ARGS, timeout=60_000
    )


# -------------------------------------------------------------------------------------------------
# A copy of the notebooks to serve
# -------------------------------------------------------------------------------------------------


def copy_notebooks(source: Path, target: Path, clear: list[str]) -> Path:
    """Copy the notebooks folder to ``target`` and clear the outputs of the notebooks in ``clear``.

    The server works on the copy, so the committed notebooks are never modified. Clearing the
    outputs and the saved widget state means that every widget found later was drawn by this
    run's kernel, not restored from the file.
    """
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name in clear:
        path = target / name
        if not path.exists():
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        nb["metadata"].pop("widgets", None)
        path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return target


# -------------------------------------------------------------------------------------------------
# JupyterLab server
# -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



@contextlib.contextmanager
def serve_folder(folder: Path):
    """A quiet web server on 127.0.0.1 for ``folder``; yields its address, stops at the end."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


@contextlib.contextmanager
def headless_chromium(tools):
    """Headless Chromium from ``browser_tools()``, closed at the end."""
    chromium_path, sync_playwright = tools
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, chromium_path)
        try:
            yield browser
        finally:
            browser.close()

def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


class JupyterLabServer:
    """JupyterLab on 127.0.0.1 serving ``root_dir``, with every Jupyter folder under ``home``.

    Use as a context manager, or call ``start()`` and ``stop()`` (``stop`` is safe to call twice).
    """

    def __init__(self, root_dir: Path, home: Path, log_path: Path, startup_timeout: float = 60):
        self.root_dir, self.home, self.log_path = Path(root_dir), Path(home), Path(log_path)
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self._log = None

    # --- set-up ------------------------------------------------------------------------------

    def _environment(self) -> dict:
        folders = {name: self.home / name for name in ("config", "data", "runtime", "settings",
                                                       "workspaces")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        settings = folders["settings"]
        # No "get notified about news?" prompt, no update check, no news fetch.
        write_json(settings / "@jupyterlab/apputils-extension/notification.jupyterlab-settings",
                   {"fetchNews": "false", "checkForUpdates": False})
        # Keep every cell in the page, so widgets below the fold can be found and screenshotted.
        write_json(settings / "@jupyterlab/notebook-extension/tracker.jupyterlab-settings",
                   {"windowingMode": "none"})
        write_json(folders["config"] / "labconfig" / "page_config.json",
                   {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(folders["config"]),
            JUPYTER_DATA_DIR=str(folders["data"]),
            JUPYTER_RUNTIME_DIR=str(folders["runtime"]),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(folders["workspaces"]),
            PYDEVD_DISABLE_FILE_VALIDATION="1",
        )
        env.pop("JUPYTER_TOKEN", None)
        return env

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyter", "lab",
            "--no-browser",
            "--ServerApp.open_browser=False",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.allow_root=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            # A safety net should the test process die without its finalizers: idle kernels
            # are culled after 5 minutes, and the idle server then shuts itself down.
            "--MappingKernelManager.cull_idle_timeout=300",
            "--MappingKernelManager.cull_interval=60",
            "--ServerApp.shutdown_no_activity_timeout=300",
        ]

    def start(self) -> JupyterLabServer:
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            self.command(), env=self._environment(), cwd=self.root_dir,
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(
                    f"JupyterLab exited with code {self.process.returncode} while starting; "
                    f"its log ({self.log_path}) ends with:\n{self.log_tail()}"
                )
            try:
                self.api("GET", "/api/status", timeout=2)
                return self
            except OSError:  # refused, or not ready yet (URLError is an OSError)
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(
            f"JupyterLab did not answer on {self.base_url}/api/status within "
            f"{self.startup_timeout:.0f} s; its log ({self.log_path}) ends with:\n{self.log_tail()}"
        )

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- use ---------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """A URL of the server that carries the token, e.g. ``url("/lab/tree/x.ipynb")``."""
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"

    def api(self, method: str, path: str, timeout: float = 10):
        """Call the REST API with the token; returns the decoded JSON (or None)."""
        request = urllib.request.Request(
            self.base_url + path, method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every running kernel (frees the CPU between notebooks)."""
        try:
            for session in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=20)
        except (OSError, ValueError):  # URLError is an OSError; bad JSON a ValueError
            pass

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    # --- tear-down ---------------------------------------------------------------------------

    def stop(self, timeout: float = 15) -> None:
        """Terminate the server (it shuts its kernels down), then kill it after ``timeout``.

        A kernel whose server was killed exits by itself: ipykernel watches its parent process.
        The server stays in the test's process group, so a signal to the whole group (Ctrl+C,
        a CI job cancelled, ``timeout``) reaches it too.
        """
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self._log is not None and not self._log.closed:
            self._log.close()


# -------------------------------------------------------------------------------------------------
# A notebook open in JupyterLab
# -------------------------------------------------------------------------------------------------


class NotebookPage:
    """One notebook open in a browser page; every method waits at most its ``timeout`` (ms)."""

    def __init__(self, page, server: JupyterLabServer, name: str):
        self.page, self.server, self.name = page, server, name
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(f"console.{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.console.append(f"page error: {e}"))

    @property
    def notebook(self):
        return self.page.locator(".jp-NotebookPanel:visible .jp-Notebook")

    def open(self, timeout: float = 60_000) -> NotebookPage:
        """Open the notebook in its own fresh workspace and wait for its kernel to be idle."""
        workspace = re.sub(r"\W", "-", self.name)
        self.page.goto(self.server.url(f"/lab/workspaces/{workspace}/tree/{self.name}?reset"),
                       timeout=timeout)
        self.notebook.locator(".jp-Cell").first.wait_for(timeout=timeout)
        self.wait_for_kernel_idle(timeout=timeout)
        self.show_log_console()
        return self

    def show_log_console(self, timeout: float = 30_000) -> None:
        """View > Show Log Console: where JupyterLab puts what a widget callback prints or raises
        outside a ``widgets.Output`` (an ``observe`` callback, say), out of the notebook's sight."""
        self.page.get_by_role("menuitem", name="View", exact=True).click(timeout=timeout)
        self.page.get_by_role("menuitem", name="Show Log Console").click(timeout=timeout)
        self.page.locator(".jp-LogConsole").first.wait_for(timeout=timeout)

    def kernel_status(self) -> str:
        """The kernel's status: 'Idle', 'Busy', 'Connecting', 'Initializing', ... or ''.

        Read from the status bar ("Python 3 (ipykernel) | Idle"); 'Busy' too while the
        notebook's own execution indicator is not idle.
        """
        text = self.page.locator("#jp-main-statusbar").inner_text()
        status = next((line.split("|")[-1].strip() for line in text.splitlines() if "|" in line), "")
        indicator = self.page.locator(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator")
        if status == "Idle" and indicator.count():
            if indicator.first.get_attribute("data-status") not in (None, "idle"):
                return "Busy"
        return status

    def wait_for_kernel_idle(self, timeout: float = 60_000, settle: float = 500) -> None:
        """Wait until the kernel has been idle for ``settle`` ms and no cell shows ``[*]``."""
        deadline = time.monotonic() + timeout / 1000
        idle_since = None
        while time.monotonic() < deadline:
            busy_prompts = self.notebook.locator(".jp-InputPrompt", has_text="[*]").count()
            if self.kernel_status() == "Idle" and busy_prompts == 0:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= settle / 1000:
                    return
            else:
                idle_since = None
            self.page.wait_for_timeout(200)
        raise AssertionError(
            f"{self.name}: the kernel was not idle after {timeout / 1000:.0f} s "
            f"(status {self.kernel_status()!r}, "
            f"{self.notebook.locator('.jp-InputPrompt', has_text='[*]').count()} cells running)"
        )

    def run_all(self, timeout: float = 60_000) -> None:
        """Run > Run All Cells, then wait until every code cell has run and the kernel is idle."""
        self.page.get_by_role("menuitem", name="Run", exact=True).click(timeout=timeout)
        self.page.get_by_role("menuitem", name="Run All Cells", exact=True).click(timeout=timeout)
        prompts = self.notebook.locator(".jp-CodeCell .jp-InputPrompt")
        deadline = time.monotonic() + timeout / 1000
        # Wait for the run to start (the first prompt leaves "[ ]"), then for it to finish.
        while time.monotonic() < deadline and prompts.count():
            if prompts.first.inner_text().strip() not in ("", "[ ]:"):
                break
            self.page.wait_for_timeout(100)
        self.wait_for_kernel_idle(timeout=max(1000, (deadline - time.monotonic()) * 1000))
        errors = self.errors()
        assert not errors, f"{self.name}: Run All Cells showed an error:\n" + report(errors)
        not_run = [i for i, t in enumerate(prompts.all_inner_texts(), start=1)
                   if not re.match(r"\[\d+\]", t.strip())]
        assert not not_run, f"{self.name}: code cells {not_run} did not run (prompts stay empty)"

    # --- widgets -----------------------------------------------------------------------------

    def _labelled(self, kind: str, description: str):
        """A selector (relative, so usable in ``has=``) for widgets of ``kind`` with that label."""
        label = self.page.locator("label.widget-label",
                                  has_text=re.compile(rf"^\s*{re.escape(description)}\s*:?\s*$"))
        return self.page.locator(WIDGET_CSS.get(kind, f".jupyter-widgets.widget-{kind}"), has=label)

    def widget(self, kind: str, description: str, timeout: float = 30_000):
        """The widget of ``kind`` ("slider", "dropdown", ...) whose label reads ``description``."""
        found = self.notebook.locator(self._labelled(kind, description))
        try:
            found.first.wait_for(state="visible", timeout=timeout)
        except Exception as error:
            labels = self.notebook.locator("label.widget-label").all_inner_texts()
            raise AssertionError(
                f"{self.name}: no {kind} widget labelled {description!r} appeared within "
                f"{timeout / 1000:.0f} s; widget labels in the page: {labels}"
            ) from error
        assert found.count() == 1, (
            f"{self.name}: {found.count()} {kind} widgets are labelled {description!r}; "
            f"expected exactly one"
        )
        return found

    def cell_of(self, kind: str, description: str):
        """The code cell whose output holds the widget of ``kind`` labelled ``description``."""
        return self.notebook.locator(".jp-CodeCell", has=self._labelled(kind, description))

    def output_of(self, kind: str, description: str):
        """The ``widgets.Output`` areas drawn in the same cell as that widget."""
        outputs = self.cell_of(kind, description).locator(".widget-output")
        assert outputs.count() >= 1, (
            f"{self.name}: the cell of the {description!r} {kind} has no widgets.Output; the "
            f"explorer should draw its plot into a fixed-height widgets.Output"
        )
        return outputs

    def fingerprint(self, outputs) -> str:
        """What the Output areas show: the image data (``src``) of every plot, and their text."""
        return outputs.evaluate_all(
            """areas => areas.map(a =>
                   [...a.querySelectorAll('img')].map(i => i.src).join('|') + '#' + a.innerText
               ).join('\\n')"""
        )

    def move_slider(self, slider, presses: int = 3) -> tuple[str, str]:
        """Focus the slider's handle and press ArrowRight (ArrowLeft at the maximum) ``presses`` times.

        Returns the value shown beside the slider (its readout) before and after. The handle is
        ipywidgets 8's noUiSlider handle, which gives its position and maximum in ``aria-*``
        attributes, or ipywidgets 7's jQuery UI handle, which gives neither: there the readout
        tells where the slider is, and a slider that ArrowRight does not move is taken back.
        """
        handle = slider.locator(".noUi-handle, .ui-slider-handle").first
        readout = slider.locator(".widget-readout")

        def position():
            aria = handle.get_attribute("aria-valuenow")
            return aria if aria is not None else readout.inner_text().strip()

        def shown():
            return readout.inner_text().strip() if readout.count() else position()

        before, shown_before = position(), shown()
        maximum = handle.get_attribute("aria-valuemax")
        at_max = maximum is not None and float(before) >= float(maximum)
        handle.focus()
        for _ in range(presses):
            handle.press("ArrowLeft" if at_max else "ArrowRight")
        if position() == before and maximum is None:  # ipywidgets 7, at its maximum
            for _ in range(presses):
                handle.press("ArrowLeft")
        assert position() != before, (
            f"{self.name}: pressing the arrow keys on the slider did not move it ({shown_before})"
        )
        return shown_before, shown()

    def choose_other_option(self, dropdown) -> tuple[str, str]:
        """Select the dropdown's first other option; returns the old and the new one (quoted)."""
        select = dropdown.locator("select")
        options = select.locator("option").all_inner_texts()
        before = select.evaluate("s => s.options[s.selectedIndex].text")
        others = [o for o in options if o != before]
        assert others, f"{self.name}: the dropdown offers no other option than {before!r}"
        select.select_option(label=others[0])
        return repr(before), repr(others[0])

    def wait_for_change(self, outputs, before: str, require: str = "", timeout: float = 20_000,
                        settle: float = 600) -> str:
        """Wait until the Output shows something new, not blank and holding ``require`` (say
        ``"data:image"``: a plot), and stays so for ``settle`` ms with the kernel idle.

        A redraw may come in parts (``clear_output(wait=True)``, the printed text, then the
        plot; with ipywidgets 7 the plot can follow the text by a second), so the first new
        thing shown is not yet the answer. Returns the fingerprint of what is finally shown.
        """
        deadline = time.monotonic() + timeout / 1000
        last, steady_since, polls = None, None, 0
        while time.monotonic() < deadline:
            now = self.fingerprint(outputs)
            ready = now != before and now.strip("#\n|") and require in now
            if ready and now == last and self.kernel_status() == "Idle":
                steady_since = steady_since or time.monotonic()
                if time.monotonic() - steady_since >= settle / 1000:
                    return now
            else:
                steady_since = None
            last = now
            polls += 1
            if polls % 5 == 0 and self.errors():  # an error instead of a new plot: stop now
                raise AssertionError(
                    f"{self.name}: the widget's output did not change after the widget moved"
                    + self._errors_suffix()
                )
            self.page.wait_for_timeout(200)
        what = f"something new with {require!r}" if require else "something new"
        raise AssertionError(
            f"{self.name}: the widget's output did not show {what} within "
            f"{timeout / 1000:.0f} s after the widget moved (it shows {(last or '')[-200:]!r})"
            + self._errors_suffix()
        )

    # --- what a notebook shows before it has run ----------------------------------------------

    def output_texts(self) -> list[str]:
        """The text of every cell output (the innermost ones: a widget's Output sits inside its
        cell's output), in page order; Markdown cells are not outputs."""
        return self.notebook.locator(".jp-OutputArea-output").evaluate_all(
            "outs => outs.filter(o => !o.querySelector('.jp-OutputArea-output'))"
            ".map(o => o.innerText)"
        )

    # --- errors ------------------------------------------------------------------------------

    def errors(self) -> list[str]:
        """Every output in the notebook, or entry in its log console, that shows an error."""
        found = []
        for text in self.output_texts():
            if TRACEBACK.search(text):
                found.append(text.strip())
        stderr = self.notebook.locator(
            '.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'
        )
        for text in stderr.all_inner_texts():
            if ERROR_NAME.search(text) and text.strip() not in found:
                found.append(text.strip())
        for text in self.page.locator(".jp-LogConsole .jp-OutputArea-output").all_inner_texts():
            if TRACEBACK.search(text) or ERROR_NAME.search(text):
                found.append("(in the log console) " + text.strip())
        return found

    def _errors_suffix(self) -> str:
        errors = self.errors()
        return ("; the notebook shows:\n" + report(errors)) if errors else ""


def report(errors: list[str], chars: int = 1500) -> str:
    """The errors for a failure message: the end of each traceback, where its message is."""
    return "\n\n".join(e if len(e) <= chars else "..." + e[-chars:] for e in errors)
