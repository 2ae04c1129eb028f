"""A PEFT LoRA adapter as a GGUF LoRA file, the form llama.cpp's server loads (`--lora`).

What llama.cpp's own `convert_lora_to_gguf.py` writes for a plain LoRA, with the `gguf`
package's tensor-name map (the same table that script uses): per adapted weight two
tensors, `<gguf name>.lora_a` (PEFT's lora_A, shape r x in) and `.lora_b` (lora_B,
out x r), plus `general.type=adapter`, `adapter.type=lora` and `adapter.lora.alpha`
(llama.cpp scales by alpha / r). The architecture and block count come from the base
GGUF, so the server refuses an adapter made for another model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from acon.errors import AconError

_PEFT_PREFIX = "base_model.model."


def convert(adapter_dir: str | Path, base_gguf: str | Path, out: str | Path) -> Path:
    """Write `adapter_dir` (a PEFT LoRA: adapter_config.json, adapter_model.safetensors)
    as a GGUF LoRA for `base_gguf` to `out`."""
    import gguf
    from safetensors.numpy import load_file

    adapter_dir, out = Path(adapter_dir), Path(out)
    peft = json.loads((adapter_dir / "adapter_config.json").read_text())
    if peft.get("peft_type") != "LORA" or peft.get("use_dora") or peft.get("modules_to_save"):
        raise AconError(
            f"{adapter_dir} is not a plain LoRA adapter (DoRA and saved modules have no "
            f"GGUF LoRA form): train with distill.train defaults."
        )
    reader = gguf.GGUFReader(str(base_gguf))
    arch = _field(reader, "general.architecture")
    blocks = int(_field(reader, f"{arch}.block_count"))
    by_name = {name: a for a, name in gguf.MODEL_ARCH_NAMES.items()}
    if arch not in by_name:
        raise AconError(f"{base_gguf}: the gguf package does not know architecture {arch!r}.")
    names = gguf.get_tensor_name_map(by_name[arch], blocks)
    tensors = load_file(str(adapter_dir / "adapter_model.safetensors"))

    writer = gguf.GGUFWriter(str(out), arch=arch)
    writer.add_string(gguf.Keys.General.TYPE, gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(peft["lora_alpha"]))
    written = 0
    for key in sorted(tensors):
        if ".lora_A." not in key:
            continue
        module = key.split(".lora_A.")[0].removeprefix(_PEFT_PREFIX)
        target = names.get_name(f"{module}.weight", try_suffixes=(".weight",))
        if target is None:
            raise AconError(f"{key}: no {arch} GGUF tensor for module {module!r}.")
        lora_b = tensors[key.replace(".lora_A.", ".lora_B.")]
        writer.add_tensor(f"{target}.lora_a", np.ascontiguousarray(tensors[key], np.float32))
        writer.add_tensor(f"{target}.lora_b", np.ascontiguousarray(lora_b, np.float32))
        written += 1
    if not written:
        raise AconError(f"{adapter_dir} holds no LoRA weights.")
    out.parent.mkdir(parents=True, exist_ok=True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def _field(reader: object, key: str) -> str:
    field = reader.fields.get(key)  # type: ignore[attr-defined]
    if field is None:
        raise AconError(f"the base GGUF has no {key}: is it a model file?")
    return field.contents()
