"""The README's first command serves the repository's root and opens notebook 00.

Notebook 00 sends the learner to `dlcore/` (to read the library), to a terminal "in the course
folder, the folder that holds requirements.txt", and instructors to `student/`: all of that lines
up only when JupyterLab's root is the repository, not `notebooks/`. This test starts JupyterLab
with the README's own arguments (plus a port, a token and no browser), on 127.0.0.1, and asks
the server what it serves and which page it would open.
"""

import json
import os
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_repository import readme_commands

ROOT = Path(__file__).resolve().parents[1]


def first_command_arguments() -> list[str]:
    """The `jupyter lab ...` arguments of the README's first set-up command."""
    for command in readme_commands():
        if "jupyter lab" in command and "pip install -r requirements.txt" in command:
            launch = command.split("&&")[-1].strip()
            words = shlex.split(launch)
            assert words[:2] == ["jupyter", "lab"], launch
            return words[2:]
    raise AssertionError("the README has no `pip install -r requirements.txt && jupyter lab ...`")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_first_command_opens_00_at_the_repository_root(tmp_path):
    args = first_command_arguments()
    assert "notebooks/00_start_here.ipynb" in args, f"the command should open notebook 00: {args}"
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"))
    extra = ["--no-browser", f"--port={port}", "--ip=127.0.0.1", f"--IdentityProvider.token={token}",
             "--ServerApp.open_browser=False", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
             "jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        extra.append("--allow-root")                        # containers and CI run as root
    server = subprocess.Popen([sys.executable, "-m", "jupyterlab", *args, *extra], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        listing = None
        for _ in range(120):                                # at most 60 s to start
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited: {server.stdout.read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={token}",
                                            timeout=5) as response:
                    listing = json.load(response)
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer within 60 s"
        served = {item["name"] for item in listing["content"]}
        assert {"notebooks", "dlcore", "requirements.txt", "tools"} <= served, (
            f"the server's root should be the repository, it serves {sorted(served)}")
        opened = "".join(p.read_text() for p in (tmp_path / "runtime").glob("*open.html"))
        assert "lab/tree/notebooks/00_start_here.ipynb" in opened, (
            f"the browser should open notebooks/00_start_here.ipynb; the start page says {opened[:500]!r}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
