"""Indexes over the SYNTHETIC fund list and the shipped FAQ, built once per test session."""

from __future__ import annotations

import pytest

from handlers.faq import FaqIndex
from handlers.fund_lookup import FundIndex
from tests.fund_qa_core.funds import SYNTHETIC_FUNDS


@pytest.fixture(scope="session")
def fund_index() -> FundIndex:
    return FundIndex(SYNTHETIC_FUNDS)


@pytest.fixture(scope="session")
def faq_index() -> FaqIndex:
    return FaqIndex.from_file()
