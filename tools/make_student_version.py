"""Make the student version of the course: the same notebooks with the exercise solutions removed.

The committed notebooks are the *solutions* version: every exercise holds its reference solution
between two marker lines::

    ### BEGIN SOLUTION
    ...the reference solution...
    ### END SOLUTION

This script copies the notebooks, replaces what is between the markers with::

    # YOUR CODE HERE
    raise NotImplementedError

(indented like the solution), and clears every output and execution count, so a learner starts
from a clean page. The checker cells stay: run on the stub they answer
"❌ your function still raises NotImplementedError".

Usage (from the repository folder)::

    python tools/make_student_version.py notebooks student

Standard library only, so it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION[ \t]*$")
END = re.compile(r"^[ \t]*### END SOLUTION[ \t]*$")


def strip_solutions(source: str, where: str = "cell") -> tuple[str, int]:
    """Return ``source`` with each solution block replaced by a stub, and the number replaced."""
    out, count, indent, inside = [], 0, "", False
    for line in source.splitlines(keepends=True):
        begin = BEGIN.match(line.rstrip("\n"))
        if begin:
            if inside:
                raise ValueError(f"{where}: '### BEGIN SOLUTION' inside another solution block.")
            inside, indent = True, begin.group("indent")
            continue
        if END.match(line.rstrip("\n")):
            if not inside:
                raise ValueError(f"{where}: '### END SOLUTION' without a matching BEGIN.")
            out.append(f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError\n")
            inside, count = False, count + 1
            continue
        if not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '### BEGIN SOLUTION' is never closed by '### END SOLUTION'.")
    return "".join(out), count


def make_student_notebook(src: Path, dst: Path) -> int:
    """Write the student version of ``src`` to ``dst``; return how many solutions were removed."""
    nb = json.loads(src.read_text(encoding="utf-8"))
    removed = 0
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        new_source, n = strip_solutions(source, where=f"{src.name}, cell {i}")
        removed += n
        cell["source"] = new_source.splitlines(keepends=True)
        cell["outputs"] = []
        cell["execution_count"] = None
    dst.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="folder of solution notebooks (e.g. notebooks)")
    parser.add_argument("destination", type=Path, help="folder to write the student notebooks to")
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"error: {args.source} is not a folder of notebooks", file=sys.stderr)
        return 2
    if args.destination.resolve() == args.source.resolve():
        print("error: the destination must differ from the source (it would erase the solutions)",
              file=sys.stderr)
        return 2
    args.destination.mkdir(parents=True, exist_ok=True)
    total = 0
    for src in sorted(args.source.glob("*.ipynb")):
        n = make_student_notebook(src, args.destination / src.name)
        total += n
        print(f"{src.name}: {n} exercise solution(s) removed")
    # data files next to the notebooks (if any) come along
    for extra in sorted(args.source.iterdir()):
        if extra.is_file() and extra.suffix != ".ipynb" and not extra.name.startswith("."):
            shutil.copy2(extra, args.destination / extra.name)
    print(f"done: {total} solutions removed; student notebooks in {args.destination}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
