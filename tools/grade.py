"""Grade a class: run every student's notebooks and collect each exercise checker's verdict.

    python tools/grade.py SUBMISSIONS --out grades.csv

SUBMISSIONS holds one folder per student, named by the student, with that student's notebooks
under their course names::

    SUBMISSIONS/
        alice/03_loss.ipynb
        bob/03_loss.ipynb
        bob/04_forward_propagation.ipynb

Every notebook of the student version found in any student's folder is graded, for every
student. The student version (``--release``, by default made afresh from ``notebooks/`` by
``tools/make_student_version.py``) says where the exercises are: its solution cells and the
checker cell after each (nbgrader metadata). Before a notebook runs, its checker cells are put
back as they are in the student version, so an edited or deleted checker still gives its real
verdict. Each notebook runs in its own sandbox (``tools/grade_sandbox.py``) and the checkers
record their verdicts in a file (``DLCORE_VERDICTS_FILE``), read cell by cell.

Each exercise gets one of:

- ``passed``: its checker said ✅;
- ``failed: <hint>``: its checker said ❌, and the hint it gave;
- ``not attempted``: the student's cell still holds the student version's stub (or the notebook
  or the cell is missing);
- ``crashed: <what happened>``: the student's cell or the checker raised, or the notebook
  stopped before the checker ran (time limit, too much output, the kernel died).

The CSV has one row per student and one column per exercise (``03_loss:mse_loss``). A summary
(counts per exercise, totals per student, and each notebook that did not run to the end) is
printed and written beside it (``grades_summary.txt`` for ``grades.csv``).

A grader's caveat: the checkers run in the student's own kernel, so code written to fool them
(replacing a checker function while the notebook runs) can do so; the grader catches mistakes and
contains broken or hostile code, it does not prove that nobody cheated. Read the notebook of a
result that surprises you.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grade_sandbox import Sandbox, SandboxError, default_user  # noqa: E402
from make_student_version import make_student_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STATUSES = ("passed", "failed", "not attempted", "crashed")
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


@dataclass
class Exercise:
    notebook: str  # "03_loss"
    name: str  # "mse_loss": the solution cell's grade_id
    stub: str  # the solution cell as the student version has it
    check_id: str  # "mse_loss_check"
    check_source: str

    @property
    def column(self) -> str:
        return f"{self.notebook}:{self.name}"


def release_exercises(nb) -> list[Exercise]:
    """The exercises of a student-version notebook: each solution cell and the checker after it."""
    exercises, pending = [], None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            pending = cell
        elif meta.get("grade") and pending is not None:
            exercises.append(Exercise("", pending.metadata.nbgrader.grade_id, pending.source,
                                      meta["grade_id"], cell.source))
            pending = None
    return exercises


def _same_code(a: str, b: str) -> bool:
    """Equal but for trailing spaces and blank lines at either end."""
    def norm(s):
        return "\n".join(line.rstrip() for line in s.strip().splitlines())
    return norm(a) == norm(b)


def prepare(student_nb, release_nb, exercises: list[Exercise]):
    """The notebook to run, and where each exercise's cells are in it.

    The student's cells in the student's order; each exercise's checker cell replaced by the
    student version's (or put back after the solution cell if it was deleted). Cells are found by
    their nbgrader ``grade_id``, else by their cell id. Returns ``(nb, places)`` with
    ``places[name] = (solution index or None, checker index or None, attempted)``.
    """
    ids = {}
    for cell in release_nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id and cell.get("id"):
            ids[cell["id"]] = grade_id
    wanted = {ex.name for ex in exercises} | {ex.check_id for ex in exercises}
    checks = {ex.check_id: ex for ex in exercises}
    cells, found = [], {}
    for cell in student_nb.cells:
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id") or ids.get(cell.get("id"))
        new = nbformat.v4.new_code_cell(cell.source)
        if grade_id in wanted and grade_id not in found:
            found[grade_id] = len(cells)
            if grade_id in checks:
                new.source = checks[grade_id].check_source
        cells.append(new)
    for ex in exercises:  # a deleted checker cell comes back after its solution cell
        if ex.check_id not in found and ex.name in found:
            at = found[ex.name] + 1
            cells.insert(at, nbformat.v4.new_code_cell(ex.check_source))
            found = {k: (v + 1 if v >= at else v) for k, v in found.items()}
            found[ex.check_id] = at
    places = {}
    for ex in exercises:
        sol = found.get(ex.name)
        attempted = sol is not None and not _same_code(cells[sol].source, ex.stub)
        places[ex.name] = (sol, found.get(ex.check_id), attempted)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb, places


def _error(error) -> str:
    """``["NameError", "name 'x' is not defined"]`` as ``NameError: name 'x' is not defined``."""
    ename, evalue = (list(error) + ["", ""])[:2]
    return _short(f"{ename}: {evalue}" if evalue else str(ename))


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def stop_reason(run, time_limit: float, output_cap: int, places, exercises) -> str:
    """Why a notebook stopped before its end, in words for the CSV; '' if it ran to the end."""
    records = run.records
    if any(r.get("done") for r in records):
        return ""
    stop = next((r for r in records if "stopped" in r), None)
    where = ""
    if stop is not None:
        for ex in exercises:
            if places[ex.name][0] == stop.get("index"):
                where = f" in the cell of {ex.name}"
        if not where:
            where = f" in code cell {stop.get('index', 0) + 1}"
    kind = stop.get("stopped") if stop else None
    if kind == "time" or run.killed:
        return f"the notebook ran out of time ({time_limit:g} s){where}"
    if kind == "output":
        return f"the notebook printed more than {output_cap / 1e6:g} MB{where}"
    if kind == "kernel":
        return f"the kernel died{where} (too much memory, or a crash)"
    if run.worker_error:
        return f"the notebook could not be run: {_short(run.worker_error)}"
    return "the notebook stopped early"


def grade_exercise(ex: Exercise, place, by_index: dict, stopped: str) -> str:
    """The CSV cell of one exercise, from the records of the cells that ran."""
    sol, check, attempted = place
    if not attempted:
        return "not attempted"
    record = by_index.get(check)
    if record is None:
        return f"crashed: {stopped or 'the checker did not run'}"
    verdicts = record.get("verdicts") or []
    if verdicts:
        failed = [v for v in verdicts if not v.get("passed")]
        if not failed:
            return "passed"
        return "failed: " + _short(str(failed[0].get("message", "")).removeprefix("❌ "))
    mine = (by_index.get(sol) or {}).get("error")
    if mine:
        return f"crashed: your cell raised {_error(mine)}"
    if record.get("error"):
        return f"crashed: the checker stopped with {_error(record['error'])}"
    return "crashed: the checker gave no verdict"


def read_submission(path: Path):
    """The student's notebook, or an explanation of why it cannot be read."""
    if path.is_symlink() or not path.is_file():
        return None, "the submission is not a regular file"
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return None, f"the notebook is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB"
    try:
        return nbformat.read(path, as_version=4), ""
    except Exception as err:  # nbformat raises many kinds for a broken file
        return None, f"the file is not a readable notebook ({type(err).__name__})"


def grade_notebook(nb, release_nb, exercises, sandbox: Sandbox, notes: list, label: str,
                   log) -> dict:
    """Run one student's notebook and return ``{column: CSV cell}`` for its exercises."""
    to_run, places = prepare(nb, release_nb, exercises)
    if not any(attempted for _, _, attempted in places.values()):
        return {ex.column: "not attempted" for ex in exercises}  # nothing to run
    run = sandbox.run(nbformat.writes(to_run))
    log(f"{label}: ran for {run.seconds:.1f} s")
    by_index = {r["index"]: r for r in run.records if "index" in r and "stopped" not in r}
    stopped = stop_reason(run, sandbox.time_limit, sandbox.output_cap, places, exercises)
    if stopped:
        notes.append(f"{label.split('/', 1)[1]}: {stopped}")
    return {ex.column: grade_exercise(ex, places[ex.name], by_index, stopped)
            for ex in exercises}


def plan_class(submissions: Path, release: Path):
    """The students' folders, and (name, student-version notebook, exercises) to grade."""
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.is_symlink()
                      and not p.name.startswith("."))
    present = {f.name for s in students for f in s.glob("*.ipynb")}
    notebooks = sorted(p for p in release.glob("*.ipynb") if p.name in present)
    plan = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        exercises = release_exercises(nb)
        for ex in exercises:
            ex.notebook = path.stem
        if exercises:
            plan.append((path.name, nb, exercises))
    return students, plan


def grade_class(students: list[Path], plan, sandbox: Sandbox, log=print):
    """Grade every student; return (columns, {student: {column: cell}}, {student: [notes]})."""
    columns = [ex.column for _, _, exs in plan for ex in exs]
    grades, notes = {}, {}
    for student in students:
        row, grades[student.name], notes[student.name] = {}, {}, []
        for name, release_nb, exercises in plan:
            submitted = student / name
            if not submitted.exists() and not submitted.is_symlink():
                row.update({ex.column: "not attempted" for ex in exercises})
                continue
            nb, problem = read_submission(submitted)
            if nb is None:
                notes[student.name].append(f"{name}: {problem}")
                row.update({ex.column: f"crashed: {problem}" for ex in exercises})
                continue
            try:
                row.update(grade_notebook(nb, release_nb, exercises, sandbox,
                                          notes[student.name], f"{student.name}/{name}", log))
            except Exception as err:  # one notebook the grader cannot handle must not stop all
                problem = f"the grader failed on this notebook ({type(err).__name__}: {err})"
                notes[student.name].append(f"{name}: {problem}")
                row.update({ex.column: f"crashed: {_short(problem)}" for ex in exercises})
        grades[student.name] = row
    return columns, grades, notes


def status_of(cell: str) -> str:
    return next(s for s in STATUSES if cell.startswith(s))


def write_csv(path: Path, columns, grades) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *columns])
        for student, row in grades.items():
            writer.writerow([student, *(row[c] for c in columns)])


def summary(columns, grades, notes, isolation: str) -> str:
    width = max([len("exercise"), *map(len, columns), *map(len, grades)]) + 2
    head = "".join(f"{s:>15}" for s in STATUSES)
    lines = [f"Graded {len(grades)} student(s) on {len(columns)} exercise(s); {isolation}.", "",
             f"{'exercise':<{width}}{head}"]
    for column in columns:
        counts = Counter(status_of(row[column]) for row in grades.values())
        lines.append(f"{column:<{width}}" + "".join(f"{counts[s]:>15}" for s in STATUSES))
    lines += ["", f"{'student':<{width}}{head}"]
    for student, row in grades.items():
        counts = Counter(status_of(row[c]) for c in columns)
        lines.append(f"{student:<{width}}" + "".join(f"{counts[s]:>15}" for s in STATUSES))
    stopped = [(s, n) for s, ns in notes.items() for n in ns]
    if stopped:
        lines += ["", "Notebooks that did not run to the end:"]
        lines += [f"  {student}: {note}" for student, note in stopped]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help="one folder per student, with notebooks")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV to write")
    parser.add_argument("--release", type=Path, default=None,
                        help="the student version the class received (default: made from "
                             "notebooks/ now)")
    parser.add_argument("--time-limit", type=float, default=300,
                        help="seconds per notebook, from its kernel's start (default 300)")
    parser.add_argument("--output-cap", type=float, default=20,
                        help="megabytes of output a notebook may print (default 20)")
    parser.add_argument("--memory-mb", type=int, default=4096,
                        help="address space of a notebook's kernel, in MB (default 4096)")
    parser.add_argument("--user", default=None,
                        help="the unprivileged user that runs the notebooks (default: nobody, "
                             "when the grader runs as root)")
    parser.add_argument("--python", default=sys.executable,
                        help="the Python that runs the notebooks (default: this one)")
    args = parser.parse_args(argv)

    submissions = args.submissions.resolve()
    out = args.out.resolve()
    if not submissions.is_dir():
        print(f"error: {args.submissions} is not a folder (expected one folder per student)",
              file=sys.stderr)
        return 2
    if out.is_relative_to(submissions):
        print("error: write the grades outside the submissions folder", file=sys.stderr)
        return 2
    user = args.user or default_user()
    with tempfile.TemporaryDirectory(prefix="dlcore-release-") as made:
        release = args.release
        if release is None:
            release = Path(made)
            for src in sorted((ROOT / "notebooks").glob("*.ipynb")):
                make_student_notebook(src, release / src.name)
        try:
            sandbox = Sandbox(args.python, user, args.time_limit, int(args.output_cap * 1e6),
                              args.memory_mb)
        except KeyError:
            print(f"error: there is no user '{user}' on this system", file=sys.stderr)
            return 2
        try:
            students, plan = plan_class(submissions, release)
            if not plan:
                raise SandboxError(
                    f"no notebook with exercises of the student version "
                    f"({args.release or 'made from notebooks/'}) in "
                    f"{submissions}: expected one folder per student, such as "
                    f"{submissions / 'alice' / '03_loss.ipynb'}")
            if sandbox.user:
                submissions.chmod(0o700)  # no student's code may list or read the others'
            sandbox.check([submissions, out.parent])
            columns, grades, notes = grade_class(students, plan, sandbox)
        except SandboxError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        finally:
            sandbox.close()
    write_csv(out, columns, grades)
    text = summary(columns, grades, notes, sandbox.describe())
    out.with_name(out.stem + "_summary.txt").write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"grades: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
