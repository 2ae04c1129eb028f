"""`env=officebench`: OfficeBench's settings (environments/officebench/README.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from acon.config.schemas import check_choice, check_positive, schema
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
# Subtasks that can only be read through OCR (an image or a scanned PDF in the testbed):
# exclude (the paper's rule, the default), if_tesseract (kept where tesseract-ocr is
# installed, skipped with a warning elsewhere) or include (kept; without tesseract they fail).
OCR_TASKS = ("exclude", "if_tesseract", "include")


@schema("env", "officebench")
@dataclass
class OfficeBenchConfig(EnvConfig):
    _target_: str = "environments.officebench.env.OfficeBenchEnv"
    data_dir: str = field(default="${paths.data_dir}/officebench", metadata=DATA)
    prompt: str = DEFAULT_PROMPT  # the task prompt, after the agent's system prompt
    # The paper excludes OCR tasks; the shipped train/test split files hold none, so this
    # changes only split=all (300 subtasks, 238 without OCR). See OCR_TASKS.
    ocr_tasks: str = "exclude"
    shell_timeout_s: float = 20.0
    shell_isolate_network: bool = True  # `unshare -rn` where the kernel allows it
    max_observation_chars: int = 20000  # raw cap; observation compression works below it
    # where per-subtask copies go; null: the system's temp folder
    workspace_parent: str | None = field(default=None, metadata=OPERATIONAL)

    def __post_init__(self) -> None:
        check_choice("ocr_tasks", self.ocr_tasks, OCR_TASKS)
        check_positive("shell_timeout_s", self.shell_timeout_s)
        check_positive("max_observation_chars", self.max_observation_chars)
