"""What every entry point does around its verb: secrets masked, errors in one sentence,
SIGTERM treated like Ctrl-C (so servers are stopped), the run folder known."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig

from acon.config import register_schemas
from acon.errors import AconError
from acon.paths import CONF_DIR
from acon.secrets import install_log_redaction, scrub_files, secret_values

log = logging.getLogger("acon")


def run_dir() -> Path:
    """This job's output folder (`runs/<date>/<time>`, or its sweep subfolder)."""
    return Path(HydraConfig.get().runtime.output_dir)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_verb(verb: Callable[[Any, Path], Any], cfg: Any) -> Any:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # One line per HTTP request drowns the progress lines; failures still surface.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    folder = run_dir()
    secrets = set()
    try:
        secrets = secret_values(cfg.llm)
        install_log_redaction(secrets)
        scrub_files(folder / ".hydra", secrets)
        signal.signal(signal.SIGTERM, _raise_interrupt)
        return verb(cfg, folder)
    except AconError as exc:
        log.error("%s", exc)
        sys.exit(2)
    except KeyboardInterrupt:
        log.warning("Interrupted; what was written is kept in %s", folder)
        sys.exit(130)


# The decorator every entry point uses: a Hydra app over conf/config.yaml. Each verb keeps
# a module-level `main` so that launchers (joblib, Ray) can pickle it by reference.
register_schemas()
hydra_app = hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
