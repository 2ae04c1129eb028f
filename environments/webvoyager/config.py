"""`env=webvoyager` and `env=webvoyager_local`: WebVoyager's settings
(environments/webvoyager/README.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from acon.config.schemas import check_choice, check_positive, schema
from acon.environment import DATA, OPERATIONAL, EnvConfig

SOURCES = ("webvoyager", "gaia", "local")
DEFAULT_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class BrowserConfig:
    # Debian's Chromium (`make setup`); never `playwright install`
    executable_path: str = field(default="/usr/bin/chromium", metadata=OPERATIONAL)
    headless: bool = True
    args: list[str] = field(default_factory=lambda: list(DEFAULT_ARGS))
    viewport_width: int = 1280
    viewport_height: int = 1080
    action_timeout_ms: int = 5000
    navigation_timeout_ms: int = 30000
    settle_ms: int = 1500  # after an action, wait this long at most for the page to settle
    max_obs_chars: int = 6000  # the page text the agent sees per observation (~1.5k tokens)


@dataclass
class JudgeConfig:
    """The LLM judge of live tasks (the paper's scoring)."""

    role: str = "judge"  # the LLM layer's role (llm.judge overrides llm.common)
    template: str | None = None  # null: environments/webvoyager/judge.md
    page_chars: int = 8000  # final-page text shown to the judge
    screenshot: bool = False  # also attach the final screenshot (needs a vision model)


@schema("env", "webvoyager")
@dataclass
class WebVoyagerConfig(EnvConfig):
    _target_: str = "environments.webvoyager.env.WebVoyagerEnv"
    task_source: str = "webvoyager"  # or gaia (GAIA's 90 web tasks), local (offline sites)
    data_dir: str | None = field(default="${paths.data_dir}/webvoyager/data", metadata=DATA)
    sites: list[str] | None = None  # site names (e.g. [Allrecipes, ArXiv]) for a subset
    # No official split: `train` is a seeded sample of this many tasks per site, `test` the
    # rest, `all` every task.
    train_per_site: int = 5
    split_seed: int = 0
    sites_dir: str | None = field(default=None, metadata=DATA)  # local: null is the shipped
    browser: BrowserConfig = field(default_factory=BrowserConfig)
    judge: JudgeConfig = field(default_factory=JudgeConfig)

    def __post_init__(self) -> None:
        check_choice("task_source", self.task_source, SOURCES)
        check_positive("train_per_site", self.train_per_site, zero=True)

    def scoring_roles(self) -> tuple[str, ...]:
        return () if self.task_source == "local" else (self.judge.role,)
