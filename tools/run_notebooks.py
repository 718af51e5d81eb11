"""Run notebooks top to bottom in a fresh kernel and save them: the committed, clean run.

    python tools/run_notebooks.py                        # every notebook in notebooks/
    python tools/run_notebooks.py notebooks/08_*.ipynb   # some of them

Each notebook runs in its own folder (as JupyterLab and nbval run it), with the widget state
saved so the widgets' pictures show on the web. A notebook whose run fails is left unchanged and
the error is printed; the exit code is 1 if any failed. Maintainers run this after editing a
notebook; `tests/test_notebooks.py` checks that the committed files are such a clean run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path, timeout: int = 600) -> None:
    """Execute ``path`` in place; raise CellExecutionError (file untouched) if a cell fails."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        help="notebooks to run (default: every notebook in notebooks/)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (600)")
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    failed = []
    for path in paths:
        start = time.perf_counter()
        try:
            run(path.resolve(), args.timeout)
        except CellExecutionError as error:
            failed.append(path)
            print(f"FAILED {path}: {str(error)[-2000:]}", file=sys.stderr)
            continue
        print(f"ran {path} in {time.perf_counter() - start:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
