"""The student version of every notebook runs top to bottom, and every checker says ❌.

The student version (``tools/make_student_version.py``) replaces each exercise solution with
``raise NotImplementedError``. A learner opening it must be able to run every cell: nothing
after an exercise may depend on the learner's answer, and each checker must answer with a
verdict ("your function still raises NotImplementedError"), not crash.
"""

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from make_student_version import make_student_notebook  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_runs_and_every_checker_fails_on_the_stub(path, tmp_path):
    student = tmp_path / path.name
    removed = make_student_notebook(path, student)
    nb = nbformat.read(student, as_version=4)
    # run where the notebook lives, so relative paths behave as in the course folder
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    checker_outputs = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", (
                f"{path.name}, student version: a cell failed: {out.get('ename')}: "
                f"{out.get('evalue')}\n{cell.source}"
            )
        if "# NBVAL_CHECK_OUTPUT" in cell.source:
            checker_outputs.append("".join(o.get("text", "") for o in cell.get("outputs", [])))
    assert len(checker_outputs) >= removed
    for text in checker_outputs:
        assert "❌" in text and "NotImplementedError" in text, (
            f"{path.name}, student version: a checker did not report the unfinished exercise: "
            f"{text!r}"
        )
    json.dumps(nb)  # the executed notebook is still valid JSON
