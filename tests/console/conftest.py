"""Console tests use the running service and callers of ``tests/api/conftest.py``."""

from tests.api.conftest import api  # noqa: F401
