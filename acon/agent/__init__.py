"""The ReAct agent and its context (where compression is triggered)."""

from acon.agent.context import AgentContext, ContextConfig
from acon.agent.react import AgentConfig, run_task

__all__ = ["AgentConfig", "AgentContext", "ContextConfig", "run_task"]
