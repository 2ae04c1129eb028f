"""`env=officebench`: OfficeBench's settings (environments/officebench/README.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from acon.config.schemas import check_positive, schema
from acon.environment import DATA, OPERATIONAL, EnvConfig

# OfficeBench's system message, with where the files are. Fields: date, weekday, time,
# username, task.
DEFAULT_PROMPT = (
    "Today is {date} ({weekday}). The current time is {time}. You are an AI assistant for "
    "user {username}.\nYou can find files for your task in `/testbed/data`, emails in "
    "`/testbed/emails/<user>/` and calendars in `/testbed/calendar/<user>.ics`. If you "
    "don't know the file names, list the directory with the shell tool.\n"
    "If the task asks a question, give the answer with finish.\n"
    "Task: {task}"
)


@schema("env", "officebench")
@dataclass
class OfficeBenchConfig(EnvConfig):
    _target_: str = "environments.officebench.env.OfficeBenchEnv"
    data_dir: str = field(default="${paths.data_dir}/officebench", metadata=DATA)
    prompt: str = DEFAULT_PROMPT  # the task prompt, after the agent's system prompt
    # Without tesseract-ocr, subtasks whose inputs are images or scanned PDFs are skipped
    # (with a warning naming them); false keeps them (they will fail).
    skip_ocr_without_tesseract: bool = True
    shell_timeout_s: float = 20.0
    shell_isolate_network: bool = True  # `unshare -rn` where the kernel allows it
    max_observation_chars: int = 20000  # raw cap; observation compression works below it
    # where per-subtask copies go; null: the system's temp folder
    workspace_parent: str | None = field(default=None, metadata=OPERATIONAL)

    def __post_init__(self) -> None:
        check_positive("shell_timeout_s", self.shell_timeout_s)
        check_positive("max_observation_chars", self.max_observation_chars)
