"""Tests of dlcore.course.environment: the table that says what is missing and how to fix it."""

import importlib.metadata
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import dlcore
from dlcore.course import environment
from dlcore.course.environment import FAIL, OK, WARN, check_environment

REPO = Path(dlcore.__file__).resolve().parent.parent
COURSE = ["numpy", "matplotlib", "pillow", "jupyterlab", "ipywidgets", "scikit-learn", "tqdm", "packaging"]
TESTS = ["pytest", "nbval", "nbformat", "nbclient", "threadpoolctl"]


def pretend_missing(monkeypatch, *names):
    """Make importing (and locating) the named packages fail, as if they were not installed."""
    real_import, real_find = environment._import_module, environment._find_spec

    def fake_import(name):
        if name in names:
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name)

    def fake_find(name):
        return None if name in names else real_find(name)

    monkeypatch.setattr(environment, "_import_module", fake_import)
    monkeypatch.setattr(environment, "_find_spec", fake_find)


def pretend_installed_copy(monkeypatch, tmp_path):
    """Make `import dlcore` give a regular (non-editable) install in a site-packages folder."""
    site = tmp_path / "site-packages"
    (site / "dlcore").mkdir(parents=True)
    (site / "dlcore" / "__init__.py").write_text("")
    copy = type(sys)("dlcore")
    copy.__file__ = str(site / "dlcore" / "__init__.py")
    real = environment._import_module
    monkeypatch.setattr(environment, "_import_module",
                        lambda name: copy if name == "dlcore" else real(name))
    return site / "dlcore"


def test_everything_present_in_the_course_environment(capsys):
    report = check_environment(cwd=REPO / "notebooks")
    printed = capsys.readouterr().out
    assert report.ok and bool(report)
    assert report.missing == [] and report.warnings == []
    names = [c.name for c in report.checks]
    assert names == ["python", *COURSE, "widgets", *TESTS, "dlcore"]
    for name in names:
        assert name in printed
    assert report["numpy"].needed == ">=1.24,<3"
    assert report["numpy"].found == importlib.metadata.version("numpy")
    assert report["dlcore"].found == "this repository"
    assert "Everything the course needs is here" in printed
    assert FAIL not in printed and WARN not in printed


def test_the_list_comes_from_the_installed_metadata(monkeypatch):
    requires = ['numpy<3,>=1.24', 'tqdm>=4.0; extra == "course"', 'pytest>=7; extra == "test"',
                'ruff>=0.5; extra == "lint"',  # an extra the course does not use: left out
                'tqdm>=4.0; python_version < "3"']  # not for this Python: left out
    monkeypatch.setattr(environment, "_dlcore_metadata", lambda: (requires, ">=3.10"))
    report = check_environment(cwd=REPO, verbose=False)
    assert [c.name for c in report.checks] == ["python", "numpy", "tqdm", "widgets", "pytest",
                                               "dlcore"]
    assert report.ok and report["python"].needed == ">=3.10"


def test_works_outside_the_repository_with_an_installed_copy(monkeypatch, tmp_path, capsys):
    # JupyterHub: dlcore installed regularly, the notebook in a folder with no repository.
    folder = pretend_installed_copy(monkeypatch, tmp_path)
    report = check_environment(cwd=tmp_path / "site-packages", verbose=True)
    printed = capsys.readouterr().out
    assert report.ok and report.warnings == []
    assert report["dlcore"].status == OK
    assert report["dlcore"].found == f"{importlib.metadata.version('dlcore')} at {folder}"
    assert FAIL not in printed and WARN not in printed


def test_installed_copy_inside_the_repository_is_a_warning(monkeypatch, tmp_path, capsys):
    folder = pretend_installed_copy(monkeypatch, tmp_path)
    report = check_environment(cwd=REPO / "notebooks")
    printed = capsys.readouterr().out
    assert report.ok, "a copy installed elsewhere still runs the course"
    check = report["dlcore"]
    assert check.status == WARN and report.warnings == [check]
    assert check.found == f"another copy: {folder}"
    assert f"-m pip install -e .` in a terminal in {REPO}" in check.fix
    assert f"{WARN} dlcore" in printed and "1 note" in printed
    assert "Everything the course needs is here" in printed


def test_another_checkout_is_a_warning(tmp_path):
    # A second checkout of the repository: dlcore is imported from REPO, not from it.
    (tmp_path / "dlcore").mkdir()
    (tmp_path / "dlcore" / "__init__.py").write_text("")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'dlcore'\n")
    (tmp_path / "notebooks").mkdir()
    report = check_environment(requirements=[], cwd=tmp_path / "notebooks", verbose=False)
    assert report.ok
    check = report["dlcore"]
    assert check.status == WARN
    assert check.found == f"another copy: {REPO / 'dlcore'}"
    assert str(tmp_path) in check.fix and "pip install -e ." in check.fix


def test_dlcore_imported_but_not_installed_fails(monkeypatch):
    monkeypatch.setattr(environment, "_dlcore_metadata", lambda: None)
    report = check_environment(cwd=REPO, verbose=False)
    assert report.missing == ["dlcore"]
    assert report["dlcore"].found == "this repository, not installed"
    assert "pip install -r requirements.txt" in report["dlcore"].fix
    assert report["python"].needed == ">=3.10"  # the built-in minimum, without metadata


def test_dlcore_missing(monkeypatch):
    pretend_missing(monkeypatch, "dlcore")
    report = check_environment(cwd=REPO, verbose=False)
    assert report.missing == ["dlcore"]
    assert report["dlcore"].found == "cannot be imported"
    assert "pip install -r requirements.txt" in report["dlcore"].fix


def test_missing_needed_package_fails_with_the_fix(monkeypatch, capsys):
    pretend_missing(monkeypatch, "numpy")
    report = check_environment(cwd=REPO)
    printed = capsys.readouterr().out
    assert not report.ok and not bool(report)
    assert report.missing == ["numpy"]
    check = report["numpy"]
    assert check.found == "missing" and check.status == FAIL
    assert "not installed" in check.fix
    assert 'pip install "numpy>=1.24,<3"' in check.fix
    assert f"install -r requirements.txt` in a terminal in {REPO}" in check.fix
    assert "pip install -r requirements.txt" in check.fix
    # the fix names this kernel's own Python, so the install lands where the kernel looks
    assert f"{sys.executable} -m pip install" in check.fix
    assert f"{FAIL} numpy" in printed
    assert "1 problem to fix" in printed


def test_outside_the_repository_the_fix_installs_the_one_package(monkeypatch, tmp_path):
    pretend_missing(monkeypatch, "sklearn")
    report = check_environment(cwd=tmp_path, verbose=False)
    fix = report["scikit-learn"].fix
    assert 'pip install "scikit-learn>=1.3,<2"' in fix
    assert "on a JupyterHub, tell whoever runs it" in fix


def test_missing_tool_is_found_without_importing(monkeypatch):
    # jupyterlab is only located (importing its server takes seconds): locating must fail too.
    pretend_missing(monkeypatch, "jupyterlab", "sklearn")
    report = check_environment(cwd=REPO, verbose=False)
    assert report.missing == ["jupyterlab", "scikit-learn"]
    assert 'pip install "scikit-learn>=1.3,<2"' in report["scikit-learn"].fix
    assert 'pip install "jupyterlab>=4.0,<5"' in report["jupyterlab"].fix


def test_missing_test_tools_are_only_warnings(monkeypatch, capsys):
    pretend_missing(monkeypatch, "pytest", "nbval", "threadpoolctl")
    report = check_environment(cwd=REPO)
    printed = capsys.readouterr().out
    assert report.ok and report.missing == []
    assert [c.name for c in report.warnings] == ["pytest", "nbval", "threadpoolctl"]
    assert all(c.status == WARN and c.found == "missing" for c in report.warnings)
    fix = report["pytest"].fix
    assert "only needed to run the course's tests" in fix
    assert f"-m pip install -r requirements.txt` in a terminal in {REPO}" in fix
    assert f"{WARN} pytest" in printed and "3 notes (the course works without)" in printed
    # the three notes say the same: one line
    assert f"- pytest, nbval, threadpoolctl: {fix}" in printed
    assert "Everything the course needs is here" in printed and FAIL not in printed


def test_missing_test_tools_outside_the_repository(monkeypatch, tmp_path):
    pretend_missing(monkeypatch, "nbval")
    report = check_environment(cwd=tmp_path, verbose=False)
    assert report.ok and [c.name for c in report.warnings] == ["nbval"]
    assert "requirements.txt` in the course repository installs" in report["nbval"].fix


def test_test_tool_outside_its_range_is_a_warning():
    report = check_environment(requirements=['pytest>=99; extra == "test"'], cwd=REPO,
                               verbose=False)
    assert report.ok and report["pytest"].status == WARN
    assert "outside the range >=99" in report["pytest"].fix


def test_broken_package_is_reported(monkeypatch):
    real = environment._import_module

    def broken(name):
        if name == "matplotlib":
            raise AttributeError("module 'numpy' has no attribute 'float'")
        return real(name)

    monkeypatch.setattr(environment, "_import_module", broken)
    report = check_environment(cwd=REPO, verbose=False)
    assert report.missing == ["matplotlib"]
    assert "installed but broken (AttributeError" in report["matplotlib"].fix


def test_too_old_version_is_reported():
    report = check_environment(requirements=["numpy>=99.0"], cwd=REPO, verbose=False)
    assert report.missing == ["numpy"]
    check = report["numpy"]
    assert check.found == importlib.metadata.version("numpy")
    assert "outside the range >=99.0" in check.fix
    assert 'pip install "numpy>=99.0"' in check.fix


@pytest.mark.parametrize("version, spec, expected", [
    ("2.4.6", ">=1.24,<3", True),
    ("1.23.5", ">=1.24,<3", False),   # 23 < 24 although "23" > "2" as text
    ("1.24", ">=1.24,<3", True),
    ("3.0.0", ">=1.24,<3", False),
    ("1.10.0", ">=1.9", True),        # numbers, not text: 10 > 9
    ("2.0.0rc1", ">=2.0", False),     # PEP 440: a pre-release of 2.0 comes before 2.0
    ("2.0.0rc1", ">=2.0rc1", True),
    ("2.1.0rc1", ">=1.24,<3", True),  # an installed pre-release inside the range counts
    ("3.0.0rc1", ">=1.24,<3", False),  # <3 excludes the pre-releases of 3
    ("2.0.0.post1", ">=2.0", True),
    ("1.26.4+local", ">=1.24,<3", True),
    ("5.1", "", True),
])
def test_versions_are_compared_as_pep_440_says(monkeypatch, version, spec, expected):
    monkeypatch.setattr(environment, "_distribution_version", lambda name: version)
    check = environment._check_package(Requirement(f"numpy{spec}"), False,
                                       environment._Fixes(REPO))
    assert check.found == version
    assert check.ok is expected and check.status == (OK if expected else FAIL)


def test_a_version_that_cannot_be_compared_is_a_warning(monkeypatch):
    monkeypatch.setattr(environment, "_distribution_version", lambda name: "1.x-custom")
    check = environment._check_package(Requirement("numpy>=1.24"), False,
                                       environment._Fixes(REPO))
    assert check.status == WARN and "cannot be compared" in check.fix


def test_requirements_can_be_given_as_text():
    report = check_environment(requirements="tqdm>=4.0\n", cwd=REPO, verbose=False)
    assert [c.name for c in report.checks] == ["python", "tqdm", "widgets", "dlcore"]
    assert report.ok


def test_widgets_without_extension(monkeypatch):
    monkeypatch.setattr(environment, "_find_widgets_extension", lambda: None)
    report = check_environment(cwd=REPO, verbose=False)
    assert report.missing == ["widgets"]
    fix = report["widgets"].fix
    assert "show as text" in fix
    assert 'pip install "jupyterlab_widgets"' in fix
    assert "reload the page" in fix


def test_widgets_without_ipywidgets(monkeypatch):
    pretend_missing(monkeypatch, "ipywidgets")
    report = check_environment(cwd=REPO, verbose=False)
    assert report.missing == ["ipywidgets", "widgets"]
    assert "reload the page" in report["widgets"].fix


def pretend_version(monkeypatch, name, version):
    real = environment._distribution_version
    monkeypatch.setattr(environment, "_distribution_version",
                        lambda dist: version if dist == name else real(dist))


@pytest.mark.parametrize("version, status", [("7.7.1", FAIL), ("7.8.5", WARN), ("8.1.9", OK)])
def test_jupyterlab_asks_for_ipywidgets_8_and_tolerates_7_8(monkeypatch, version, status):
    # ipywidgets 7.8 draws in JupyterLab 4 but redraws unreliably: a warning that says so and how
    # to get 8 (on Colab, Colab's own ipywidgets 7 is accepted: tested below).
    pretend_version(monkeypatch, "ipywidgets", version)
    report = check_environment(cwd=REPO, verbose=False)
    assert report["ipywidgets"].status == status and report.ok is (status != FAIL)
    if status == WARN:
        assert "log console" in report["ipywidgets"].fix and "ipywidgets>=8.0" in report["ipywidgets"].fix


def test_on_colab_the_jupyterlab_rows_are_not_needed(monkeypatch, tmp_path, capsys):
    # Colab: dlcore installed alone by the notebook's install cell, Colab's own ipywidgets 7.7,
    # no JupyterLab, no widget extension, no test tools.
    monkeypatch.setattr(environment, "_on_colab", lambda: True)
    pretend_missing(monkeypatch, "jupyterlab", "pytest", "nbval")
    pretend_version(monkeypatch, "ipywidgets", "7.7.1")
    monkeypatch.setattr(environment, "_find_widgets_extension", lambda: None)
    report = check_environment(cwd=tmp_path)
    printed = capsys.readouterr().out
    assert report.ok and report.warnings == [], printed
    assert [c.name for c in report.checks] == ["python", *COURSE, "widgets", "dlcore"]
    assert report["jupyterlab"].found == "not needed on Colab"
    assert report["ipywidgets"].needed == ">=7.6,<9" and report["ipywidgets"].found == "7.7.1"
    assert report["widgets"].found == "drawn by Colab"
    assert FAIL not in printed and WARN not in printed


def test_on_colab_the_fix_is_a_cell_to_run(monkeypatch, tmp_path):
    monkeypatch.setattr(environment, "_on_colab", lambda: True)
    pretend_missing(monkeypatch, "sklearn", "dlcore")
    report = check_environment(cwd=tmp_path, verbose=False)
    assert report.missing == ["scikit-learn", "dlcore"]
    fix = report["scikit-learn"].fix
    assert '`%pip install "scikit-learn>=1.3,<2"` in a code cell' in fix
    assert "Runtime > Restart session" in fix and "terminal" not in fix
    assert "install cell" in report["dlcore"].fix and "terminal" not in report["dlcore"].fix


def test_without_packaging_the_check_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "packaging.requirements", None)  # import fails
    report = check_environment(cwd=REPO, verbose=False)
    assert [c.name for c in report.checks] == ["python", "packaging", "dlcore"]
    assert report.missing == ["packaging"]
    assert 'pip install "packaging"' in report["packaging"].fix


@pytest.mark.parametrize("version, status", [
    ("3.9.18", FAIL), ("3.10.0", OK), ("3.13.1", OK), ("3.14.0", WARN), ("3.14.0rc1", WARN),
])
def test_python_version(version, status):
    check = environment._check_python(">=3.10", version)
    assert check.status == status and check.found == version
    if status == FAIL:
        assert "not supported" in check.fix and ">=3.10" in check.fix
        assert "3.10 to 3.13" in check.fix
    if status == WARN:
        assert "newer than the course is tested with (3.10 to 3.13)" in check.fix


def test_old_python_without_metadata_uses_the_built_in_minimum():
    check = environment._check_python(None, "3.8.10")
    assert check.status == FAIL and check.needed == ">=3.10"


def test_report_lookup_of_unknown_name():
    report = check_environment(requirements=[], cwd=REPO, verbose=False)
    with pytest.raises(KeyError, match=r"no check named 'numpyy'.*'python'"):
        report["numpyy"]
