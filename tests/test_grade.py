"""The grader's parts that run no kernel: the checkers' verdict file, finding the exercises in a
student's notebook, and turning what the cells did into the CSV's words.

The whole class, run for real with broken and hostile submissions, is in test_grade_class.py.
"""

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from grade import (  # noqa: E402
    grade_exercise,
    prepare,
    release_exercises,
    stop_reason,
    summary,
    write_csv,
)
from grade_sandbox import RunResult  # noqa: E402
from make_student_version import make_student_notebook  # noqa: E402

from dlcore.course.checks.common import VERDICTS_FILE_VARIABLE  # noqa: E402
from dlcore.course.checks.loss import check_mse  # noqa: E402


def test_checkers_append_their_verdicts_to_the_file_the_grader_names(tmp_path, monkeypatch):
    log = tmp_path / "verdicts.jsonl"
    monkeypatch.setenv(VERDICTS_FILE_VARIABLE, str(log))
    right = check_mse(lambda y_hat, y: ((y_hat - y) ** 2).mean())
    wrong = check_mse(lambda y_hat, y: ((y_hat - y) ** 2).sum())
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"passed": True, "message": right.message},
                     {"passed": False, "message": wrong.message}]
    assert lines[1]["message"].startswith("❌ you summed the squared errors")


def test_without_the_variable_no_file_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv(VERDICTS_FILE_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    assert check_mse(lambda y_hat, y: ((y_hat - y) ** 2).mean())
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    path = tmp_path_factory.mktemp("release") / "03_loss.ipynb"
    make_student_notebook(ROOT / "notebooks" / "03_loss.ipynb", path)
    nb = nbformat.read(path, as_version=4)
    exercises = release_exercises(nb)
    for ex in exercises:
        ex.notebook = "03_loss"
    return nb, exercises


def _cell(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells)
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_the_exercises_of_a_notebook(release):
    nb, exercises = release
    assert [(ex.column, ex.check_id) for ex in exercises] == [
        ("03_loss:mse_loss", "mse_loss_check"), ("03_loss:bce_loss", "bce_loss_check"),
        ("03_loss:cce_loss", "cce_loss_check")]
    assert all("raise NotImplementedError" in ex.stub for ex in exercises)
    assert all("check_" in ex.check_source for ex in exercises)


def test_prepare_restores_checkers_and_sees_what_was_attempted(release):
    nb, exercises = release
    student = nbformat.reads(nbformat.writes(nb), as_version=4)
    student.cells[_cell(student, "mse_loss")].source = "def mse_loss(a, b):\n    return 0\n"
    student.cells[_cell(student, "mse_loss_check")].source = "print('✅ Right')"
    # the bce stub with blank lines added: still not attempted
    stub = student.cells[_cell(student, "bce_loss")]
    stub.source = stub.source + "\n\n"
    del student.cells[_cell(student, "cce_loss_check")]
    del student.cells[_cell(student, "bce_loss_check")].metadata["nbgrader"]  # matched by id
    to_run, places = prepare(student, nb, exercises)
    sol, check, attempted = places["mse_loss"]
    assert attempted and to_run.cells[check].source == exercises[0].check_source
    assert to_run.cells[sol].source.startswith("def mse_loss(a, b)")
    assert places["bce_loss"][2] is False
    sol, check, attempted = places["cce_loss"]
    assert check == sol + 1 and to_run.cells[check].source == exercises[2].check_source
    assert places["bce_loss"][1] is not None
    assert all(c.cell_type == "code" and c.outputs == [] for c in to_run.cells)


def test_each_outcome_in_words():
    from grade import Exercise
    ex = Exercise("03_loss", "mse_loss", "stub", "mse_loss_check", "check_mse(mse_loss)")
    place = (4, 5, True)
    ok = {5: {"index": 5, "error": None, "verdicts": [{"passed": True, "message": "✅ Right"}]}}
    assert grade_exercise(ex, place, ok, "") == "passed"
    bad = {5: {"index": 5, "error": None,
               "verdicts": [{"passed": False, "message": "❌ wrong sign: add a minus"}]}}
    assert grade_exercise(ex, place, bad, "") == "failed: wrong sign: add a minus"
    assert grade_exercise(ex, (4, 5, False), bad, "") == "not attempted"
    syntax = {4: {"index": 4, "error": ["SyntaxError", "invalid syntax"], "verdicts": []},
              5: {"index": 5, "error": ["NameError", "name 'mse_loss' is not defined"],
                  "verdicts": []}}
    assert grade_exercise(ex, place, syntax, "") == \
        "crashed: your cell raised SyntaxError: invalid syntax"
    checker = {5: {"index": 5, "error": ["ValueError", "bad"], "verdicts": []}}
    assert grade_exercise(ex, place, checker, "") == "crashed: the checker stopped with ValueError: bad"
    assert grade_exercise(ex, place, {}, "the kernel died") == "crashed: the kernel died"


def test_why_a_notebook_stopped():
    from grade import Exercise
    exercises = [Exercise("03_loss", "mse_loss", "", "mse_loss_check", "")]
    places = {"mse_loss": (3, 4, True)}
    done = RunResult(records=[{"index": 0}, {"done": True}])
    assert stop_reason(done, 60, 2_000_000, places, exercises) == ""
    timed = RunResult(records=[{"stopped": "time", "index": 3}])
    assert stop_reason(timed, 60, 2_000_000, places, exercises) == \
        "the notebook ran out of time (60 s) in the cell of mse_loss"
    printed = RunResult(records=[{"stopped": "output", "index": 7}])
    assert stop_reason(printed, 60, 2_000_000, places, exercises) == \
        "the notebook printed more than 2 MB in code cell 8"
    killed = RunResult(records=[], killed=True)
    assert stop_reason(killed, 60, 2_000_000, places, exercises).startswith(
        "the notebook ran out of time")
    broken = RunResult(records=[], worker_error="ModuleNotFoundError: No module named 'nbclient'")
    assert "could not be run: ModuleNotFoundError" in stop_reason(broken, 60, 1, places, exercises)


def test_csv_and_summary(tmp_path):
    columns = ["03_loss:mse_loss", "03_loss:bce_loss"]
    grades = {"alice": {columns[0]: "passed", columns[1]: "failed: wrong sign"},
              "bob": {columns[0]: "not attempted", columns[1]: "crashed: the kernel died"}}
    write_csv(tmp_path / "g.csv", columns, grades)
    assert (tmp_path / "g.csv").read_text(encoding="utf-8").splitlines() == [
        "student,03_loss:mse_loss,03_loss:bce_loss", "alice,passed,failed: wrong sign",
        "bob,not attempted,crashed: the kernel died"]
    text = summary(columns, grades, {"bob": ["03_loss.ipynb: the kernel died"]}, "as nobody")
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()[3:] if line.strip()}
    assert rows["03_loss:mse_loss"] == ["1", "0", "1", "0"]
    assert rows["03_loss:bce_loss"] == ["0", "1", "0", "1"]
    assert rows["alice"] == ["1", "1", "0", "0"] and rows["bob"] == ["0", "0", "1", "1"]
    assert "  bob: 03_loss.ipynb: the kernel died" in text


def test_records_the_notebook_could_have_forged_cannot_break_the_grader(tmp_path):
    from grade_sandbox import Sandbox

    lines = [
        '{"index": 2, "error": null, "verdicts": [{"passed": true, "message": "ok"}]}',
        '{"index": [1], "verdicts": []}', '{"index": true}', '[1, 2]', 'not json',
        '{"index": 3, "error": {"a": 1}, "verdicts": "x"}',
        '{"index": 4, "error": ["E", "v"], "verdicts": [1, {"passed": "yes"}]}',
        '{"stopped": ["time"], "index": 5}', '{"done": true, "extra": 1}',
    ]
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert Sandbox._read_results(path) == [
        {"index": 2, "error": None, "verdicts": [{"passed": True, "message": "ok"}]},
        {"index": 3, "error": None, "verdicts": []},
        {"index": 4, "error": ["E", "v"], "verdicts": [{"passed": False, "message": ""}]},
        {"stopped": "['time']", "index": 5},
        {"done": True},
    ]
    link = tmp_path / "link.jsonl"  # a link planted by the notebook is not followed
    link.symlink_to(path)
    assert Sandbox._read_results(link) == []


def test_a_folder_without_notebooks_of_the_course_is_refused_before_anything_runs(tmp_path):
    import subprocess

    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "alice" / "notes.txt").write_text("no notebook here")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "grade.py"), str(tmp_path / "class"),
         "--out", str(tmp_path / "grades.csv")],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "no notebook with exercises of the student version" in result.stderr
    assert "alice/03_loss.ipynb" in result.stderr and not (tmp_path / "grades.csv").exists()
