from __future__ import annotations

import logging

from acon.composition import compose
from acon.secrets import (
    MASK,
    RedactingFilter,
    redact,
    redact_mapping,
    scrub_files,
    secret_values,
)

KEY = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def test_secret_values_come_from_the_configured_environment_variables(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert secret_values(compose(["llm=openai"]).llm) == {KEY}
    assert secret_values(compose(["llm=local"]).llm) == set()


def test_redact_masks_known_values_and_key_shaped_strings():
    assert redact(f"key={KEY}") == f"key={MASK}"
    assert redact("token abc123secretvalue", {"abc123secretvalue"}) == f"token {MASK}"
    assert redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz") == f"Authorization: {MASK}"
    assert redact("max_tokens=512 nothing secret") == "max_tokens=512 nothing secret"


def test_redact_mapping_masks_secret_fields_but_not_token_counts():
    data = {
        "api_key": "hunter2",
        "llm": {"max_tokens": 10, "api_key_env": "OPENAI_API_KEY"},
        "note": [f"uses {KEY}"],
    }
    assert redact_mapping(data) == {
        "api_key": MASK,
        "llm": {"max_tokens": 10, "api_key_env": "OPENAI_API_KEY"},
        "note": [f"uses {MASK}"],
    }


def test_log_records_are_masked_including_arguments_and_tracebacks():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(RedactingFilter({"my-secret-value"}))
    logger = logging.getLogger("acon.test.secrets")
    logger.addHandler(handler)
    try:
        logger.warning("calling with %s", "my-secret-value")
        try:
            raise RuntimeError(f"bad key {KEY}")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(records)
    assert "my-secret-value" not in text and KEY not in text
    assert text.count(MASK) >= 2


def test_scrub_files_rewrites_saved_configs(tmp_path):
    (tmp_path / "overrides.yaml").write_text(f"- llm.common.api_key_env={KEY}\n")
    (tmp_path / "config.yaml").write_text("model: gpt-4.1\n")
    scrub_files(tmp_path, {KEY})
    assert KEY not in (tmp_path / "overrides.yaml").read_text()
    assert (tmp_path / "config.yaml").read_text() == "model: gpt-4.1\n"
