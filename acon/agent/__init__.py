"""The ReAct agent and its context (where compression is triggered)."""

from acon.agent.config import AgentConfig, ContextConfig
from acon.agent.context import AgentContext
from acon.agent.react import failure_of, run_task

__all__ = ["AgentConfig", "AgentContext", "ContextConfig", "failure_of", "run_task"]
