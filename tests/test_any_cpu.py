"""The notebooks' numerical claims hold on any CPU and with any number of BLAS threads.

A notebook claims something with ``assert`` ("the two gradients agree", "the loss went down").
Such a claim must not depend on the machine: OpenBLAS picks other matrix-product kernels on an
AMD and on an Intel processor, splits a product differently over another number of threads,
and NumPy's exp, log and tanh differ by a few units in the last place between CPUs. The float32
results then differ in their last bits, so a comparison with ``np.allclose``'s default
``rtol=1e-5``, or with ``==``, passes on one machine and fails on another (see
``dlcore/tolerance.py``). Two checks here:

- a static one, over every code cell of every notebook: each ``assert`` says what went wrong
  (a learner who breaks it reads a sentence, not a bare ``AssertionError``), and each
  ``np.allclose`` / ``np.isclose`` / ``np.testing.assert_allclose`` gives its tolerance (``rtol``
  or ``atol``, best from ``dlcore.tolerance``) instead of relying on the default;
- a slow one that runs every notebook again in a fresh kernel with one BLAS thread
  (``OPENBLAS_NUM_THREADS=1``, and ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` for other BLAS
  builds). The committed notebooks were run, and nbval runs them, with the default: as many
  threads as the machine has cores. With one thread the products add in another order, the
  one a single-core machine uses; every claim must still hold. The kernel otherwise inherits
  pytest's environment.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import ipykernel.kernelspec
import nbformat
import pytest
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets import default

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9]*.ipynb"))
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
COMPARISONS = {"allclose", "isclose", "assert_allclose"}  # the ones with a default tolerance
NUMPY_PREFIXES = {"", "np", "numpy", "np.testing", "numpy.testing"}
ANSI_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks


def test_the_notebooks_are_found():
    assert len(NOTEBOOKS) >= 10, f"expected the course's notebooks in {NOTEBOOK_DIR}"


# --- static: messages and tolerances -------------------------------------------------------------


def code_cells(path: Path):
    """(number, tree) for each code cell, numbered [1], [2], ... as a clean Run All shows them.

    Lines starting with % or ! (IPython magics and shell commands) become ``pass`` at the same
    indentation before parsing (a magic may be the body of an ``if``, as in the Colab install
    cell), so line numbers stay those of the cell. A cell that is not valid Python fails the test.
    """
    nb = nbformat.read(path, as_version=4)
    cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(cells, start=1):
        lines = [line[: len(line) - len(line.lstrip())] + "pass"
                 if line.lstrip().startswith(("%", "!")) else line
                 for line in cell.source.splitlines()]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError as err:
            pytest.fail(f"{path.name}, code cell [{number}], line {err.lineno}: not valid "
                        f"Python: {err.msg}")
        yield number, tree


def dotted_name(node: ast.AST) -> str | None:
    """``np.testing.assert_allclose`` for that expression, None if it is not a plain name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def default_tolerance_calls(tree: ast.AST):
    """Calls of np.allclose, np.isclose or np.testing.assert_allclose with neither rtol nor atol."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted_name(node.func)
        if name is None:
            continue
        prefix, _, function = name.rpartition(".")
        if function not in COMPARISONS or prefix not in NUMPY_PREFIXES:
            continue
        keywords = {k.arg for k in node.keywords}
        if len(node.args) >= 3 or keywords & {"rtol", "atol", None}:  # rtol is the 3rd argument
            continue
        yield node, name


def source_line(path: Path, number: int, lineno: int) -> str:
    nb = nbformat.read(path, as_version=4)
    cell = [c for c in nb.cells if c.cell_type == "code"][number - 1]
    return cell.source.splitlines()[lineno - 1].strip()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_assert_in_the_notebooks_says_what_went_wrong(path):
    missing = [
        f"{path.name}, code cell [{number}], line {lineno}: `{source_line(path, number, lineno)}`"
        for number, tree in code_cells(path)
        for lineno in sorted(node.lineno for node in ast.walk(tree)
                             if isinstance(node, ast.Assert) and node.msg is None)
    ]
    assert not missing, (
        "assert without a message (write `assert claim, \"what went wrong and what to check\"`):"
        "\n  " + "\n  ".join(missing))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_closeness_check_in_the_notebooks_gives_its_tolerance(path):
    missing = [
        f"{path.name}, code cell [{number}], line {lineno}: {name} without rtol or atol: "
        f"`{source_line(path, number, lineno)}`"
        for number, tree in code_cells(path)
        for lineno, name in sorted((node.lineno, name)
                                   for node, name in default_tolerance_calls(tree))
    ]
    assert not missing, (
        "the default tolerance of np.allclose (rtol=1e-5) is too tight for float32 sums on some "
        "CPUs; give rtol/atol from dlcore.tolerance.tolerance(dtype, n_terms), or use "
        "dlcore.tolerance.assert_close:\n  " + "\n  ".join(missing))


def problems(source: str) -> list[str]:
    """What the two static checks above report for one cell's source (for their own tests)."""
    tree = ast.parse(source)
    found = [f"assert on line {n.lineno}" for n in ast.walk(tree)
             if isinstance(n, ast.Assert) and n.msg is None]
    found += [f"{name} on line {n.lineno}" for n, name in default_tolerance_calls(tree)]
    return found


def test_the_static_checks_find_what_they_should_and_nothing_else():
    assert problems("assert x > 0") == ["assert on line 1"]
    assert problems("assert x > 0, 'x must be positive'") == []
    assert problems("y = 1\nassert np.allclose(a, b), 'a and b differ'") == ["np.allclose on line 2"]
    assert problems("ok = numpy.isclose(a, b)") == ["numpy.isclose on line 1"]
    assert problems("np.testing.assert_allclose(a, b)") == ["np.testing.assert_allclose on line 1"]
    assert problems("from numpy import allclose\nallclose(a, b)") == ["allclose on line 2"]
    for fine in ["np.allclose(a, b, rtol=1e-4)", "np.isclose(a, b, atol=tol)",
                 "np.testing.assert_allclose(a, b, 1e-6)", "np.allclose(a, b, **tolerances)",
                 "assert_close(a, b, n_terms=64, what='Z')", "close(a, b, n_terms=9)",
                 "torch.allclose(a, b)", "math.isclose(a, b)"]:
        assert problems(fine) == [], fine


# --- dynamic: every notebook with one BLAS thread ------------------------------------------------


class ThisPythonKernelSpecs(KernelSpecManager):
    """"python3" is ipykernel in the interpreter running pytest (as nbval's current-env kernel),
    not whatever a kernel spec of that name elsewhere on the machine points to."""

    def get_kernel_spec(self, kernel_name):
        if kernel_name == "python3":
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                          **ipykernel.kernelspec.get_kernel_dict())
        return super().get_kernel_spec(kernel_name)


class ThisPythonKernelManager(AsyncKernelManager):
    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self):
        return ThisPythonKernelSpecs()


CHECK_THREADS = """\
# added by tests/test_any_cpu.py: the kernel really ran with one BLAS thread
import threadpoolctl
blas = [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
assert blas and set(blas) == {1}, f"BLAS thread counts in the kernel: {blas}"
"""


def test_the_thread_variables_reach_blas():
    """In a fresh interpreter with ONE_THREAD set, NumPy's BLAS starts with one thread."""
    code = ("import numpy, threadpoolctl; print(sorted({p['num_threads'] for p in "
            "threadpoolctl.threadpool_info() if p['user_api'] == 'blas'}))")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **ONE_THREAD},
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[1]", out.stdout + out.stderr


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_runs_with_one_blas_thread(path):
    nb = nbformat.read(path, as_version=4)
    code_numbers = {}  # index in nb.cells -> [n] as a clean Run All numbers the code cells
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            code_numbers[index] = len(code_numbers) + 1
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_THREADS))
    current = {"index": None}

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index

    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", kernel_manager_class=ThisPythonKernelManager,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}}, on_cell_start=on_cell_start,
    )
    try:
        client.execute(env={**os.environ, **ONE_THREAD})
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        index = current["index"]
        where = (f"code cell [{code_numbers[index]}]" if index in code_numbers
                 else "the thread check added after the last cell")
        report = ANSI_COLOURS.sub("", str(err))
        pytest.fail(f"{path.name}, {where}, with OPENBLAS_NUM_THREADS=1: "
                    f"{type(err).__name__}\n{report[-3000:]}", pytrace=False)
