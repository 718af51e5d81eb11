"""A regular install works: dlcore installed non-editable, as a JupyterHub image has it.

The test makes a second, fresh virtual environment, installs dlcore there with
``pip install "<copy of the repository>[course,test]"`` (a real resolution and install, not
editable), copies ``notebooks/00_start_here.ipynb`` to a folder outside the repository and runs
it top to bottom with nbclient in a kernel of that environment. The set-up check must pass (no
❌, the cell does not raise), the kernel must be the new environment's Python and dlcore must come
from its site-packages.

To be quick: the environment is made without pip, and the pip running these tests installs into
it (``pip --python``: pip runs under the new environment's Python); ``--no-compile`` skips
writing the .pyc files at install time (Python writes them at first import), which halves the
install; what is installed is the same.

It needs the package index (PyPI). Outside CI, an install that fails for lack of network is
skipped with a message; in CI (``CI=true``) it is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "00_start_here.ipynb"
NETWORK_ERRORS = re.compile(
    r"NewConnectionError|Temporary failure in name resolution|Network is unreachable|"
    r"Max retries exceeded|No matching distribution found|ProxyError", re.I)

# Run by the new environment's Python: execute the notebook in a kernel of that environment.
RUN_NOTEBOOK = textwrap.dedent("""
    import sys
    import nbformat
    from nbclient import NotebookClient

    path = sys.argv[1]
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}}
                   ).execute()
    nbformat.write(nb, path)
""")

# Appended to the copy of the notebook: what the kernel really runs.
WHERE = "import json, sys, dlcore\nprint(json.dumps([sys.executable, dlcore.__file__]))"


def run(command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)


def copy_project(destination: Path) -> Path:
    """What a build needs, outside the repository, so the build writes nothing into it."""
    destination.mkdir()
    for name in ["pyproject.toml", "README.md", "LICENSE"]:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, destination / name)
    shutil.copytree(ROOT / "dlcore", destination / "dlcore",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return destination


def outputs_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o["output_type"] == "stream")


@pytest.mark.slow
def test_regular_install_passes_the_setup_check_outside_the_repository(tmp_path):
    venv = tmp_path / "venv"
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    assert run([sys.executable, "-m", "venv", "--without-pip", venv]).returncode == 0

    # The environment of every command below: no trace of the course environment.
    env = {k: v for k, v in os.environ.items()
           if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH"}}
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    # Jupyter looks here first: the kernel spec and the widget extension of the new environment.
    env["JUPYTER_PATH"] = str(venv / "share" / "jupyter")
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")

    project = copy_project(tmp_path / "project")
    start = time.perf_counter()
    install = run([sys.executable, "-m", "pip", "--python", python, "install", "--no-compile",
                   f"{project}[course,test]"], env=env, timeout=900)
    if install.returncode != 0:
        tail = (install.stdout + install.stderr)[-3000:]
        if os.environ.get("CI") != "true" and NETWORK_ERRORS.search(tail):
            pytest.skip(f"installing needs the package index, which is not reachable:\n{tail}")
        pytest.fail(f"pip install of dlcore[course,test] failed:\n{tail}")
    installed = time.perf_counter()

    # The python3 kernel of the new environment, with its own Python's absolute path.
    kernel = run([python, "-m", "ipykernel", "install", "--prefix", venv], env=env, timeout=120)
    assert kernel.returncode == 0, kernel.stderr
    spec = json.loads((venv / "share/jupyter/kernels/python3/kernel.json").read_text())
    assert Path(spec["argv"][0]) == python

    folder = tmp_path / "course"  # outside the repository: no dlcore/ folder nearby
    folder.mkdir()
    notebook = folder / NOTEBOOK.name
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(WHERE))
    nbformat.write(nb, notebook)
    (tmp_path / "run_notebook.py").write_text(RUN_NOTEBOOK)
    executed = run([python, tmp_path / "run_notebook.py", notebook], env=env, cwd=folder,
                   timeout=600)
    assert executed.returncode == 0, (
        f"00_start_here failed with a regular install:\n{executed.stderr[-4000:]}")
    print(f"regular install: pip {installed - start:.0f} s, kernel and notebook "
          f"{time.perf_counter() - installed:.0f} s")

    cells = nbformat.read(notebook, as_version=4).cells
    (setup,) = [c for c in cells if c.cell_type == "code" and "check_environment()" in c.source]
    table = outputs_text(setup)
    assert not any(o["output_type"] == "error" for o in setup.outputs)
    assert "Everything the course needs is here" in table and "❌" not in table, table
    assert "⚠️" not in table, f"a regular install outside the repository gives no note:\n{table}"
    assert "✅ dlcore" in table

    kernel_python, dlcore_file = json.loads(outputs_text(cells[-1]))
    print(f"{table}\nkernel: {kernel_python}\ndlcore: {dlcore_file}")
    assert Path(kernel_python) == python, f"the kernel ran {kernel_python}, not {python}"
    dlcore_folder = Path(dlcore_file).resolve().parent
    assert dlcore_folder.is_relative_to(venv.resolve()), dlcore_folder
    assert "site-packages" in dlcore_folder.parts and not dlcore_folder.is_relative_to(ROOT)
