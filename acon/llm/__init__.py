"""The accounted LLM layer every role uses.

`LLMSession` gives each role (agent, compressor, optimizer, judge) an `LLMClient`; DSPy
programs run on the same clients (`dspy_bridge.dspy_lm`). Which request fields each
endpoint and model accept is decided in one place, `acon.llm.endpoint`; a call that fails
for good raises `LLMCallError` with a `kind` and a one-sentence fix.
"""

from acon.llm.client import ChatResult, LLMCallError, LLMClient
from acon.llm.config import ROLES, RoleConfig
from acon.llm.session import LLMSession, ModelSettings
from acon.llm.usage import RoleUsage, Usage, UsageLedger

__all__ = [
    "ROLES",
    "ChatResult",
    "LLMCallError",
    "LLMClient",
    "LLMSession",
    "ModelSettings",
    "RoleConfig",
    "RoleUsage",
    "Usage",
    "UsageLedger",
]
