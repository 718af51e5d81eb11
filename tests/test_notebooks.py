"""The committed notebooks are what a clean "Restart & Run All" gives, and read cleanly.

nbval (run by `pytest` on the notebooks folder) executes every notebook again in a fresh kernel;
these tests check the committed files themselves: what a reader sees on the web must match the
code, so every code cell ran once, in order, without an error.

"Committed" is meant literally: in a git checkout the tests read each notebook as git's HEAD has
it, so a learner who runs and saves a notebook (execution counts 1, 2, 5, ...) does not make
`pytest` fail. Maintainers and CI check exactly what is published. Outside a git checkout (a
downloaded archive) they read the files themselves, but only where CI=true; elsewhere they skip
and say why. To check your edited notebooks before committing them, run them with
`python tools/run_notebooks.py` and then `pytest tests/test_notebooks.py --working-notebooks`.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "00_start_here", "01_data", "02_architecture", "03_loss", "04_forward_propagation",
    "05_back_propagation", "06_optimizer", "07_training_loop", "08_deep_network_step_by_step",
    "09_convolution", "10_recurrent", "11_playground",
]


def committed_text(path: Path, working: bool = False, root: Path = ROOT) -> str:
    """The notebook's text as committed (git HEAD), or the file itself (see the docstring)."""
    if not working:
        relative = path.relative_to(root).as_posix()
        shown = subprocess.run(["git", "-C", str(root), "show", f"HEAD:{relative}"],
                               capture_output=True, check=False)
        if shown.returncode == 0:
            return shown.stdout.decode("utf-8")
        if os.environ.get("CI", "").lower() != "true":
            pytest.skip(f"{path.name} is not in a git checkout's HEAD (a downloaded copy, or a new "
                        "notebook not yet committed): a learner's saved runs are not checked")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def working(request):
    """--working-notebooks: check the files as they are now (a maintainer before committing)."""
    return request.config.getoption("--working-notebooks")


def load(path, working=False):
    return json.loads(committed_text(path, working))


def source(cell):
    return "".join(cell.get("source", []))


def test_the_course_is_numbered_in_reading_order():
    stems = [p.stem for p in NOTEBOOKS]
    assert stems, "no notebooks in notebooks/"
    assert stems == sorted(stems)
    numbers = [int(s.split("_")[0]) for s in stems]
    assert numbers == list(range(len(numbers))), f"gaps in the numbering: {stems}"
    assert set(stems) <= set(EXPECTED), f"unexpected notebook names: {set(stems) - set(EXPECTED)}"


def check_clean_run(nb, name):
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c.get("execution_count") for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{name}: execution counts {counts} are not 1, 2, 3, ...: "
        f"run `python tools/run_notebooks.py notebooks/{name}` (a fresh kernel, every cell once)"
    )
    for i, cell in enumerate(code, start=1):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{name}: cell [{i}] shows an error"
            text = "".join(out.get("text", []))
            assert "Traceback (most recent call last)" not in text, f"{name}: traceback in [{i}]"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_after_a_clean_restart_and_run_all(path, working):
    check_clean_run(load(path, working), path.name)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_kernel_and_no_machine_paths(path, working):
    text = committed_text(path, working)
    nb = json.loads(text)
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"
    for leak in ["/work/", "/root/", "/home/", "scratch/"]:
        assert leak not in text, f"{path.name} mentions a path of the machine it was written on: {leak}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opens_with_a_title_and_learning_goals(path, working):
    first = source(load(path, working)["cells"][0])
    assert first.lstrip().startswith("# "), f"{path.name}: the first cell should be a '# Title'"
    if path.stem != "00_start_here":
        assert re.search(r"by the end of this notebook", first, re.I), (
            f"{path.name}: say what the learner will be able to do at the end"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_have_solutions_and_passing_checkers(path, working):
    if path.stem == "00_start_here":
        pytest.skip("the welcome notebook has no exercises")
    cells = load(path, working)["cells"]
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


def test_a_learners_saved_run_does_not_fail_the_checks(tmp_path):
    """Run and save a notebook out of order, as a learner does: the committed version is read."""
    git = ["git", "-C", str(tmp_path), "-c", "user.name=course", "-c", "user.email=course@example.org"]
    (tmp_path / "notebooks").mkdir()
    copy = tmp_path / "notebooks" / NOTEBOOKS[0].name
    copy.write_bytes(NOTEBOOKS[0].read_bytes())
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "the course"]):
        subprocess.run(git + command, check=True, capture_output=True)
    nb = json.loads(copy.read_text(encoding="utf-8"))
    for count, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = 40 + 3 * count            # run again, out of order, and saved
    copy.write_text(json.dumps(nb), encoding="utf-8")

    check_clean_run(json.loads(committed_text(copy, root=tmp_path)), copy.name)   # passes
    with pytest.raises(AssertionError, match="are not 1, 2, 3"):                # the file itself
        check_clean_run(json.loads(committed_text(copy, working=True, root=tmp_path)), copy.name)
