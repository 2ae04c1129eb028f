"""Compressor distillation: the teacher's compressor calls become SFT data (`data`), a
student learns them with LoRA (`train`), is written as a GGUF LoRA and registered as a
local model (`gguf_adapter`, acon.llm.models), and is measured beside its teacher and its
untrained base on the same test tasks (`evaluate`). `acon-distill` runs the four stages."""
