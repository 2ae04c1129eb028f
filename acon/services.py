"""What a run hands the things it builds (environments, compression strategies, optimizer
methods, rollout backends): its LLM layer and its folder. Passed once, at build time
(`acon.config.build(node, services)`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from acon.llm.session import LLMSession
    from acon.run_folder import RunFolder


@dataclass
class Services:
    llms: LLMSession | None = None  # clients per role, the local servers they need
    run: RunFolder | None = None  # where logs, caches and records go
