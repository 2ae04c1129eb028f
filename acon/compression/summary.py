"""LLM compression following a guideline: `guideline` (a shipped guideline, by default the
paper's Prompting prompt, or an optimizer's: Acon); `prompting` is the same strategy with
the shipped `prompting` guideline named, the paper's Prompting baseline (Section 4.1,
baseline 5), which is also where the optimization starts.

A `GuidelineCompressor` sends the compressor role the guideline as its system prompt and a
frame (`frames/<kind>.md`) holding the task and the text to compress, and asks for JSON
(reasoning, then the compressed text) under a strict schema, so even small local models
answer in a parseable shape. The strategies below use it inside the harness; `acon.export`
hands it to other agents. History summaries either accumulate (the previous summary plus
the newly old turns) or are rebuilt from all raw turns each time (`mode`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from acon.compression.base import (
    Compacted,
    CompressedObservation,
    CompressionError,
    HistoryState,
    HistoryStrategy,
    ObservationStrategy,
    SizedHistory,
    SizedObservation,
    StrategyConfig,
    Turn,
)
from acon.config.schemas import check_choice, check_positive, schema
from acon.errors import AconError
from acon.guidelines import Guideline, GuidelineRef
from acon.guidelines.store import resolve
from acon.llm.client import ChatClient, ChatResult
from acon.services import Services
from acon.tokens import count_text

FRAMES = Path(__file__).resolve().parent / "frames"
MODES = ("accumulate", "rebuild")
OUTPUT_FIELD = {"history": "summary", "observation": "observation"}
# A reply must close its JSON inside its token limit, or it parses as nothing and the
# context stays whole: the schema bounds each string to fit (llama.cpp and vLLM enforce
# the bounds, acon.llm.endpoint takes them out for endpoints that refuse them). 3
# characters a token is cautious for English; the reasoning gets a fifth of the budget.
CHARS_PER_TOKEN = 3
JSON_OVERHEAD_TOKENS = 16


def frame_text(kind: str) -> str:
    """The user message around the text to compress (`$task`, `$summary`, `$history`;
    `$action`, `$observation`), as a Python string.Template."""
    return (FRAMES / f"{kind}.md").read_text(encoding="utf-8")


def _schema(name: str, max_tokens: int | None = None) -> dict[str, Any]:
    reasoning: dict[str, Any] = {"type": "string"}
    text: dict[str, Any] = {"type": "string"}
    if max_tokens:
        chars = max(40, (int(max_tokens) - JSON_OVERHEAD_TOKENS) * CHARS_PER_TOKEN)
        reasoning["maxLength"], text["maxLength"] = chars // 5, chars - chars // 5
    return {
        "type": "json_schema",
        "json_schema": {
            "name": f"compressed_{name}",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"reasoning": reasoning, name: text},
                "required": ["reasoning", name],
                "additionalProperties": False,
            },
        },
    }


class GuidelineCompressor:
    """A compressor LLM that follows one guideline. `client` is any chat client with
    `chat(messages, **params) -> ChatResult` (an `acon.llm.LLMClient`)."""

    def __init__(self, guideline: Guideline, client: ChatClient, max_tokens: int | None = None):
        self.guideline = guideline
        self.client = client
        self.max_tokens = max_tokens
        self.output = OUTPUT_FIELD[guideline.kind]
        self.frame = Template(frame_text(guideline.kind))

    def summarize(
        self, task: str, summary: str | None, turns: list[Turn]
    ) -> tuple[str, ChatResult]:
        """The new summary of `summary` plus `turns` (history guidelines)."""
        return self._ask(
            self.frame.substitute(
                task=task,
                summary=summary or "(none yet)",
                history="\n\n".join(turn.text() for turn in turns),
            )
        )

    def refine(self, observation: str, task: str, action: str) -> tuple[str, ChatResult]:
        """The refined observation (observation guidelines)."""
        return self._ask(self.frame.substitute(task=task, action=action, observation=observation))

    def _ask(self, frame: str) -> tuple[str, ChatResult]:
        messages = [
            {"role": "system", "content": self.guideline.text},
            {"role": "user", "content": frame},
        ]
        params: dict[str, Any] = {"response_format": _schema(self.output, self.max_tokens)}
        if self.max_tokens:
            params["max_tokens"] = int(self.max_tokens)
        result: ChatResult = self.client.chat(messages, **params)
        try:
            text = str(result.json()[self.output]).strip()
        except (ValueError, KeyError, TypeError) as exc:
            cut = " (cut at max_tokens)" if result.finish_reason == "length" else ""
            raise CompressionError(
                f"unparseable compressor reply{cut}: {result.text[:200]!r}"
            ) from exc
        if not text:
            raise CompressionError("the compressor returned an empty text")
        return text, result


@dataclass
class SummaryConfig(StrategyConfig):
    guideline: GuidelineRef = field(default_factory=GuidelineRef)
    max_tokens: int | None = None  # per compressor reply; null: the compressor role's

    def llm_roles(self) -> tuple[str, ...]:
        return ("compressor",)

    def __post_init__(self) -> None:
        check_positive("max_tokens", self.max_tokens)

    def prompt_tokens(self, kind: str) -> int:
        """The compressor's prompt around the text it compresses: guideline and frame."""
        return count_text(resolve(kind, self.guideline).text) + count_text(frame_text(kind)) + 10

    def simulate_observation(self, observation: SizedObservation) -> float:
        o = observation
        for role in self.llm_roles()[:1]:  # offload's `head` gist calls no model
            o.calls.append(
                (role, self.prompt_tokens("observation") + o.task + o.action + o.tokens, o.reply)
            )
        return min(o.tokens, o.reply)  # the compressed text, or the handle and gist


@schema("compression/history", "guideline")
@dataclass
class GuidelineHistoryConfig(SummaryConfig):
    _target_: str | None = "acon.compression.summary.GuidelineHistory"
    mode: str = "accumulate"  # accumulate: previous summary + newly old turns; rebuild: all

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("mode", self.mode, MODES)

    def simulate(self, history: SizedHistory) -> None:
        """The turns before the last `keep_last` (and the summary so far) summarized into
        one reply (`rebuild` mode re-reads the raw turns: sized here as `accumulate`)."""
        h = history
        old, kept = h.split(h.keep_last)
        if not old:
            return  # only the turns kept raw: the strategy skips, nothing is called
        prompt = self.prompt_tokens("history") + h.task + h.summary + sum(old)
        h.calls.append((self.llm_roles()[0], prompt, h.reply))
        h.summary, h.turns = h.reply + 8, kept  # + the summary message's framing


# The Prompting baseline is the guideline strategy with the shipped `prompting` guideline:
# one strategy, so its rows and the optimization's start are the same thing.
@schema("compression/history", "prompting")
@dataclass
class PromptingHistoryConfig(GuidelineHistoryConfig):
    guideline: GuidelineRef = field(default_factory=lambda: GuidelineRef(name="prompting"))


@schema("compression/observation", "guideline")
@dataclass
class GuidelineObservationConfig(SummaryConfig):
    _target_: str | None = "acon.compression.summary.GuidelineObservation"


@schema("compression/observation", "prompting")
@dataclass
class PromptingObservationConfig(GuidelineObservationConfig):
    guideline: GuidelineRef = field(default_factory=lambda: GuidelineRef(name="prompting"))


def guideline_compressor(
    kind: str, config: SummaryConfig, services: Services, role: str = "compressor"
) -> GuidelineCompressor:
    """The strategy's guideline, followed by `role`'s model (memento: the agent's)."""
    if services.llms is None:
        raise AconError(
            "A summary strategy needs the run's LLM session: build it with Services(llms=...)."
        )
    guideline = resolve(kind, config.guideline)
    client = services.llms.client(role)
    # the role's own limit bounds the reply's strings when the strategy sets none
    role_limit = getattr(getattr(client, "config", None), "max_tokens", None)
    return GuidelineCompressor(guideline, client, config.max_tokens or role_limit)


# The rows a guideline's compression makes (labelled by its guideline, acon.compression.labels):
# the paper's Prompting baseline and the one-line prompt among the baselines, an optimized
# guideline (Acon's, then another optimizer's) last; another guideline ("Guideline
# (<name>)") at the strategy's rank.
# the rows of the shipped guidelines; an optimized one's row is its optimizer method's
# (`label` and `rank` on the method, acon.optimize.methods)
GUIDELINE_ROW_RANKS = {"Prompting": 60, "One-line prompt": 61}


class GuidelineHistory(HistoryStrategy):
    # the row's label comes from its guideline (acon.compression.labels): Prompting, Acon, ...
    name, label, rank = "guideline", "Guideline", 90
    row_ranks = GUIDELINE_ROW_RANKS
    config: GuidelineHistoryConfig

    def __init__(self, config: GuidelineHistoryConfig, services: Services | None = None):
        super().__init__(config, services)
        self.compressor = guideline_compressor("history", config, self.services)
        self.guideline = self.compressor.guideline

    def compact(self, state: HistoryState) -> Compacted:
        recent = state.turns[len(state.turns) - state.keep_last :] if state.keep_last else []
        if self.config.mode == "rebuild":
            prior, older = None, state.all_turns[: len(state.all_turns) - len(recent)]
        else:
            prior, older = state.summary, state.turns[: len(state.turns) - len(recent)]
        if not older:
            return Compacted(summary=state.summary, turns=state.turns, detail={"skipped": True})
        summary, call = self.compressor.summarize(state.task, prior, older)
        return Compacted(
            summary=summary,
            turns=list(recent),
            call=call,
            detail={"compressed_turns": [t.index for t in older], "mode": self.config.mode},
        )


class GuidelineObservation(ObservationStrategy):
    name, label, rank = "guideline", "Guideline", 90
    row_ranks = GUIDELINE_ROW_RANKS
    config: GuidelineObservationConfig

    def __init__(self, config: GuidelineObservationConfig, services: Services | None = None):
        super().__init__(config, services)
        self.compressor = guideline_compressor("observation", config, self.services)
        self.guideline = self.compressor.guideline

    def compress(self, observation: str, task: str, last_action: str) -> CompressedObservation:
        text, call = self.compressor.refine(observation, task, last_action)
        return CompressedObservation(text=text, call=call)
