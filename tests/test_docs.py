"""The documentation: the site builds with `mkdocs build --strict` (mkdocs.yml makes a broken
link, anchor or API reference an error), and every shell command shown in the README,
`docs/` and `experiments/README.md` is checked: an `acon-*` line composes and validates
its arguments, as the command does before anything runs; a `make` line names a target of
the Makefile; any other program is installed."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from acon.composition import compose
from tests.support import REPO_ROOT

PAGES = [
    REPO_ROOT / "README.md",
    REPO_ROOT / "experiments" / "README.md",
    *sorted((REPO_ROOT / "docs").rglob("*.md")),
]
SHELL_BLOCK = re.compile(r"```(?:bash|sh|console)\n(.*?)```", re.S)
BUILTINS = {"export", "cd", "source"}
# experiments/README.md writes one command for every benchmark with ENV in its place
BENCHMARKS = sorted(p.stem for p in (REPO_ROOT / "acon" / "conf" / "env").glob("*.yaml"))


def documented_commands() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for block in SHELL_BLOCK.findall(page.read_text()):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    found.append((str(page.relative_to(REPO_ROOT)), line))
    return found


COMMANDS = documented_commands()


def test_the_pages_show_commands() -> None:
    assert len(COMMANDS) >= 20  # the parser finds the blocks (a regex gone wrong finds none)
    assert any(line.startswith("make run") for _, line in COMMANDS)


def _words(line: str) -> list[str]:
    words = shlex.split(line, comments=True)
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        words.pop(0)  # VAR=value before the program
    return [w.rstrip("&").strip() for w in words if w != "&"]


def sweep_jobs(args: list[str]) -> list[list[str]]:
    """A sweep's jobs enough to check every value: one per value of each swept setting
    (`key=a,b,c`), the others at their first value."""
    swept = {i: a.split("=", 1) for i, a in enumerate(args) if "," in a and "[" not in a}
    first = [
        f"{swept[i][0]}={swept[i][1].split(',')[0]}" if i in swept else a
        for i, a in enumerate(args)
    ]
    jobs = [first]
    for i, (key, values) in swept.items():
        for value in values.split(",")[1:]:
            jobs.append([*first[:i], f"{key}={value}", *first[i + 1 :]])
    return jobs


def _make_targets() -> set[str]:
    text = (REPO_ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", text, re.M))


@pytest.mark.parametrize(("page", "line"), COMMANDS, ids=[f"{p}: {c[:60]}" for p, c in COMMANDS])
def test_each_documented_command_is_valid(page: str, line: str) -> None:
    words = _words(line)
    program = Path(words[0]).name
    if program.startswith("acon-"):
        scripts = (REPO_ROOT / "pyproject.toml").read_text()
        assert f'{program} = "acon.cli.' in scripts, f"{page}: no command {program}"
        sweep = "-m" in words or "--multirun" in words
        args = [w for w in words[1:] if w not in ("-m", "--multirun")]
        if program == "acon-models":
            assert args[0] in ("fetch", "path"), f"{page}: {line}"
            assert set(args[1:]) <= set(compose().local_models), f"{page}: {line}"
            return
        for env in BENCHMARKS if "env=ENV" in args else [None]:
            for job in sweep_jobs(args) if sweep else [args]:
                compose([a.replace("env=ENV", f"env={env}") for a in job])
    elif program == "make":
        assert set(words[1:]) <= _make_targets(), f"{page}: {line}"
    elif program not in BUILTINS:
        search = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
        assert shutil.which(program, path=search), f"{page}: {program} is not installed"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """Broken links, anchors and `::: module` references fail the build (strict: true)."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "api" / "llm" / "index.html").is_file()


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    """The strict build is not a formality: a page linking to a missing page fails it."""
    docs = tmp_path / "docs"
    shutil.copytree(REPO_ROOT / "docs", docs)
    (docs / "index.md").write_text((docs / "index.md").read_text() + "\n[gone](missing.md)\n")
    config = (REPO_ROOT / "mkdocs.yml").read_text().replace("docs_dir: docs", f"docs_dir: {docs}")
    (tmp_path / "mkdocs.yml").write_text(config.replace("paths: [.]", f"paths: [{REPO_ROOT}]"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(tmp_path / "mkdocs.yml"),
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "missing.md" in result.stderr
