"""`offload`: a large observation leaves the context for the task's artifact store.

After the asynchronous context compactors of agent frameworks: a payload above the
observation threshold (a tool output, search results, a file) is stored whole, and the
context keeps a short handle and a one-line gist (acon.agent.artifacts); the agent reads
any part back with `read_artifact`. The findings the task needs join the context's FactSet,
a block of findings that stays for the rest of the task.

Gist and findings come from the compressor role following the `offload` guideline (an
observation guideline like any other, so the optimizer can rewrite it): its reply's first
line is the gist, each line starting with "- " a finding. `gist: head` writes no findings
and calls no model: the gist is the payload's first line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from acon.compression.base import CompressedObservation, ObservationStrategy
from acon.compression.summary import SummaryConfig, guideline_compressor
from acon.config.schemas import check_choice, check_positive, schema
from acon.guidelines import GuidelineRef
from acon.services import Services

GISTS = ("model", "head")
HEAD_CHARS = 160
FACT_MARKS = ("- ", "* ", "• ")


@schema("compression/observation", "offload")
@dataclass
class OffloadConfig(SummaryConfig):
    _target_: str | None = "acon.compression.offload.Offload"
    guideline: GuidelineRef = field(default_factory=lambda: GuidelineRef(name="offload"))
    gist: str = "model"  # model: the compressor writes gist and findings; head: first line
    read_max_tokens: int = 800  # the most one read_artifact answer returns (cl100k)

    def llm_roles(self) -> tuple[str, ...]:
        return ("compressor",) if self.gist == "model" else ()

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("gist", self.gist, GISTS)
        check_positive("read_max_tokens", self.read_max_tokens)


class Offload(ObservationStrategy):
    name, label, rank = "offload", "Offload", 80
    offloads: ClassVar[bool] = True
    config: OffloadConfig

    def __init__(self, config: OffloadConfig, services: Services | None = None):
        super().__init__(config, services)
        self.compressor = None
        if config.gist == "model":
            self.compressor = guideline_compressor("observation", config, self.services)
            self.guideline = self.compressor.guideline

    def compress(self, observation: str, task: str, last_action: str) -> CompressedObservation:
        if self.compressor is None:
            return CompressedObservation(text=first_line(observation), offloaded=True)
        text, call = self.compressor.refine(observation, task, last_action)
        gist, facts = gist_and_facts(text)
        return CompressedObservation(text=gist, call=call, facts=facts, offloaded=True)


def first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= HEAD_CHARS else line[:HEAD_CHARS] + " ..."


def gist_and_facts(reply: str) -> tuple[str, tuple[str, ...]]:
    """The gist (the reply's first line that is not a finding) and the findings."""
    gist, facts = "", []
    for line in (ln.strip() for ln in reply.splitlines()):
        if line.startswith(FACT_MARKS):
            fact = line[2:].strip()
            if fact and fact not in facts:
                facts.append(fact)
        elif line and not gist:
            gist = line
    return gist or "(no gist)", tuple(facts)
