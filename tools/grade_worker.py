"""Run one student's notebook, cell by cell, and write what each cell did (inside the sandbox).

``tools/grade.py`` starts this script once per submitted notebook, in the notebook's own empty
temporary folder, as the unprivileged user when it can, with a clean environment. It is copied
into that folder first, so it needs nothing the sandbox cannot read but the Python environment.

    python grade_worker.py NOTEBOOK RESULTS --time-limit S --output-cap BYTES --memory-mb M

It first lowers its own resource limits, which the kernel inherits: address space (``--memory-mb``),
the size of any file written (``--file-mb``), no core dumps, and, with ``--max-processes``, the
number of processes of the user. Then it starts a kernel and runs the code cells in order, with
errors allowed (an exercise that raises does not stop the next one). After each code cell it
appends one JSON line to RESULTS:

    {"index": 12, "error": ["NameError", "name 'x' is not defined"] or null,
     "verdicts": [{"passed": false, "message": "❌ ..."}], "seconds": 0.01}

The verdicts are the lines the checkers appended, while that cell ran, to the file named by
``DLCORE_VERDICTS_FILE`` (see ``dlcore/course/checks/common.py``). When the notebook cannot go on,
a last line says why: ``{"stopped": "time", "index": 14}`` (the time limit, counted from the
kernel's start), ``"output"`` (it printed more than ``--output-cap`` bytes; the kernel is killed
at once), or ``"kernel"`` (the kernel died). ``{"done": true}`` ends a complete run. Lines are
written as they happen, so the grader keeps them if it has to kill this process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

MB = 1024 * 1024
TEXT_LIMIT = 2000  # characters kept of an error message or a verdict


class CappedClient(NotebookClient):
    """A NotebookClient that stops keeping outputs past ``output_cap`` bytes and kills the kernel.

    A cell that prints without end would otherwise fill this process's memory with outputs.
    """

    def __init__(self, nb, output_cap: int, **kwargs):
        super().__init__(nb, **kwargs)
        self.output_cap = output_cap
        self.output_bytes = 0
        self.capped = False

    def output(self, outs, msg, display_id, cell_index):
        self.output_bytes += len(json.dumps(msg.get("content", {})))
        if self.output_bytes > self.output_cap:
            if not self.capped:
                self.capped = True
                pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
                if pid:
                    os.kill(pid, signal.SIGKILL)
            return None
        return super().output(outs, msg, display_id, cell_index)


def limit_resources(memory_mb: int, file_mb: int, max_processes: int | None) -> None:
    """Lower this process's limits (soft and hard, so nothing below can raise them again)."""
    limits = [(resource.RLIMIT_AS, memory_mb * MB), (resource.RLIMIT_FSIZE, file_mb * MB),
              (resource.RLIMIT_CORE, 0)]
    if max_processes:
        limits.append((resource.RLIMIT_NPROC, max_processes))
    for which, value in limits:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def new_verdicts(path: Path, offset: int) -> tuple[list[dict], int]:
    """The verdict lines appended to ``path`` since ``offset``, and the new offset."""
    try:
        with open(path, "rb") as log:
            log.seek(offset)
            data = log.read(1 * MB)
    except OSError:
        return [], offset
    verdicts = []
    for line in data.splitlines():
        try:
            item = json.loads(line)
            verdicts.append({"passed": item["passed"] is True,
                             "message": str(item["message"])[:TEXT_LIMIT]})
        except (ValueError, TypeError, KeyError):
            verdicts.append({"passed": False, "message": "(an unreadable verdict line)"})
    return verdicts, offset + len(data)


def first_error(cell) -> list[str] | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return [str(out.get("ename", ""))[:200], str(out.get("evalue", ""))[:TEXT_LIMIT]]
    return None


def run(notebook: Path, results: Path, time_limit: float, output_cap: int) -> None:
    nb = nbformat.read(notebook, as_version=4)
    verdict_file = Path(os.environ["DLCORE_VERDICTS_FILE"])
    client = CappedClient(nb, output_cap=output_cap, timeout=time_limit, kernel_name="python3",
                          allow_errors=True, resources={"metadata": {"path": os.getcwd()}},
                          shutdown_kernel="immediate")
    with open(results, "a", encoding="utf-8") as out:

        def write(record: dict) -> None:
            out.write(json.dumps(record) + "\n")
            out.flush()

        with client.setup_kernel():
            deadline = time.monotonic() + time_limit
            offset = 0
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    write({"stopped": "time", "index": index})
                    return
                client.timeout = max(1, int(left))
                start = time.monotonic()
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    write({"stopped": "time", "index": index})
                    return
                except DeadKernelError:
                    write({"stopped": "output" if client.capped else "kernel", "index": index})
                    return
                verdicts, offset = new_verdicts(verdict_file, offset)
                if client.capped:  # the kernel was killed, but the reply came first
                    write({"stopped": "output", "index": index})
                    return
                write({"index": index, "error": first_error(cell), "verdicts": verdicts,
                       "seconds": round(time.monotonic() - start, 3)})
        write({"done": True})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("results", type=Path)
    parser.add_argument("--time-limit", type=float, required=True)
    parser.add_argument("--output-cap", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--file-mb", type=int, default=64)
    parser.add_argument("--max-processes", type=int, default=None)
    args = parser.parse_args(argv)
    limit_resources(args.memory_mb, args.file_mb, args.max_processes)
    run(args.notebook, args.results, args.time_limit, args.output_cap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
