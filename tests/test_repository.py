"""The repository keeps its promises: one list of dependencies, the README's commands, CI.

pyproject.toml lists every dependency once: numpy for the core, the extras `course` (what a
learner needs in JupyterLab) and `test` (what `pytest` needs). requirements.txt installs dlcore
with both extras; environment.yml is generated from pyproject.toml by tools/sync_environment.py.
"""

import importlib.util
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def load_tool(name: str):
    """Import tools/<name>.py (tools/ is not a package) without changing sys.path."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync_environment = load_tool("sync_environment")


def pyproject() -> dict:
    return sync_environment.tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def declared() -> dict[str, list[Requirement]]:
    """{"core": [...], "course": [...], "test": [...]}: pyproject's dependencies, parsed."""
    project = pyproject()["project"]
    groups = {"core": project["dependencies"], **project["optional-dependencies"]}
    return {group: [Requirement(r) for r in reqs] for group, reqs in groups.items()}


def lines_of(path: Path) -> list[str]:
    """The lines that say something: no comments, no blank lines."""
    lines = (raw.split("#", 1)[0].strip() for raw in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def test_the_core_needs_numpy_only():
    assert [r.name for r in declared()["core"]] == ["numpy"]


def test_the_extras_hold_the_course_and_the_test_tools():
    names = {group: {r.name for r in reqs} for group, reqs in declared().items()}
    assert set(names) == {"core", "course", "test", "slides", "docs"}
    assert {"matplotlib", "jupyterlab", "ipywidgets", "scikit-learn", "tqdm",
            "packaging"} <= names["course"]
    assert {"pytest", "nbval", "nbformat", "nbclient", "threadpoolctl"} <= names["test"]
    assert {"nbconvert", "sphinx-revealjs", "jupyter-server-mathjax"} <= names["slides"]
    assert {"sphinx", "myst-nb", "sphinx-book-theme"} <= names["docs"]


def test_every_dependency_is_listed_once_with_a_compatible_range():
    seen = {}
    for group, reqs in declared().items():
        for req in reqs:
            assert req.name not in seen, f"{req.name} is listed in {seen[req.name]} and in {group}"
            seen[req.name] = group
            operators = {s.operator for s in req.specifier}
            assert ">=" in operators, f"{req.name}: give the lowest version tested, not {req}"
            assert not operators & {"==", "==="}, f"{req.name}: use a compatible range, not {req}"
            assert req.marker is None and not req.url, f"{req.name}: plain requirements only"


def test_ipywidgets_8_whose_extension_redraws_reliably_in_jupyterlab_4():
    # 7.8 draws in JupyterLab 4 (jupyterlab_widgets 1.1.11) but sends redrawn plots to the log
    # console; Colab's ipywidgets 7 is tested separately, by .ci/ipywidgets7.
    (widgets,) = [r for r in declared()["course"] if r.name == "ipywidgets"]
    for version, inside in [("7.8.5", False), ("8.0.0", True), ("8.1.9", True), ("9.0.0", False)]:
        assert widgets.specifier.contains(version) is inside, version


def test_requires_python_is_310_and_up_without_a_cap():
    supported = SpecifierSet(pyproject()["project"]["requires-python"])
    assert not supported.contains("3.9.18")
    for version in ["3.10.0", "3.11.7", "3.12.1", "3.13.0", "3.14.0"]:
        assert supported.contains(version), version


def test_requirements_txt_installs_dlcore_with_its_extras():
    # dlcore alone first: pip then checks requires-python before anything else (see the file).
    assert lines_of(ROOT / "requirements.txt") == ["-e .", "-e .[course,test]"]
    assert sync_environment.EXTRAS == ("course", "test")


def test_requirements_dev_adds_only_maintainer_tools():
    lines = lines_of(ROOT / "requirements-dev.txt")
    assert lines[:3] == ["-r requirements.txt", "-e .[slides]", "-e .[docs]"]
    in_pyproject = {r.name for reqs in declared().values() for r in reqs}
    tools = [Requirement(line) for line in lines[3:]]
    assert {r.name for r in tools} == {"ruff", "playwright", "axe-playwright-python",
                                       "jupyter-repo2docker"}
    for req in tools:
        assert req.name not in in_pyproject, f"{req.name} is already in pyproject.toml"
        assert ">=" in {s.operator for s in req.specifier}, f"{req.name}: give a lower bound"


def test_environment_yml_is_generated_from_pyproject():
    current = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert current == sync_environment.render(), (
        "environment.yml is out of date: run `python tools/sync_environment.py`"
    )
    assert "  - python>=3.10\n" in current and "      - -e .\n" in current


def test_conda_spec_puts_the_lower_bound_first():
    assert sync_environment.conda_spec('numpy<3,>=1.24; extra == "course"') == "numpy>=1.24,<3"
    assert sync_environment.conda_spec("packaging>=23") == "packaging>=23"


def readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh|shell)?\n(.*?)```", readme, re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_gives_the_two_setup_commands():
    commands = readme_commands()
    assert "pip install -r requirements.txt && jupyter lab --notebook-dir=. notebooks/00_start_here.ipynb" in commands
    assert "pip install -r requirements.txt && pytest" in commands


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    # The last command of .ci/run that runs pytest (what follows only reports or cleans up).
    runs_pytest = [line.strip() for line in ci.splitlines()
                   if re.search(r"\bpytest\b", line) and not line.lstrip().startswith("#")]
    last = runs_pytest[-1]
    assert last == "pip install -r requirements.txt && pytest"
    assert last in readme_commands()
    assert "set -euo pipefail" in ci


def test_readme_course_map_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for name in notebooks:
        assert f"notebooks/{name}" in readme, f"the README's course map does not list {name}"
