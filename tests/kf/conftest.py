from __future__ import annotations

from pathlib import Path

import pytest

from tests.fund_qa.stack import make_sample_db


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SYNTHETIC sample database, built once per session (copied per test)."""
    return make_sample_db(tmp_path_factory.mktemp("fund_qa_sample"))
