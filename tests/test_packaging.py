"""Installed from a wheel (not editable) into a fresh virtual environment, the commands work
from any directory: the configs come from inside the package, and runs, the MLflow store
and results go under the working directory, never into the source checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from acon.llm.fake_server import FakeOpenAI
from tests.support import REPO_ROOT, scripted_overrides
from tests.support.brain import brain


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel built from this checkout; its dependencies are this
    venv's (a path line in a .pth file: the editable install's finder, itself a .pth
    hook there, does not run), so `acon` can only come from the wheel."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"  # what the wheel is built from, so no build/ lands in the checkout
    for part in ("acon", "environments"):
        shutil.copytree(
            REPO_ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__")
        )
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / part, source / part)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(root / "dist"),
            str(source),
        ],
        check=True,
        timeout=600,
    )
    (wheel,) = (root / "dist").glob("acon-*.whl")
    data = {
        p.relative_to(source).as_posix()
        for part in ("acon", "environments")
        for p in (source / part).rglob("*")
        if p.is_file() and p.suffix != ".py"
    }
    missing = data - set(zipfile.ZipFile(wheel).namelist())
    assert not missing, f"the wheel lacks {sorted(missing)[:5]}: fix pyproject's package-data"
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.check_output([str(python), "-c", purelib], text=True).strip())
    (site / "acon_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ACON_TRACKING_URI")}
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_wheel_is_what_runs(installed, tmp_path):
    where = run(
        installed,
        tmp_path,
        "python",
        "-c",
        "import acon, environments; print(acon.__file__); print(environments.__file__)",
    )
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).is_relative_to(installed.parent), line
    assert not Path(where.stdout.split()[0]).is_relative_to(REPO_ROOT)


def test_paths_follow_the_working_directory(installed, tmp_path):
    shown = run(installed, tmp_path, "acon-rollout", "--cfg", "job", "--resolve")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert f"sqlite:///{tmp_path.resolve()}/runs/mlflow.db" in shown.stdout
    assert f"out: {tmp_path.resolve()}/results" in shown.stdout
    assert str(REPO_ROOT) not in shown.stdout


def test_a_scripted_rollout_runs_from_a_project_folder(installed, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    with FakeOpenAI(default=brain) as fake:
        done = run(
            installed,
            project,
            "acon-rollout",
            "tracking=off",
            "rollout.limit=1",
            *scripted_overrides(fake, tmp_path),
        )
    assert done.returncode == 0, done.stderr[-3000:]
    (results,) = (project / "runs").glob("*/*/results.jsonl")
    (row,) = [json.loads(line) for line in results.read_text().splitlines()]
    assert row["status"] == "finished" and row["task_id"] == "test-000"
