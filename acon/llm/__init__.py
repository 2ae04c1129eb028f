"""The accounted LLM layer every role uses."""

from acon.llm.client import ChatResult, LLMCallError, LLMClient
from acon.llm.config import ROLES, RoleConfig
from acon.llm.session import LLMSession
from acon.llm.usage import RoleUsage, Usage, UsageLedger

__all__ = [
    "ROLES",
    "ChatResult",
    "LLMCallError",
    "LLMClient",
    "LLMSession",
    "RoleConfig",
    "RoleUsage",
    "Usage",
    "UsageLedger",
]
