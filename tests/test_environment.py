"""Tests of dlcore.environment: the table that says what is missing and how to fix it."""

import sys
from pathlib import Path

import pytest

import dlcore
from dlcore import environment
from dlcore.environment import (
    DEFAULT_REQUIREMENTS,
    Requirement,
    check_environment,
    read_requirements,
    version_satisfies,
)

REPO = Path(dlcore.__file__).resolve().parent.parent


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


def test_everything_present_in_the_course_environment(capsys):
    report = check_environment(cwd=REPO / "notebooks")
    printed = capsys.readouterr().out
    assert report.ok and bool(report)
    assert report.missing == []
    names = [c.name for c in report.checks]
    for name in ["python", "numpy", "matplotlib", "jupyterlab", "ipywidgets", "scikit-learn",
                 "tqdm", "pytest", "nbval", "widgets", "dlcore"]:
        assert name in names
        assert name in printed
    assert report["dlcore"].found == "this repository"
    assert "Everything the course needs is here" in printed
    assert "❌" not in printed


def test_requirements_file_and_builtin_copy_agree():
    # The built-in copy is used when dlcore is installed without the repository; it must say
    # the same as requirements.txt.
    from_file = read_requirements((REPO / "requirements.txt").read_text(encoding="utf-8"))
    builtin = read_requirements(DEFAULT_REQUIREMENTS)
    assert [(r.name, r.spec) for r in from_file] == [(r.name, r.spec) for r in builtin]


def test_read_requirements_skips_comments_and_options():
    reqs = read_requirements("# comment\nnumpy>=1.24,<3  # why\n\n-e .\n-r other.txt\n"
                             "scikit-learn >= 1.3\n")
    assert [(r.name, r.spec, r.import_name) for r in reqs] == [
        ("numpy", ">=1.24,<3", "numpy"),
        ("scikit-learn", ">=1.3", "sklearn"),
    ]


@pytest.mark.parametrize("version, spec, expected", [
    ("2.4.6", ">=1.24,<3", True),
    ("1.23.5", ">=1.24,<3", False),   # 23 < 24 although "23" > "2" as text
    ("1.24", ">=1.24,<3", True),
    ("3.0.0", ">=1.24,<3", False),
    ("1.10.0", ">=1.9", True),        # numbers, not text: 10 > 9
    ("2.0.0rc1", ">=2.0", True),
    ("0.11.0", ">=0.11,<1", True),
    ("5.1", "", True),
])
def test_version_satisfies(version, spec, expected):
    assert version_satisfies(version, spec) is expected


def test_version_satisfies_rejects_unknown_clause():
    with pytest.raises(ValueError, match=r"expected clauses such as.*received '~=1\.2'"):
        version_satisfies("1.2", "~=1.2")


def test_missing_package_is_reported_with_the_fix(monkeypatch, capsys):
    pretend_missing(monkeypatch, "numpy")
    report = check_environment(cwd=REPO)
    printed = capsys.readouterr().out
    assert not report.ok and not bool(report)
    assert report.missing == ["numpy"]
    check = report["numpy"]
    assert check.found == "missing"
    assert "not installed" in check.fix
    assert "pip install -r requirements.txt" in check.fix
    assert 'pip install "numpy>=1.24,<3"' in check.fix
    # the fix names this kernel's own Python, so the install lands where the kernel looks
    assert f"{sys.executable} -m pip install" in check.fix
    assert "❌ numpy" in printed
    assert "1 problem to fix" in printed
    assert "pip install -r requirements.txt" in printed


def test_missing_tool_is_found_without_importing(monkeypatch):
    # jupyterlab is only located (importing its server takes seconds): locating must fail too.
    pretend_missing(monkeypatch, "jupyterlab", "sklearn")
    report = check_environment(cwd=REPO, verbose=False)
    assert report.missing == ["jupyterlab", "scikit-learn"]
    assert 'pip install "scikit-learn>=1.3,<2"' in report["scikit-learn"].fix
    assert 'pip install "jupyterlab>=4.0,<5"' in report["jupyterlab"].fix


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
    reqs = [Requirement("numpy", ">=99.0")]
    report = check_environment(requirements=reqs, cwd=REPO, verbose=False)
    assert report.missing == ["numpy"]
    check = report["numpy"]
    assert check.found == __import__("numpy").__version__
    assert "outside the range >=99.0" in check.fix
    assert 'pip install "numpy>=99.0"' in check.fix


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
    assert "pip install -r requirements.txt" in fix
    assert "reload the page" in fix


def test_widgets_without_ipywidgets(monkeypatch):
    pretend_missing(monkeypatch, "ipywidgets")
    report = check_environment(cwd=REPO, verbose=False)
    assert report.missing == ["ipywidgets", "widgets"]
    assert "reload the page" in report["widgets"].fix


def test_dlcore_missing(monkeypatch):
    pretend_missing(monkeypatch, "dlcore")
    report = check_environment(cwd=REPO, verbose=False)
    assert report.missing == ["dlcore"]
    assert report["dlcore"].found == "cannot be imported"
    assert "`-e .`, installs dlcore" in report["dlcore"].fix


def test_dlcore_from_another_copy_is_reported(tmp_path):
    # A second checkout of the repository: dlcore is imported from REPO, not from it.
    (tmp_path / "dlcore").mkdir()
    (tmp_path / "dlcore" / "__init__.py").write_text("")
    (tmp_path / "requirements.txt").write_text("numpy\n")
    (tmp_path / "notebooks").mkdir()
    report = check_environment(requirements=[], cwd=tmp_path / "notebooks", verbose=False)
    assert report.missing == ["dlcore"]
    check = report["dlcore"]
    assert check.found.startswith("another copy")
    assert str(tmp_path) in check.fix
    assert "pip install -r requirements.txt" in check.fix


def test_dlcore_outside_any_repository_is_fine_if_it_is_a_checkout(tmp_path):
    report = check_environment(requirements=[], cwd=tmp_path, verbose=False)
    assert report.ok
    assert report["dlcore"].found == f"repository at {REPO}"


def test_old_python_is_reported():
    check = environment._check_python((3, 8, 10))
    assert not check.ok
    assert check.found == "3.8.10"
    assert "too old" in check.fix and "3.10" in check.fix


def test_report_lookup_of_unknown_name():
    report = check_environment(requirements=[], cwd=REPO, verbose=False)
    with pytest.raises(KeyError, match=r"no check named 'numpyy'.*'python'"):
        report["numpyy"]
