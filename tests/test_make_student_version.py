"""The student version keeps every cell but the solutions, and fails loudly on broken markers."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from make_student_version import main, strip_solutions  # noqa: E402


def test_strip_keeps_indentation_and_surroundings():
    source = (
        "def one_hot(y, k):\n"
        '    """doc"""\n'
        "    ### BEGIN SOLUTION\n"
        "    out = np.zeros((len(y), k))\n"
        "    out[np.arange(len(y)), y] = 1\n"
        "    return out\n"
        "    ### END SOLUTION\n"
        "\nprint('after')\n"
    )
    stripped, n = strip_solutions(source)
    assert n == 1
    assert "np.zeros" not in stripped and "return out" not in stripped
    assert "    # YOUR CODE HERE\n    raise NotImplementedError\n" in stripped
    assert stripped.startswith("def one_hot(y, k):\n") and stripped.endswith("print('after')\n")
    namespace = {}
    exec(stripped.replace("np.", ""), namespace)  # the stub is valid Python
    with pytest.raises(NotImplementedError):
        namespace["one_hot"]([0], 1)


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
        ("x = 1\n### END SOLUTION\n", "without a matching BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another"),
    ],
)
def test_broken_markers_are_errors(source, message):
    with pytest.raises(ValueError, match=message):
        strip_solutions(source, where="nb.ipynb, cell 3")


def test_every_course_notebook_converts(tmp_path):
    assert main([str(ROOT / "notebooks"), str(tmp_path)]) == 0
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert sources, "the course has no notebooks"
    for src in sources:
        original = src.read_text(encoding="utf-8")
        student = json.loads((tmp_path / src.name).read_text(encoding="utf-8"))
        code = "".join("".join(c["source"]) for c in student["cells"] if c["cell_type"] == "code")
        assert "### BEGIN SOLUTION" not in code and "### END SOLUTION" not in code
        solutions = sum("".join(c["source"]).count("### BEGIN SOLUTION")
                        for c in json.loads(original)["cells"] if c["cell_type"] == "code")
        assert code.count("raise NotImplementedError") >= solutions
        assert all(c.get("outputs", []) == [] for c in student["cells"] if c["cell_type"] == "code")
        assert len(student["cells"]) == len(json.loads(original)["cells"])


def test_refuses_to_overwrite_the_solutions():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_student_version.py"), "notebooks", "notebooks"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 2 and "must differ" in result.stderr


# nbgrader's cell metadata, schema version 3, as its documentation and nbgrader 0.9's
# nbgraderformat/v3.json give it; used when nbgrader itself is not installed.
NBGRADER_V3_SCHEMA = {
    "type": "object",
    "properties": {
        "schema_version": {"type": "integer", "minimum": 3, "maximum": 3},
        "grade": {"type": "boolean"}, "locked": {"type": "boolean"},
        "solution": {"type": "boolean"}, "task": {"type": "boolean"},
        "grade_id": {"type": "string", "pattern": "^[a-zA-Z0-9_\\-]*$"},
        "points": {"type": "number", "minimum": 0},
        "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
        "cell_type": {"type": "string", "enum": ["raw", "code", "markdown"]},
    },
    "required": ["schema_version", "grade", "locked", "solution"],
    "additionalProperties": False,
}


def _validate_like_nbgrader(nb):
    """nbgrader's own validator when it is installed, else its documented rules by hand."""
    try:
        from nbgrader.nbgraderformat import MetadataValidator
    except ImportError:
        MetadataValidator = None
    if MetadataValidator is not None:
        MetadataValidator().validate_nb(nb)
    else:
        _validate_by_hand(nb)


def _validate_by_hand(nb):
    import jsonschema

    seen = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        jsonschema.validate(meta, NBGRADER_V3_SCHEMA)
        if meta["grade"] or meta["solution"] or meta["locked"]:
            assert meta.get("grade_id"), f"a marked cell without grade_id: {cell.source[:60]}"
            assert meta["grade_id"] not in seen, f"duplicate grade_id {meta['grade_id']}"
            seen.add(meta["grade_id"])
        if meta["grade"]:
            assert "points" in meta
        if cell.cell_type == "markdown":  # a markdown grade cell must also be a solution cell
            assert meta["grade"] == meta["solution"]


def test_cells_are_marked_as_nbgrader_marks_them(tmp_path):
    import nbformat

    assert main([str(ROOT / "notebooks"), str(tmp_path)]) == 0
    for src in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(tmp_path / src.name, as_version=4)
        _validate_like_nbgrader(nb)
        marked = [(c.cell_type, c.metadata["nbgrader"]) for c in nb.cells
                  if "nbgrader" in c.metadata]
        solutions = [m for kind, m in marked if m["solution"]]
        checks = [m for kind, m in marked if m["grade"]]
        n = sum(c.source.count("### BEGIN SOLUTION")
                for c in nbformat.read(src, as_version=4).cells if c.cell_type == "code")
        assert len(solutions) == len(checks) == n, src.name
        for sol, check in zip(solutions, checks, strict=True):
            assert sol == {"grade": False, "grade_id": sol["grade_id"], "locked": False,
                           "schema_version": 3, "solution": True, "task": False}
            assert check == {"grade": True, "grade_id": sol["grade_id"] + "_check",
                             "locked": True, "points": 1, "schema_version": 3,
                             "solution": False, "task": False}
        # each checker cell directly follows its solution cell and calls a checker
        code = [c for c in nb.cells if c.cell_type == "code"]
        for i, cell in enumerate(code):
            if cell.metadata.get("nbgrader", {}).get("solution"):
                after = code[i + 1]
                assert after.metadata["nbgrader"]["grade_id"] == \
                    cell.metadata["nbgrader"]["grade_id"] + "_check"
                assert "check_" in after.source
        markdown = [c for c in nb.cells if c.cell_type == "markdown"]
        assert all(c.metadata["nbgrader"]["locked"] for c in markdown)


def test_the_exercise_is_named_after_the_function_it_defines():
    from make_student_version import mark_cells

    cells = [
        {"cell_type": "code", "source": ["def f(x):\n", "    ### BEGIN SOLUTION\n",
                                         "    return x\n", "    ### END SOLUTION\n"]},
        {"cell_type": "code", "source": ["check_f(f)\n"]},
        {"cell_type": "code", "source": ["### BEGIN SOLUTION\n", "y = 1\n",
                                         "### END SOLUTION\n"]},
        {"cell_type": "code", "source": ["print(y)\n"]},  # not a checker: no grade cell
        {"cell_type": "code", "source": ["def f(x):\n", "    ### BEGIN SOLUTION\n",
                                         "    return 2 * x\n", "    ### END SOLUTION\n"]},
        {"cell_type": "code", "source": ["check_f(f)\n"]},
    ]
    mark_cells(cells)
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in cells]
    assert ids == ["f", "f_check", "exercise_2", None, "f_2", "f_2_check"]


@pytest.mark.parametrize("change", [
    {"points": -1}, {"grade_id": "has space"}, {"schema_version": 2}, {"extra": 1},
])
def test_the_hand_made_validator_rejects_bad_metadata(change):
    import jsonschema
    import nbformat

    cell = nbformat.v4.new_code_cell("check_f(f)")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "f_check", "locked": True,
                                 "points": 1, "schema_version": 3, "solution": False,
                                 "task": False}
    nb = nbformat.v4.new_notebook(cells=[cell])
    _validate_by_hand(nb)
    cell.metadata["nbgrader"].update(change)
    with pytest.raises(jsonschema.ValidationError):
        _validate_by_hand(nb)


def test_the_hand_made_validator_rejects_duplicates_and_missing_points():
    import nbformat

    meta = {"grade": True, "grade_id": "f_check", "locked": True, "schema_version": 3,
            "solution": False, "task": False}
    cells = [nbformat.v4.new_code_cell("check_f(f)") for _ in range(2)]
    for cell in cells:
        cell.metadata["nbgrader"] = dict(meta, points=1)
    with pytest.raises(AssertionError, match="duplicate"):
        _validate_by_hand(nbformat.v4.new_notebook(cells=cells))
    cells[0].metadata["nbgrader"] = dict(meta)
    with pytest.raises(AssertionError):
        _validate_by_hand(nbformat.v4.new_notebook(cells=cells[:1]))


def test_nbgrader_source_keeps_the_answers_and_checkers_assert(tmp_path):
    import nbformat

    assert main(["--nbgrader-source", str(ROOT / "notebooks"), str(tmp_path)]) == 0
    nb = nbformat.read(tmp_path / "03_loss.ipynb", as_version=4)
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(solutions) == 3
    assert all("### BEGIN SOLUTION" in c.source and "NotImplementedError" not in c.source
               for c in solutions)
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")
    _validate_like_nbgrader(nb)
    checks = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert checks[0] == ('# NBVAL_CHECK_OUTPUT\nassert check_mse(mse_loss), '
                         '"the line above says what to fix"\n')
    # the assert fails exactly when the checker does
    from dlcore.course.checks.loss import check_mse
    for mse_loss, passes in [(lambda y_hat, y: ((y_hat - y) ** 2).mean(), True),
                             (lambda y_hat, y: ((y_hat - y) ** 2).sum(), False)]:
        namespace = {"check_mse": check_mse, "mse_loss": mse_loss}
        if passes:
            exec(checks[0], namespace)
        else:
            with pytest.raises(AssertionError, match="the line above says what to fix"):
                exec(checks[0], namespace)
