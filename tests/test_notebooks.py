"""The committed notebooks are what a clean "Restart & Run All" gives, and read cleanly.

nbval (run by `pytest` on the notebooks folder) executes every notebook again in a fresh kernel;
these tests check the committed files themselves: what a reader sees on the web must match the
code, so every code cell ran once, in order, without an error.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "00_start_here", "01_data", "02_architecture", "03_loss", "04_forward_propagation",
    "05_back_propagation", "06_optimizer", "07_training_loop", "08_convolution", "09_recurrent",
]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell.get("source", []))


def test_the_course_is_numbered_in_reading_order():
    stems = [p.stem for p in NOTEBOOKS]
    assert stems, "no notebooks in notebooks/"
    assert stems == sorted(stems)
    numbers = [int(s.split("_")[0]) for s in stems]
    assert numbers == list(range(len(numbers))), f"gaps in the numbering: {stems}"
    assert set(stems) <= set(EXPECTED), f"unexpected notebook names: {set(stems) - set(EXPECTED)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_after_a_clean_restart_and_run_all(path):
    nb = load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c.get("execution_count") for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: execution counts {counts} are not 1, 2, 3, ...: "
        f"run Kernel > Restart Kernel and Run All Cells, then save"
    )
    for i, cell in enumerate(code, start=1):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: cell [{i}] shows an error"
            text = "".join(out.get("text", []))
            assert "Traceback (most recent call last)" not in text, f"{path.name}: traceback in [{i}]"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_kernel_and_no_machine_paths(path):
    nb = load(path)
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"
    text = path.read_text(encoding="utf-8")
    for leak in ["/work/", "/root/", "/home/", "scratch/"]:
        assert leak not in text, f"{path.name} mentions a path of the machine it was written on: {leak}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opens_with_a_title_and_learning_goals(path):
    first = source(load(path)["cells"][0])
    assert first.lstrip().startswith("# "), f"{path.name}: the first cell should be a '# Title'"
    if path.stem != "00_start_here":
        assert re.search(r"by the end of this notebook", first, re.I), (
            f"{path.name}: say what the learner will be able to do at the end"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_have_solutions_and_passing_checkers(path):
    if path.stem == "00_start_here":
        pytest.skip("the welcome notebook has no exercises")
    cells = load(path)["cells"]
    exercises = [i for i, c in enumerate(cells) if "### BEGIN SOLUTION" in source(c)]
    assert len(exercises) >= 2, f"{path.name}: at least two exercises expected, found {len(exercises)}"
    checker_cells = [c for c in cells if c["cell_type"] == "code" and "# NBVAL_CHECK_OUTPUT" in source(c)
                     and re.search(r"\bcheck_\w+\(", source(c))]
    assert len(checker_cells) >= len(exercises), f"{path.name}: an exercise has no checker cell"
    for cell in checker_cells:
        shown = "".join("".join(o.get("text", [])) for o in cell.get("outputs", []))
        assert "✅" in shown and "❌" not in shown, (
            f"{path.name}: the checker cell `{source(cell).strip()}` does not pass on the "
            f"reference solution: {shown!r}"
        )
    for i in exercises:
        src = source(cells[i])
        assert src.count("### BEGIN SOLUTION") == src.count("### END SOLUTION"), f"{path.name}: markers"
