"""`env=appworld`: AppWorld's settings (environments/appworld/README.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from acon.config.schemas import check_choice, check_positive, schema
from acon.environment import DATA, OPERATIONAL, EnvConfig

TASK_SOURCES = ("generated", "official")


@schema("env", "appworld")
@dataclass
class AppWorldConfig(EnvConfig):
    _target_: str = "environments.appworld.env.AppWorldEnv"
    # generated: a small task pack made through the real engine (offline); official: the
    # released tasks (`appworld download data`, then env.appworld_root=<its root>)
    task_source: str = "generated"
    python: str = field(default="${acon_project:}/.venv-appworld/bin/python", metadata=OPERATIONAL)
    appworld_root: str | None = field(default="${oc.env:APPWORLD_ROOT,null}", metadata=DATA)
    splits_dir: str | None = field(default="${paths.data_dir}/appworld", metadata=DATA)
    # generated: the pack's AppWorld root (made by the harness's own code, so the harness
    # version stands for its content)
    pack_dir: str = field(default="${paths.cache_dir}/appworld/pack", metadata=OPERATIONAL)
    servers: int = field(default=1, metadata=OPERATIONAL)  # engine servers (one world each)
    log_dir: str | None = field(default=None, metadata=OPERATIONAL)  # null: the run folder
    # AppWorld writes its outputs to <root>/experiments/outputs/<name>
    experiment_name: str = field(default="acon", metadata=OPERATIONAL)
    max_output_chars: int = 6000  # an execute's output longer than this keeps head and tail
    startup_timeout_s: float = field(default=180.0, metadata=OPERATIONAL)
    request_timeout_s: float = field(default=600.0, metadata=OPERATIONAL)
    engine_app: str | None = field(default=None, metadata=OPERATIONAL)  # tests: a stand-in

    def __post_init__(self) -> None:
        check_choice("task_source", self.task_source, TASK_SOURCES)
        check_positive("servers", self.servers)
