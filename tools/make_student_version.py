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

The cells are marked as nbgrader (schema version 3) marks them, so the course also works in
nbgrader, and ``tools/grade.py`` finds the exercises in a student's notebook:

- a solution cell: ``solution: true``, ``grade: false``, ``locked: false``; its ``grade_id`` is
  the name of the function it defines (``mse_loss``), which names the exercise;
- the checker cell that follows it: ``grade: true``, ``points: 1``, ``locked: true``, with the
  ``grade_id`` ``<exercise>_check``;
- every markdown cell: read-only, ``locked: true``, ``grade_id`` ``md_<cell id>``.

Usage (from the repository folder)::

    python tools/make_student_version.py notebooks student
    python tools/make_student_version.py --nbgrader-source notebooks marked

Standard library only, so it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import ast
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


def nbgrader_metadata(*, solution: bool = False, grade: bool = False, locked: bool = False,
                      grade_id: str) -> dict:
    """The ``nbgrader`` cell metadata (schema version 3) of one cell; grade cells get one point."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = 1
    return meta


def _defined_name(source: str) -> str | None:
    """The name of the first function (or class) a solution cell defines, if any."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics; the cell is still a solution cell
        return None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return node.name
    return None


def _calls_a_checker(source: str) -> bool:
    """True when the cell calls a function named ``check_...`` (the exercise's checker)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
               and node.func.id.startswith("check_") for node in ast.walk(tree))


def mark_cells(cells: list[dict]) -> None:
    """Add the nbgrader metadata to the cells of a solutions notebook (before the solutions go).

    Exercise names are unique in a notebook: a second ``mse_loss`` becomes ``mse_loss_2``.
    """
    used: set[str] = set()
    exercise = None  # the solution cell just seen, waiting for its checker
    for i, cell in enumerate(cells):
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") == "markdown":
            grade_id = "md_" + re.sub(r"[^A-Za-z0-9_-]", "_", str(cell.get("id") or i))
            cell.setdefault("metadata", {})["nbgrader"] = nbgrader_metadata(
                locked=True, grade_id=grade_id)
            continue
        if cell.get("cell_type") != "code":
            continue
        if "### BEGIN SOLUTION" in source:
            name = _defined_name(source) or f"exercise_{len(used) + 1}"
            exercise, n = name, 2
            while exercise in used:
                exercise, n = f"{name}_{n}", n + 1
            used.add(exercise)
            cell.setdefault("metadata", {})["nbgrader"] = nbgrader_metadata(
                solution=True, grade_id=exercise)
        elif exercise is not None and _calls_a_checker(source):
            cell.setdefault("metadata", {})["nbgrader"] = nbgrader_metadata(
                grade=True, locked=True, grade_id=f"{exercise}_check")
            exercise = None
        else:
            exercise = None


def asserting_checker(source: str) -> str:
    """The checker cell for nbgrader: ``check_x(f)`` becomes ``assert check_x(f), "..."``.

    nbgrader gives a grade cell its points when it raises nothing, and a checker prints ❌ without
    raising; the ``assert`` makes a wrong answer lose the point (the hint is printed above it).
    """
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body else None
    if not (isinstance(last, ast.Expr) and _calls_a_checker(ast.unparse(last))):
        raise ValueError(f"expected a checker call as the cell's last line, received {source!r}")
    lines = source.splitlines()
    end = last.end_lineno - 1
    lines[end] = (lines[end][:last.end_col_offset]
                  + ', "the line above says what to fix"' + lines[end][last.end_col_offset:])
    lines[last.lineno - 1] = "assert " + lines[last.lineno - 1]
    return "\n".join(lines) + "\n"


def make_student_notebook(src: Path, dst: Path, nbgrader_source: bool = False) -> int:
    """Write the student version of ``src`` to ``dst``; return how many solutions were removed.

    With ``nbgrader_source`` the solutions stay (the count is then of those kept) and each
    checker cell asserts its verdict: the notebook nbgrader's ``generate_assignment`` wants in its
    ``source/`` folder.
    """
    nb = json.loads(src.read_text(encoding="utf-8"))
    removed = 0
    mark_cells(nb.get("cells", []))
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        new_source, n = strip_solutions(source, where=f"{src.name}, cell {i}")
        removed += n
        if not nbgrader_source:
            cell["source"] = new_source.splitlines(keepends=True)
        elif cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            cell["source"] = asserting_checker(source).splitlines(keepends=True)
        cell["outputs"] = []
        cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)  # the solutions' run times
    dst.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="folder of solution notebooks (e.g. notebooks)")
    parser.add_argument("destination", type=Path, help="folder to write the student notebooks to")
    parser.add_argument("--nbgrader-source", action="store_true",
                        help="keep the solutions and make each checker cell assert its verdict: "
                             "the source version for nbgrader")
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
        n = make_student_notebook(src, args.destination / src.name, args.nbgrader_source)
        total += n
        done = "marked" if args.nbgrader_source else "removed"
        print(f"{src.name}: {n} exercise solution(s) {done}")
    # data files next to the notebooks (if any) come along
    for extra in sorted(args.source.iterdir()):
        if extra.is_file() and extra.suffix != ".ipynb" and not extra.name.startswith("."):
            shutil.copy2(extra, args.destination / extra.name)
    if args.nbgrader_source:
        print(f"done: {total} solutions marked; nbgrader source notebooks in {args.destination}")
    else:
        print(f"done: {total} solutions removed; student notebooks in {args.destination}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
