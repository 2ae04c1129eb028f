"""The LLM judge for live WebVoyager tasks, as the paper scores them: did the agent
accomplish the task, given its answer and the final page? Here the judge also sees the
annotators' reference answer. The prompt is the template `judge.md`; the verdict is JSON
under a schema, and the score is 1 for success, 0 otherwise. A judge that cannot be
reached, or whose reply holds no verdict, raises: the task is errored, not failed.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from acon.errors import AconError
from acon.llm.client import ChatClient

TEMPLATE = Path(__file__).resolve().parent / "judge.md"
VERDICT_SCHEMA: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "verdict",
        "schema": {
            "type": "object",
            "properties": {"reasoning": {"type": "string"}, "success": {"type": "boolean"}},
            "required": ["reasoning", "success"],
        },
    },
}
_FENCE = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)


class JudgeError(AconError):
    """The judge's reply held no verdict: the task cannot be scored."""


@dataclass(frozen=True)
class Verdict:
    success: bool
    reasoning: str
    raw: str = ""
    error: str | None = None  # set when no verdict could be had (then success is False)
    details: dict[str, Any] = field(default_factory=dict)


def render_prompt(
    task: str,
    website: str,
    answer: str,
    reference: str,
    reference_type: str,
    page: str,
    notice: str = "",
    template_path: Path = TEMPLATE,
) -> str:
    template = Template(template_path.read_text(encoding="utf-8"))
    return template.substitute(
        task=task,
        website=website,
        answer=answer or "(no answer)",
        reference=reference,
        reference_type=reference_type,
        notice=f"\n(Annotators' note: {notice})" if notice else "",
        page=page,
    ).strip()


def parse_verdict(text: str) -> Verdict:
    """The verdict in a reply: the JSON object, else the paper's SUCCESS / NOT SUCCESS words."""
    fenced = _FENCE.search(text)
    try:
        data = json.loads(fenced.group(1) if fenced else text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("success"), bool):
        return Verdict(data["success"], str(data.get("reasoning", "")), raw=text)
    if isinstance(data, dict) and str(data.get("success", "")).lower() in ("true", "false"):
        return Verdict(str(data["success"]).lower() == "true", str(data.get("reasoning", "")), text)
    words = re.findall(r"\b(NOT SUCCESS|SUCCESS)\b", text)
    if words:
        return Verdict(words[-1] == "SUCCESS", text.strip(), raw=text)
    return Verdict(False, "", raw=text, error="the judge's reply holds no verdict")


class Judge:
    def __init__(self, client: ChatClient, template_path: str | Path | None = None):
        self.client = client
        self.template_path = Path(template_path) if template_path else TEMPLATE

    def __call__(
        self,
        *,
        task: str,
        website: str,
        answer: str,
        reference: str,
        reference_type: str,
        page: str,
        notice: str = "",
        screenshot: bytes | None = None,
    ) -> Verdict:
        prompt = render_prompt(
            task, website, answer, reference, reference_type, page, notice, self.template_path
        )
        content: Any = prompt
        if screenshot:
            image = base64.b64encode(screenshot).decode("ascii")
            content = [
                {"type": "text", "text": prompt},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image}"}},
            ]
        # A failed call raises (LLMCallError): the task is errored, never scored 0.
        reply = self.client.chat(
            [{"role": "user", "content": content}], response_format=VERDICT_SCHEMA
        )
        verdict = parse_verdict(reply.text)
        if verdict.error:
            raise JudgeError(
                f"The judge ({reply.model}) gave no verdict ({reply.text[:160]!r}): the task "
                f"is errored; use a judge model that follows the format (llm.judge.model)."
            )
        return Verdict(
            verdict.success,
            verdict.reasoning,
            verdict.raw,
            verdict.error,
            {"judge_model": reply.model, "judge_cost_usd": reply.cost_usd},
        )
