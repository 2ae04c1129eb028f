"""AppWorld (Trivedi et al., 2024): an agent codes against nine apps' APIs to do a
supervisor's task; scored by the task's own database tests. See README.md."""

from environments.appworld.env import AppWorldEnv
from environments.appworld.metrics import goal_completion

__all__ = ["AppWorldEnv", "goal_completion"]
