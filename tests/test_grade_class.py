"""Grading a whole class: correct, wrong, empty, broken and hostile submissions of notebook 03.

The class is made here from the student version of ``03_loss``, cut to its set-up cell (the
imports) and its three exercises so that a notebook runs in a few seconds: each student's
notebook is that notebook with some solution cells filled in. The grader runs as a separate process (it kills every
process it started, so it must not run inside pytest's own process). Every cell of the CSV is
checked, and so is that the instructor's files and the other submissions are untouched and no
process outlives the grading.

Run as root, the notebooks run as ``nobody``. This machine's Python may live where ``nobody``
cannot read it (pyenv under /root); the test then gives ``nobody`` a view of the same interpreter
made of hard links in a world-readable folder, as an instructor would install Python where every
user can read it (the grader's own message says so).
"""

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from make_student_version import make_student_notebook  # noqa: E402

from dlcore.course.checks.loss import check_binary_cross_entropy, check_mse  # noqa: E402

IS_ROOT = os.geteuid() == 0
TIME_LIMIT = 15  # seconds per notebook from its kernel's start; the cut 03 needs about 2
MARKER = "dlcore-grade-test-orphan"

CORRECT = {
    "mse_loss": "def mse_loss(y_hat, y):\n    return np.mean((y_hat - y) ** 2)\n",
    "bce_loss": "def bce_loss(p, y):\n    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n",
    "cce_loss": "def cce_loss(P, Y):\n    return -np.mean(np.sum(Y * np.log(P), axis=1))\n",
}
WRONG_SIGN_BCE = "def bce_loss(p, y):\n    return np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"
SUM_NOT_MEAN_MSE = "def mse_loss(y_hat, y):\n    return np.sum((y_hat - y) ** 2)\n"


def _hostile(paths):
    """Sources of hostile cells; each defines a right answer only if the attack failed."""
    targets = json.dumps([str(p) for p in paths["targets"]])
    deletes = (
        "import os, shutil\n"
        f"damage = []\nfor t in {targets}:\n"
        "    try:\n"
        "        shutil.rmtree(t) if os.path.isdir(t) else os.remove(t)\n"
        "        damage.append(t)\n"
        "    except OSError:\n        pass\n"
        "def bce_loss(p, y):\n"
        "    if damage:\n        raise RuntimeError(f'deleted {damage}')\n"
        "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"
    )
    reads = (
        "import glob, os\n"
        f"leaked = []\nfor t in {targets} + glob.glob('/tmp/dlcore-grade-*'):\n"
        "    try:\n"
        "        os.listdir(t) if os.path.isdir(t) else open(t, 'rb').read()\n"
        "        leaked.append(t)\n"
        "    except OSError:\n        pass\n"
        "def mse_loss(y_hat, y):\n"
        "    if leaked:\n        raise RuntimeError(f'read {leaked}')\n"
        "    return np.mean((y_hat - y) ** 2)\n"
    )
    forks = (
        "import os, subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', "
        f"'{MARKER}'], start_new_session=True, stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL)\n"
        "subprocess.Popen(['sh', '-c', "
        f"'nohup \"$0\" -c \"import time; time.sleep(600)\" {MARKER} >/dev/null 2>&1 &', "
        "sys.executable], start_new_session=True)\n"
        "import psutil\n"  # both are running before the cell ends, or the answer is wrong
        "for _ in range(50):\n"
        "    mine = [p for p in psutil.process_iter(['cmdline']) "
        f"if (p.info['cmdline'] or [''])[-1] == '{MARKER}']\n"
        "    if len(mine) == 2:\n        break\n"
        "    time.sleep(0.1)\n"
        "def bce_loss(p, y):\n"
        "    if len(mine) != 2:\n        raise RuntimeError('the processes did not start')\n"
        "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"
    )
    return {
        "infinite loop": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                         "while True:\n    pass\n",
        "prints": "while True:\n    print('x' * 1_000_000)\n",
        # 10 GB at once: within the memory limit this fails at once; without one, the pages
        # would be reserved and left untouched, and no error would come
        "memory": "hog = bytearray(10 * 2**30)\n" + CORRECT["cce_loss"],
        "deletes": deletes, "reads": reads, "forks": forks,
    }


def _python_for(user_can_run: bool, tmp: Path):
    """(python, extra environment) that the sandbox user can run."""
    if not IS_ROOT or user_can_run:
        return sys.executable, {}
    base, version = Path(sys.base_prefix), f"python{sys.version_info[0]}.{sys.version_info[1]}"
    view = tmp / "python"
    view.mkdir()
    view.chmod(0o755)

    def link(src, dst):  # hard links: instant, and the files keep their world-readable modes
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    skip = shutil.ignore_patterns("site-packages", "test")
    shutil.copytree(base / "bin", view / "bin", symlinks=True, copy_function=link)
    shutil.copytree(base / "lib", view / "lib", symlinks=True, copy_function=link, ignore=skip)
    venv = view / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "lib" / version).mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(view / "bin" / version)
    (venv / "lib" / version / "site-packages").symlink_to(
        Path(sys.prefix) / "lib" / version / "site-packages")
    (venv / "pyvenv.cfg").write_text(f"home = {view / 'bin'}\ninclude-system-site-packages = "
                                     f"false\nversion = {sys.version.split()[0]}\n")
    return str(venv / "bin" / "python"), {"LD_LIBRARY_PATH": str(view / "lib")}


@pytest.fixture(scope="module")
def sandbox_python():
    """(python, environment) for the grader's --python, in a world-readable folder."""
    top = Path(tempfile.mkdtemp(prefix="dlcore-python-view-"))
    top.chmod(0o755)
    try:
        yield _python_for(_nobody_can_run_this_python(), top)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _nobody_can_run_this_python() -> bool:
    try:
        result = subprocess.run([sys.executable, "-c", "import nbclient"], user="nobody",
                                cwd="/", capture_output=True, timeout=60)
    except (OSError, KeyError):
        return False
    return result.returncode == 0


def _tree_digest(top: Path) -> dict:
    """Every file of the instructor and of the students (but the grades), by its content."""
    return {str(p.relative_to(top)): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in (top / "instructor", top / "submissions")
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith("grades")}


@pytest.fixture(scope="module")
def graded(sandbox_python):
    # world-readable on purpose (mode 755, as a careless class folder would be): the grader must
    # make the submissions private itself; the instructor's own folder is private (700)
    top = Path(tempfile.mkdtemp(prefix="dlcore-class-test-"))
    top.chmod(0o755)
    try:
        yield _grade_the_class(top, *sandbox_python)
    finally:
        for proc in psutil.process_iter(["cmdline"]):  # only if the test failed
            if MARKER in " ".join(proc.info["cmdline"] or []):
                proc.kill()
        shutil.rmtree(top, ignore_errors=True)


def _grade_the_class(top: Path, python: str, extra_env: dict):
    instructor, submissions = top / "instructor", top / "submissions"
    (instructor / "release").mkdir(parents=True)
    instructor.chmod(0o700)
    submissions.mkdir()
    submissions.chmod(0o755)
    release_path = instructor / "release" / "03_loss.ipynb"
    make_student_notebook(ROOT / "notebooks" / "03_loss.ipynb", release_path)
    release = nbformat.read(release_path, as_version=4)
    release.cells = [c for c in release.cells if c.cell_type == "code" and (
        "nbgrader" in c.metadata or "from dlcore.course.checks" in c.source)]
    assert len(release.cells) == 7  # the imports, then three solutions and their checkers
    nbformat.write(release, release_path)
    (instructor / "secret.txt").write_text("the marks of last term\n")

    def student(name, sources=None, checkers=None):
        nb = nbformat.read(release_path, as_version=4)
        for cell in list(nb.cells):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in (sources or {}):
                cell.source = sources[grade_id]
            if grade_id in (checkers or {}):
                if checkers[grade_id] is None:
                    nb.cells.remove(cell)
                else:
                    cell.source = checkers[grade_id]
        (submissions / name).mkdir()
        nbformat.write(nb, submissions / name / "03_loss.ipynb")

    alice = submissions / "alice" / "03_loss.ipynb"
    hostile = _hostile({"targets": [alice, instructor / "secret.txt", instructor, submissions]})
    # several hostile kinds share a notebook, each in its own exercise, to keep the test short
    student("alice", CORRECT)
    student("bob", {"mse_loss": CORRECT["mse_loss"], "bce_loss": WRONG_SIGN_BCE})
    student("carol")
    student("dave", {"mse_loss": "def mse_loss(y_hat, y)\n    return 0\n",
                     "bce_loss": hostile["forks"], "cce_loss": hostile["memory"]})
    student("eve", {**CORRECT, "bce_loss": hostile["infinite loop"]})
    student("grace", {**CORRECT, "bce_loss": hostile["prints"]})
    student("oscar", {"mse_loss": SUM_NOT_MEAN_MSE, "bce_loss": CORRECT["bce_loss"]},
            checkers={"mse_loss_check": "print('✅ Right')", "bce_loss_check": None})
    (submissions / "mallory").mkdir()
    (submissions / "mallory" / "03_loss.ipynb").write_text("this is not a notebook")
    if IS_ROOT:  # as anyone else there is no second user to keep them out
        student("frank", {"mse_loss": hostile["reads"], "bce_loss": hostile["deletes"],
                          "cce_loss": CORRECT["cce_loss"]})
    before = _tree_digest(top)

    out = instructor / "grades.csv"
    env = {**os.environ, **extra_env, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "grade.py"), str(submissions), "--out", str(out),
         "--release", str(release_path.parent), "--time-limit", str(TIME_LIMIT),
         "--output-cap", "2", "--memory-mb", "2048", "--python", python],
        env=env, capture_output=True, text=True, timeout=600)
    print(result.stdout)  # shown when a test fails: how long each notebook ran
    assert result.returncode == 0, result.stdout + result.stderr
    after = _tree_digest(top)
    with open(out, newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    orphans = [p.info["cmdline"] for p in psutil.process_iter(["cmdline"])
               if MARKER in " ".join(p.info["cmdline"] or [])]
    summary = out.with_name("grades_summary.txt").read_text(encoding="utf-8")
    return {"rows": rows, "before": before, "after": after, "orphans": orphans,
            "summary": summary, "stdout": result.stdout, "release": release}


def _hint(check, source):
    namespace = {}
    exec("import numpy as np\n" + source, namespace)  # the same wrong answer, checked here
    fn = next(v for k, v in namespace.items() if k.endswith("_loss"))
    return "failed: " + check(fn).message.removeprefix("❌ ")


@pytest.mark.slow
def test_every_cell_of_the_csv(graded):
    rows = graded["rows"]
    ran_out = f"crashed: the notebook ran out of time ({TIME_LIMIT} s) in the cell of bce_loss"
    capped = "crashed: the notebook printed more than 2 MB in the cell of bce_loss"
    unreadable = "crashed: the file is not a readable notebook (NotJSONError)"
    expected = {
        "alice": ["passed", "passed", "passed"],
        "bob": ["passed", _hint(check_binary_cross_entropy, WRONG_SIGN_BCE), "not attempted"],
        "carol": ["not attempted"] * 3,
        # a SyntaxError (checked below); a process left running; 10 GB asked for
        "dave": [None, "passed", "crashed: your cell raised MemoryError"],
        "eve": ["passed", ran_out, ran_out],
        "grace": ["passed", capped, capped],
        "oscar": [_hint(check_mse, SUM_NOT_MEAN_MSE), "passed", "not attempted"],
        "mallory": [unreadable] * 3,
    }
    if IS_ROOT:  # it read nothing, and deleted nothing
        expected["frank"] = ["passed", "passed", "passed"]
    assert set(rows) == set(expected)
    columns = ["03_loss:mse_loss", "03_loss:bce_loss", "03_loss:cce_loss"]
    for name, cells in expected.items():
        for column, want in zip(columns, cells, strict=True):
            got = rows[name][column]
            if want is None:
                assert got.startswith("crashed: your cell raised SyntaxError"), (name, got)
            else:
                assert got == want, (name, column, got, want)


@pytest.mark.slow
def test_nothing_outside_the_sandbox_was_touched_and_no_process_survived(graded):
    assert graded["after"] == graded["before"]
    assert "instructor/secret.txt" in graded["after"] and "submissions/alice/03_loss.ipynb" in \
        graded["after"]
    assert graded["orphans"] == []


@pytest.mark.slow
def test_summary_counts_and_notes(graded):
    text = graded["summary"]
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    assert lines["alice"] == ["3", "0", "0", "0"]
    assert lines["bob"] == ["1", "1", "1", "0"]
    assert lines["mallory"] == ["0", "0", "0", "3"]
    n = len(graded["rows"])
    mse = [int(x) for x in lines["03_loss:mse_loss"]]
    assert sum(mse) == n and mse[1] == 1 and mse[3] == 2  # oscar's failed; dave's, mallory's crashed
    assert "eve: 03_loss.ipynb: the notebook ran out of time" in text
    assert "grace: 03_loss.ipynb: the notebook printed more than 2 MB" in text
    if IS_ROOT:
        assert "ran as user 'nobody'" in text
    else:
        assert "isolation by temporary folder and process only" in text


@pytest.mark.slow
@pytest.mark.skipif(not IS_ROOT, reason="only root can run the notebooks as another user")
def test_refuses_when_the_sandbox_user_could_read_the_grades_folder(sandbox_python):
    top = Path(tempfile.mkdtemp(prefix="dlcore-class-test-"))
    try:
        top.chmod(0o755)  # the grades would go to a folder everyone can read
        (top / "submissions" / "alice").mkdir(parents=True)
        make_student_notebook(ROOT / "notebooks" / "03_loss.ipynb",
                              top / "submissions" / "alice" / "03_loss.ipynb")
        python, extra_env = sandbox_python
        result = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "grade.py"), str(top / "submissions"),
             "--out", str(top / "grades.csv"), "--python", python],
            env={**os.environ, **extra_env, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, timeout=300)
        assert result.returncode == 2
        assert f"could read {top}" in result.stderr and "chmod 700" in result.stderr
        assert not (top / "grades.csv").exists()
        # the submissions were made private before anything ran
        assert (top / "submissions").stat().st_mode & 0o777 == 0o700
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.skipif(not IS_ROOT, reason="only root can run the notebooks as another user")
def test_says_what_to_do_when_the_sandbox_user_cannot_run_python(tmp_path):
    private = tmp_path / "private"  # pytest's folder: only root can enter it
    (private / "bin").mkdir(parents=True)
    (private / "bin" / "python").symlink_to(sys.executable)
    (tmp_path / "submissions" / "alice").mkdir(parents=True)
    make_student_notebook(ROOT / "notebooks" / "03_loss.ipynb",
                          tmp_path / "submissions" / "alice" / "03_loss.ipynb")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "grade.py"), str(tmp_path / "submissions"),
         "--out", str(tmp_path / "grades.csv"), "--python", str(private / "bin" / "python")],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 2
    assert "user 'nobody' cannot run" in result.stderr and "--python" in result.stderr
