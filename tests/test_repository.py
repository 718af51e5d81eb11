"""The repository keeps its promises: one set of requirements, the README's commands, CI."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_requirement(line: str) -> tuple[str, str]:
    """'numpy>=1.24,<3' -> ('numpy', '>=1.24,<3'); names normalised as pip does."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", line)
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    return name, match.group(2).replace(" ", "")


def requirements_txt() -> dict[str, str]:
    reqs = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line or line.startswith("-e") or line.startswith("-r"):
            continue
        name, spec = parse_requirement(line)
        reqs[name] = spec
    return reqs


def environment_yml() -> dict[str, str]:
    """The conda dependencies (a tiny reader: the file is a flat list, no YAML library needed)."""
    reqs, in_dependencies, in_pip = {}, False, False
    for raw in (ROOT / "environment.yml").read_text().splitlines():
        line = raw.split("#")[0].rstrip()
        if re.match(r"^[A-Za-z_]+:", line):  # a top-level key: name, channels, dependencies
            in_dependencies = line.startswith("dependencies:")
            continue
        if re.match(r"^\s*-\s*pip:\s*$", line):
            in_pip = True
            continue
        item = re.match(r"^\s*-\s*(.+)$", line)
        if not item or in_pip or not in_dependencies:
            continue
        name, spec = parse_requirement(item.group(1))
        if name not in {"python", "pip"}:
            reqs[name] = spec
    return reqs


def test_requirements_and_environment_agree():
    pip_reqs, conda_reqs = requirements_txt(), environment_yml()
    assert pip_reqs, "requirements.txt lists no packages"
    assert pip_reqs == conda_reqs, (
        f"requirements.txt and environment.yml differ.\n only in requirements.txt: "
        f"{sorted(set(pip_reqs) - set(conda_reqs))}\n only in environment.yml: "
        f"{sorted(set(conda_reqs) - set(pip_reqs))}\n different versions: "
        f"{ {k: (pip_reqs[k], conda_reqs[k]) for k in pip_reqs.keys() & conda_reqs.keys() if pip_reqs[k] != conda_reqs[k]} }"
    )


def test_requirements_use_ranges_and_install_dlcore():
    text = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^-e \.\s*$", text, re.M), "requirements.txt must install dlcore with -e ."
    for name, spec in requirements_txt().items():
        assert ">=" in spec and "==" not in spec, f"{name}: use a compatible range, not {spec!r}"
    assert "-e ." in (ROOT / "environment.yml").read_text()


def readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh|shell)?\n(.*?)```", readme, re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_gives_the_two_setup_commands():
    commands = readme_commands()
    assert "pip install -r requirements.txt && jupyter lab notebooks/" in commands
    assert "pip install -r requirements.txt && pytest" in commands


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    last = [line.strip() for line in ci.splitlines() if line.strip() and not line.startswith("#")][-1]
    assert last == "pip install -r requirements.txt && pytest"
    assert last in readme_commands()
    assert "set -euo pipefail" in ci


def test_readme_course_map_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for name in notebooks:
        assert f"notebooks/{name}" in readme, f"the README's course map does not list {name}"
