"""Where a student's notebook runs when a class is graded: a fresh folder, a clean environment,
limits, and no process left behind (used by ``tools/grade.py``).

Each notebook runs in its own new temporary folder, with ``tools/grade_worker.py`` (copied there),
in a new session, with an environment made from nothing but what Python and Jupyter need. When
the grader runs as root it drops to an unprivileged user (``nobody`` unless told otherwise) for
the worker and the kernel: that user owns only the notebook's folder, and the grader first makes
the class's submissions folder private (mode 700), so a notebook cannot read another student's
submission or the instructor's files. Run as anyone else, the notebook runs as that same person:
isolation is then by temporary folder, environment and process only, and the summary says so.

After each notebook, whether it finished or not, every process it started is killed: the worker's
process group, then every descendant of the grader (the grader makes itself the "child
subreaper" on Linux, so a process that forked away from its session still comes back to it as a
child), then any process still carrying the run's token in its environment. Files the sandbox
user left in the shared temporary folders (``/tmp``, ``/var/tmp``, ``/dev/shm``) are removed, so
one notebook cannot leave something for the next.
"""

from __future__ import annotations

import ctypes
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
WORKER = HERE / "grade_worker.py"
SHARED_TMP = [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")]
STARTUP_GRACE = 60  # seconds beyond the time limit before the worker is killed from outside
RESULTS_LIMIT = 8 * 1024 * 1024  # bytes of the worker's results read at most
PASSED_THROUGH = ("PYTHONPATH", "LD_LIBRARY_PATH")  # how Python runs, nothing else


class SandboxError(Exception):
    """The sandbox cannot be set up as asked; the message says what to do."""


@dataclass
class RunResult:
    """What the worker wrote (one dict per line) and how it ended."""

    records: list[dict] = field(default_factory=list)
    killed: bool = False  # the grader killed it at the hard time limit
    worker_error: str = ""  # the worker's own error output, when it failed
    seconds: float = 0.0


def become_subreaper() -> bool:
    """Make orphaned descendants children of this process (Linux), so they can be found."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def kill_tree(token: str) -> None:
    """Kill every descendant of this process, and any process carrying ``token``."""
    for _ in range(3):  # a process may fork while its siblings are being killed
        victims = psutil.Process().children(recursive=True)
        for proc in psutil.process_iter(["pid"]):
            try:
                if proc.environ().get("DLCORE_GRADE_RUN") == token:
                    victims.append(proc)
            except (psutil.Error, OSError):
                continue
        if not victims:
            return
        for proc in victims:
            try:
                proc.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(victims, timeout=5)


class Sandbox:
    """Runs notebooks one at a time; ``user`` is a user name, or None to stay who we are."""

    def __init__(self, python: str, user: str | None, time_limit: float, output_cap: int,
                 memory_mb: int, max_processes: int = 256):
        self.python = python
        self.time_limit = time_limit
        self.output_cap = output_cap
        self.memory_mb = memory_mb
        self.max_processes = max_processes
        self.user = pwd.getpwnam(user) if user else None
        self.subreaper = become_subreaper()
        self.base = Path(tempfile.mkdtemp(prefix="dlcore-grade-"))
        self.base.chmod(0o711)  # the user may enter its own folder inside, and list nothing
        self._tmp_before = self._shared_tmp_files() if self.user else set()

    def describe(self) -> str:
        if self.user:
            return (f"each notebook ran as user '{self.user.pw_name}' (uid {self.user.pw_uid}) "
                    f"in its own temporary folder, with a clean environment")
        return ("each notebook ran as the grading user itself, in its own temporary folder with a "
                "clean environment: isolation by temporary folder and process only (run as root "
                "to run the notebooks as an unprivileged user)")

    def close(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)

    # -- before the class: can the user run Python, and is what must be private private? -------

    def _as_user(self) -> dict:
        if not self.user:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}

    def check(self, private: list[Path]) -> None:
        """Stop with a clear message if the sandbox cannot run Python or can read ``private``."""
        probe = ("import json, os, sys\n"
                 "import ipykernel, nbclient, nbformat, dlcore.course.checks.common\n"
                 "print(json.dumps([p for p in sys.argv[1:]\n"
                 "                  if os.access(p, os.R_OK) or os.access(p, os.X_OK)]))\n")
        folder = self._new_folder()
        try:
            result = subprocess.run([self.python, "-c", probe, *map(str, private)],
                                    cwd=folder, env=self._environment(folder, "probe"),
                                    capture_output=True, text=True, timeout=120,
                                    **self._as_user())
        except OSError as err:
            raise SandboxError(self._cannot_run(err)) from None
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if result.returncode != 0:
            raise SandboxError(self._cannot_run(result.stderr.strip().splitlines()[-1:]))
        readable = json.loads(result.stdout.strip().splitlines()[-1])
        if readable:
            who = self.user.pw_name if self.user else "the notebooks"
            raise SandboxError(
                f"{who} could read {', '.join(readable)} (list it, or open a file in it by name), "
                f"which must stay private while students' code runs. Fix: chmod 700 on that "
                f"folder, or write the grades somewhere private.")

    def _cannot_run(self, detail) -> str:
        who = f"user '{self.user.pw_name}'" if self.user else "the grader"
        return (f"{who} cannot run {self.python} with ipykernel, nbclient and dlcore: {detail}. "
                f"The notebooks run as an unprivileged user, who must be able to read the Python "
                f"environment (a Python installed under /root is not). Fix: make an environment "
                f"every user can read (python -m venv /opt/dlcore-grading && "
                f"/opt/dlcore-grading/bin/pip install 'PATH/TO/COURSE[course]') and pass "
                f"--python /opt/dlcore-grading/bin/python, or choose the user with --user NAME.")

    # -- one notebook -------------------------------------------------------------------------

    def _new_folder(self) -> Path:
        folder = Path(tempfile.mkdtemp(dir=self.base))
        if self.user:
            os.chown(folder, self.user.pw_uid, self.user.pw_gid)
        folder.chmod(0o700)
        return folder

    def _give(self, path: Path) -> None:
        if self.user:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def _environment(self, folder: Path, token: str) -> dict:
        env = {
            "PATH": f"{Path(self.python).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(folder), "TMPDIR": str(folder), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "PYTHONNOUSERSITE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "MPLCONFIGDIR": str(folder / ".matplotlib"), "IPYTHONDIR": str(folder / ".ipython"),
            "JUPYTER_RUNTIME_DIR": str(folder / ".runtime"),
            "JUPYTER_CONFIG_DIR": str(folder / ".jupyter"),
            "DLCORE_VERDICTS_FILE": str(folder / "verdicts.jsonl"),
            "DLCORE_GRADE_RUN": token,
        }
        for name in PASSED_THROUGH:
            if os.environ.get(name):
                env[name] = os.environ[name]
        return env

    def run(self, nb_json: str) -> RunResult:
        """Run one notebook (given as nbformat JSON text) and return the worker's records."""
        folder = self._new_folder()
        token = secrets.token_hex(16)
        try:
            for name, text in (("notebook.ipynb", nb_json),
                               ("grade_worker.py", WORKER.read_text(encoding="utf-8")),
                               ("results.jsonl", ""), ("verdicts.jsonl", "")):
                (folder / name).write_text(text, encoding="utf-8")
                self._give(folder / name)
            command = [self.python, str(folder / "grade_worker.py"), "notebook.ipynb",
                       "results.jsonl", "--time-limit", str(self.time_limit),
                       "--output-cap", str(self.output_cap), "--memory-mb", str(self.memory_mb)]
            if self.user:
                command += ["--max-processes", str(self.max_processes)]
            start = time.monotonic()
            with open(folder / "worker-errors.txt", "wb") as errors:
                proc = subprocess.Popen(command, cwd=folder, env=self._environment(folder, token),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=errors, start_new_session=True, **self._as_user())
                killed = False
                try:
                    proc.wait(timeout=self.time_limit + STARTUP_GRACE)
                except subprocess.TimeoutExpired:
                    killed = True
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            kill_tree(token)
            result = RunResult(records=self._read_results(folder / "results.jsonl"),
                               killed=killed, seconds=time.monotonic() - start)
            if proc.returncode != 0 and not killed:
                tail = (folder / "worker-errors.txt").read_bytes()[-4000:]
                lines = tail.decode("utf-8", "replace").strip().splitlines()
                result.worker_error = lines[-1] if lines else f"exit code {proc.returncode}"
            return result
        finally:
            kill_tree(token)
            shutil.rmtree(folder, ignore_errors=True)
            self._clean_shared_tmp()

    @staticmethod
    def _read_results(path: Path) -> list[dict]:
        """The worker's records; the file is the sandbox's, so no link is followed."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return []
        with os.fdopen(fd, "rb") as f:
            data = f.read(RESULTS_LIMIT)
        records = []
        for line in data.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            record = _well_formed(item)
            if record is not None:
                records.append(record)
        return records

    # -- the shared temporary folders ---------------------------------------------------------

    def _shared_tmp_files(self) -> set[Path]:
        found = set()
        for folder in SHARED_TMP:
            try:
                for entry in os.scandir(folder):
                    if entry.stat(follow_symlinks=False).st_uid == self.user.pw_uid:
                        found.add(Path(entry.path))
            except OSError:
                continue
        return found

    def _clean_shared_tmp(self) -> None:
        if not self.user:
            return
        for path in self._shared_tmp_files() - self._tmp_before:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _well_formed(item) -> dict | None:
    """A worker's record with the fields and types the grader reads, or None.

    The results file sits in the sandbox's folder, so the notebook's code could have written to
    it: nothing in it may make the grader fail.
    """
    if not isinstance(item, dict):
        return None
    if item.get("done") is True:
        return {"done": True}
    index = item.get("index")
    if not isinstance(index, int) or isinstance(index, bool):
        return None
    if "stopped" in item:
        return {"stopped": str(item["stopped"]), "index": index}
    error = item.get("error")
    if not (isinstance(error, list) and all(isinstance(e, str) for e in error)):
        error = None
    verdicts = [{"passed": v.get("passed") is True, "message": str(v.get("message", ""))}
                for v in item.get("verdicts") or [] if isinstance(v, dict)]
    return {"index": index, "error": error, "verdicts": verdicts}


def default_user() -> str | None:
    """``nobody`` when the grader runs as root (and that user exists), else None."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return None
    return "nobody"


def python_default() -> str:
    return sys.executable
