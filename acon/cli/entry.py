"""What every entry point does around its verb: the config composed and checked (a bad
override is one sentence and exit code 2, before a run folder exists), secrets masked,
user-fixable errors in one sentence (exit 2), errored tasks reported (exit 1), SIGTERM
treated like Ctrl-C (so servers are stopped), the run folder known and held by this
process alone (a lock; a verb's `guard` checks it may write there before anything is
written), a folder or file that cannot be written one sentence (exit 2); for a verb that calls
models, its cost estimate first (`dry_run=true`: only that) and beside what it spent at
the end (acon.estimate); the console kept to the harness's own lines unless `-v`
(acon.progress)."""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig

from acon import progress
from acon.cli import usage
from acon.composition import register_schemas, validate
from acon.config.explain import explain
from acon.errors import AconError, IncompleteRun
from acon.paths import CONF_DIR
from acon.run_folder import RunFolder
from acon.secrets import install_log_redaction, scrub_files, secret_values

log = logging.getLogger("acon")
Verb = Callable[[Any, RunFolder], Any]
Guard = Callable[[Any, RunFolder], None]  # raises AconError when the verb must not run there
# What a user fixes by choosing another place: the rest of OSError stays a traceback (a bug)
UNWRITABLE = (
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOTDIR,
    errno.ENOENT,
    errno.EISDIR,
    errno.ENOSPC,
    errno.EDQUOT,
)


def run_folder() -> RunFolder:
    """This job's output folder (`runs/<date>/<time>`, or its sweep subfolder)."""
    return RunFolder(HydraConfig.get().runtime.output_dir)


def picks_its_own_tasks(*settings: str) -> Guard:
    """The guard of a verb whose rollouts take their tasks from its own `settings`:
    `rollout.limit` and `rollout.task_ids` select acon-rollout's tasks, so set here they
    would be silently replaced; they are refused instead."""

    def guard(cfg: Any, folder: RunFolder) -> None:
        if cfg.rollout.get("limit") is not None or cfg.rollout.get("task_ids"):
            raise AconError(
                "rollout.limit and rollout.task_ids choose acon-rollout's tasks; this command "
                f"takes its tasks from {' and '.join(settings)}: set those instead."
            )

    return guard


# Settings under hydra.* that cannot make a run a sweep (where it writes, how it logs)
_NOT_THE_MODE = ("hydra.run.", "hydra.job.", "hydra.output_subdir", "hydra.verbose")


def single_run(overrides: list[str]) -> bool:
    """Whether these command-line arguments can only be a single run. Only a preset
    (`+experiment=...`: the sweeping ones set `hydra.mode: MULTIRUN`), a hydra.* setting, a
    flag (`-m`, another config) or a config group of Hydra's own can make a sweep; without
    one the mode is config.yaml's, RUN."""
    for arg in overrides:
        if arg.startswith("-") or "=" not in arg:
            return False
        key = arg.split("=", 1)[0].lstrip("+~")
        if key == "experiment" or (key.startswith("hydra") and not key.startswith(_NOT_THE_MODE)):
            return False
    return True


def _mode_without_composing() -> None:
    """Hydra composes the whole config once only to read `hydra.mode` (0.6 s of every
    command's start), then again to run: a single run skips the first."""
    from hydra._internal.hydra import Hydra
    from hydra.types import RunMode

    composed = Hydra.get_mode
    if getattr(composed, "single_run_aware", False):
        return

    def get_mode(self: Any, config_name: Any, overrides: list[str]) -> Any:
        return RunMode.RUN if single_run(overrides) else composed(self, config_name, overrides)

    get_mode.single_run_aware = True  # type: ignore[attr-defined]
    Hydra.get_mode = get_mode  # type: ignore[method-assign]


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def estimated(cfg: Any, folder: RunFolder, verb: str | None) -> dict[str, Any] | None:
    """The job's estimate, written to the run folder; printed, and the job's only output,
    with `dry_run=true`. Outside a dry run an estimate that cannot be made only warns."""
    if verb is None:
        if cfg.dry_run:
            raise AconError("This command has no dry run: drop dry_run=true.")
        return None
    from acon.estimate.compare import estimate_table, markdown
    from acon.estimate.plan import estimate

    try:
        planned = estimate(cfg, verb).to_dict()
    except AconError as exc:
        if cfg.dry_run:
            raise
        log.warning("No cost estimate for this run (%s)", exc)
        return None
    folder.write_estimate(planned)
    if cfg.dry_run:
        stages = ", ".join(f"{n:g} {stage}" for stage, n in planned["stages"].items())
        print(f"Estimate for acon-{verb} (no model was called): task rollouts: {stages}.")
        print(f"Per-task figures {planned['profile_source']}: {planned['profile']}")
        if planned.get("caps") is not None:
            caps = ", ".join(f"{k}={v}" for k, v in planned["caps"].items())
            print(
                f"Budget caps: {caps} (the paper's protocol has none)"
                if caps
                else "Budget caps: none (the paper's protocol: feedback and selection on every "
                "task of each step's set)"
            )
        print()
        print(markdown(estimate_table(planned)))
        print(
            f"\nWritten to {folder.path / 'estimate.json'}; a real run adds estimate_vs_actual.md."
        )
    return planned


def compare_estimate(folder: RunFolder) -> None:
    """After a run: its estimate beside what it spent (`estimate_vs_actual.md`)."""
    planned = folder.estimate()
    if planned is None:
        return
    from acon.estimate.compare import markdown, side_by_side
    from acon.tracking.usage import usage_by_role

    table = markdown(side_by_side(planned, usage_by_role(*folder.call_logs())))
    path = folder.write_estimate_vs_actual(table)
    print(f"\nEstimate vs actual ({path}):\n{table}")


def unwritable(exc: BaseException) -> str | None:
    """One sentence for a run folder or file that cannot be made or written, else None."""
    if not isinstance(exc, OSError) or exc.errno not in UNWRITABLE or not exc.filename:
        return None
    where = Path(os.fsdecode(exc.filename))
    return (
        f"Could not write {where} ({exc.strerror}): choose a writable run folder "
        f"(hydra.run.dir=...) or fix that path's permissions."
    )


def run_verb(verb: Verb, cfg: Any, plan: str | None = None, guard: Guard | None = None) -> Any:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # the report reads each run's tables back from the store: a progress bar per artifact
    # download is noise beside the harness's own progress
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # should anything load LiteLLM (DSPy's fallback engine, GEPA's adapters), its bundled
    # model-cost map, not seconds of retries fetching it offline (we price calls ourselves)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # one line per HTTP request would drown the progress; the log file keeps them (`-v`: all)
    progress.quiet_console()
    folder = run_folder()
    try:
        secrets = secret_values(cfg.llm)
        install_log_redaction(secrets)
        scrub_files(folder.hydra_dir, secrets)
        with folder.lock():  # one writer per run folder
            validate(cfg)  # a sweep's jobs are composed after the sweep's check
            if guard is not None:
                guard(cfg, folder)
            planned = estimated(cfg, folder, plan)
            if cfg.dry_run:
                return planned
            signal.signal(signal.SIGTERM, _raise_interrupt)
            result = verb(cfg, folder)
            compare_estimate(folder)
            return result
    except OSError as exc:
        if (message := unwritable(exc)) is None:
            raise
        log.error("%s", message)
        sys.exit(2)
    except AconError as exc:
        log.error("%s", exc)
        sys.exit(2)
    except IncompleteRun as exc:
        compare_estimate(folder)
        log.error("%s", exc)
        sys.exit(1)
    except KeyboardInterrupt:
        log.warning("Interrupted; what was written is kept in %s", folder.path)
        sys.exit(130)


def entry(verb: Verb, plan: str | None = None, guard: Guard | None = None) -> Callable[[], Any]:
    """`verb` as a command: a Hydra app over conf/config.yaml (overrides, `-m` sweeps,
    `hydra.run.dir=` to resume) whose configuration errors are one sentence. `plan`: the
    acon.estimate plan of a verb that calls models (`dry_run=true` prints it); `guard`:
    its check that it may write into the run folder, before anything is written there."""
    register_schemas()

    def task(cfg: Any) -> Any:
        return run_verb(verb, cfg, plan, guard)

    task.__qualname__ = task.__name__ = f"{verb.__name__}_task"
    app = hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")(task)

    def main() -> Any:
        if usage.asked(sys.argv):  # `python -m acon.cli.<verb> --help` as the command's
            spec = sys.modules[verb.__module__].__spec__
            usage.show((spec.name if spec else verb.__module__).rpartition(".")[2])
        os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra's errors come back here, to be explained
        if verbose := {"-v", "--verbose"} & set(sys.argv[1:]):  # ours, not Hydra's
            sys.argv = [a for a in sys.argv if a not in verbose]
            os.environ[progress.VERBOSE_ENV] = "1"
        _mode_without_composing()
        try:
            return app()
        except Exception as exc:
            # Hydra makes the run folder before the verb: a path it cannot make ends here
            message = explain(exc) or unwritable(exc)
            if message is None:
                raise
            print(f"Error: {message}", file=sys.stderr)
            sys.exit(2)

    return main
