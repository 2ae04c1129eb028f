"""An optimized guideline as files: plain text, the compressor's prompt template, JSON with
its lineage and measured figures, and the form each agent framework takes (targets.py),
with a USAGE.md of one snippet per target."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from acon import __version__
from acon.compression.summary import OUTPUT_FIELD, frame_text
from acon.export.targets import TARGETS
from acon.guidelines import Guideline


def export_guideline(guideline: Guideline, out_dir: str | Path) -> list[Path]:
    """Write the guideline in every form; returns the paths, the plain text first."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{guideline.kind}-{guideline.name}-v{guideline.version}"
    frame = frame_text(guideline.kind)
    text_path = stem.with_suffix(".txt")
    text_path.write_text(guideline.text + "\n", encoding="utf-8")
    template_path = stem.with_suffix(".template.md")
    template_path.write_text(
        "<!-- The compressor's prompt: the system message is the guideline; the user message\n"
        "     is the frame below, with $placeholders filled (Python string.Template). The reply\n"
        f'     is JSON with "reasoning" and "{OUTPUT_FIELD[guideline.kind]}". -->\n\n'
        f"# System\n\n{guideline.text}\n\n# User\n\n{frame}",
        encoding="utf-8",
    )
    lineage = guideline.lineage
    json_path = stem.with_suffix(".json")
    json_path.write_text(
        json.dumps(
            {
                **asdict(guideline),
                "lineage": lineage.to_dict(),
                # what the optimizer measured for this version, on its selection tasks
                "measured": {
                    "score": lineage.score,
                    "peak_tokens": lineage.peak_tokens,
                    "tasks": lineage.evaluated_on,
                },
                "frame": frame,
                "output_field": OUTPUT_FIELD[guideline.kind],
                "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "acon_version": __version__,
            },
            indent=2,
            default=str,
        )
    )
    written = [text_path, template_path, json_path]
    usage = [f"# Using {guideline.kind} guideline {guideline.name} v{guideline.version}\n"]
    for target in TARGETS:
        form = target.form(guideline)
        if form is not None:
            path = Path(f"{stem}.{target.suffix}")
            path.write_text(form, encoding="utf-8")
            written.append(path)
        usage.append(f"## {target.title}\n\n{target.usage(guideline, stem.name)}\n")
    usage_path = out / "USAGE.md"
    usage_path.write_text("\n".join(usage), encoding="utf-8")
    return [*written, usage_path]
