"""`acon-check`: a short end-to-end check of the LLM layer on the configured endpoints.

For each role: a plain chat completion and a JSON-schema constrained one; then a DSPy
program through the same layer. Prints per-role usage and writes it to the run folder.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import dspy
import pandas as pd

from acon.cli.entry import entry
from acon.llm import LLMSession, ModelSettings
from acon.llm.dspy_bridge import dspy_lm
from acon.run_folder import RunFolder

log = logging.getLogger("acon.check")

_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "country": {"type": "string"},
    },
    "required": ["city", "country"],
    "additionalProperties": False,
}


class CapitalOf(dspy.Signature):
    """Name the capital city of the country."""

    country: str = dspy.InputField()
    capital: str = dspy.OutputField()


def check(cfg: Any, folder: RunFolder) -> dict[str, Any]:
    with LLMSession(ModelSettings.of(cfg), folder.path) as llms:
        for role in cfg.check.roles:
            client = llms.client(role)
            log.info("%s: %s at %s", role, client.config.model, client.config.base_url)
            reply = client.chat([{"role": "user", "content": "Say hello in five words or fewer."}])
            log.info(
                "%s chat: %r (%d+%d tokens, %.2f s%s)",
                role,
                reply.text.strip(),
                reply.usage.prompt,
                reply.usage.completion,
                reply.latency_s,
                ", cached" if reply.cache_hit else "",
            )
            structured = client.chat(
                [
                    {
                        "role": "user",
                        "content": "Which city is the capital of France? Answer in JSON.",
                    }
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "capital", "schema": _SCHEMA, "strict": True},
                },
            )
            log.info("%s json: %s", role, json.dumps(structured.json()))
        with dspy.context(lm=dspy_lm(llms.client("optimizer"))):
            answer = dspy.Predict(CapitalOf)(country="Japan")
        log.info("optimizer via DSPy: capital of Japan -> %r", answer.capital)
        summary = llms.ledger.summary()
    folder.write_usage(summary)
    table = pd.DataFrame(summary).T[
        [
            "calls",
            "cache_hits",
            "prompt_tokens",
            "cached_prompt_tokens",
            "completion_tokens",
            "prompt_tokens_cl100k",
            "latency_s",
            "cost_usd",
        ]
    ]
    table = table.astype({c: int for c in table.columns if c not in ("latency_s", "cost_usd")})
    print("\nLLM usage per role:\n" + table.to_string(float_format=lambda v: f"{v:.4f}"))
    print(f"\nRun folder: {folder.path} (llm_calls.jsonl, usage.json, llama-server logs)")
    return summary


main = entry(check)


if __name__ == "__main__":
    main()
