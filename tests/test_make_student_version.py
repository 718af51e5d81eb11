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
