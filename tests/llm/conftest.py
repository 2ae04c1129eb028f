from __future__ import annotations

import pytest

from acon.llm.client import LLMClient
from acon.llm.config import RoleConfig
from acon.llm.pricing import PriceTable
from acon.llm.usage import UsageLedger

PRICES = PriceTable({"gpt-4.1": {"input": 2.0, "cached_input": 0.5, "output": 8.0}})


@pytest.fixture
def make_client(tmp_path):
    """A client for a scripted endpoint: make_client(fake, cache=True, **role_fields)."""

    def make(fake, *, cache=None, role="agent", ledger=None, **fields):
        config = RoleConfig(
            base_url=fake.base_url,
            model=fields.pop("model", "gpt-4.1"),
            **{"max_retries": 3, **fields},
        )
        return LLMClient(role, config, ledger=ledger or UsageLedger(), prices=PRICES, cache=cache)

    return make
