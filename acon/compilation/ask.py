"""One call of one of acon-compile's signatures on a role, with what it cost.

The reply is schema-constrained: the request carries a strict `json_schema` response
format built from the signature's output fields (every object closed, every key required:
OpenAI's strict rules, which llama.cpp and vLLM also decode by), and DSPy's JSONAdapter
reads it (acon.llm.dspy_bridge.predict). A reply DSPy cannot parse gives no prediction
but keeps its raw text; an endpoint that fails raises (LLMCallError), which is an outage,
never a verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

import dspy
import pydantic

from acon.llm.client import LLMClient
from acon.llm.dspy_bridge import predict


@dataclass
class Asked:
    prediction: Any  # a dspy.Prediction, or None when the reply did not parse
    raw: str  # the last reply's text
    cost_usd: float
    seconds: float  # the model's time (a cached reply keeps the live call's)


def reply_format(signature: type[dspy.Signature]) -> dict[str, Any]:
    """A strict `json_schema` response format for the signature's output fields."""
    fields = {name: (f.annotation, ...) for name, f in signature.output_fields.items()}
    model = pydantic.create_model(signature.__name__, **cast(Any, fields))
    schema = _strict(model.model_json_schema())
    return {
        "type": "json_schema",
        "json_schema": {"name": signature.__name__, "schema": schema, "strict": True},
    }


def _strict(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _strict(v) for k, v in node.items() if k != "title"}
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
            node["required"] = list(node["properties"])
        return node
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def ask(
    client: LLMClient, signature: type[dspy.Signature], sample: int = 0, **inputs: Any
) -> Asked:
    done = predict(
        client,
        signature,
        sample=sample,
        adapter=dspy.JSONAdapter(),
        params={"response_format": reply_format(signature)},
        **inputs,
    )
    replies = done.replies
    return Asked(
        done.prediction,
        replies[-1].text if replies else "",
        sum(r.cost_usd for r in replies),
        sum(r.latency_s for r in replies),
    )


def answer_of(asked: Asked) -> str:
    """An AnswerFromContext reply's answer; "" for none, unparsed or "unknown"."""
    answer = "" if asked.prediction is None else str(asked.prediction.answer or "")
    return "" if re.fullmatch(r"\W*unknown\W*", answer, re.IGNORECASE) else answer
