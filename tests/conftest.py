"""Options of the test suite."""


def pytest_addoption(parser):
    parser.addoption(
        "--working-notebooks", action="store_true", default=False,
        help="check the notebooks' files as they are now, not as committed (for maintainers "
             "who ran tools/run_notebooks.py and want to check before committing)",
    )
