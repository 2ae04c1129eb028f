"""Guideline versions in the MLflow Prompt Registry.

One prompt per benchmark and kind (`acon-<benchmark>-<kind>`, e.g. `acon-facts-history`).
Every guideline version in a file store (acon/compression/guidelines.py layout) becomes
one prompt version, tagged with its lineage and scores (`acon.parent` is the parent's
registry version), and the store's aliases (`baseline`, `best`) point at them. Syncing
twice registers nothing twice: each version remembers the file it came from.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from acon.compression.guidelines import KINDS, Guideline, load_guideline, read_aliases, versions
from acon.errors import AconError
from acon.tracking.store import mlflow_client

log = logging.getLogger(__name__)
TAG = "acon."
_LINEAGE_TAGS = ("parent", "step", "round", "method", "origin", "score", "peak_tokens",
                 "guideline_tokens", "gepa_index", "parents")  # fmt: skip
_MAX_TAG = 250  # short on purpose: the UI shows tags as chips


def prompt_name(benchmark: str, kind: str) -> str:
    return f"acon-{benchmark}-{kind}"


def _short(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, list | dict):
        text = json.dumps(value)
    else:
        text = str(value)
    return text if len(text) <= _MAX_TAG else text[: _MAX_TAG - 3] + "..."


def registered_sources(client: Any, name: str) -> dict[str, int]:
    """`{acon.source tag: registry version}` for the prompt's versions (none if new)."""
    from mlflow.exceptions import MlflowException

    found: dict[str, int] = {}
    token = None
    while True:
        try:
            page = client.search_prompt_versions(name, max_results=100, page_token=token)
        except MlflowException as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return found
            raise
        for pv in page:
            source = (pv.tags or {}).get(f"{TAG}source")
            if source:
                found[source] = int(pv.version)
        token = page.token
        if not token:
            return found


def sync_guidelines(
    root: str | Path,
    kind: str,
    name: str,
    prompt: str,
    tracking_uri: str,
    *,
    run_id: str | None = None,
) -> dict[int, int]:
    """Register every version of guideline `name` in the store at `root` as a version of
    `prompt` (skipping those already there), and mirror its aliases. Returns
    `{file version: registry version}`."""
    root = Path(root).resolve()
    if kind not in KINDS:
        raise AconError(f"Unknown guideline kind {kind!r}: use one of {', '.join(KINDS)}.")
    client = mlflow_client(tracking_uri)
    known = registered_sources(client, prompt)
    mapping: dict[int, int] = {}
    for number in versions(kind, name, root):
        g = load_guideline(kind, name, number, root)
        source = str(root / kind / name / f"v{number}.md")
        if source in known:
            mapping[number] = known[source]
            continue
        tags: dict[str, str] = {}  # lineage first: the UI shows the first few tags
        for key in _LINEAGE_TAGS:
            value = g.lineage.get(key)
            if value is None:
                continue
            if key == "parent" and value in mapping:  # the parent's registry version
                tags[f"{TAG}parent_file_version"] = str(value)
                value = mapping[value]
            tags[f"{TAG}{key}"] = _short(value)
        tags.update({f"{TAG}kind": kind, f"{TAG}guideline": name,
                     f"{TAG}file_version": str(number), f"{TAG}source": source})  # fmt: skip
        if run_id:
            tags[f"{TAG}run_id"] = run_id
        step = g.lineage.get("step", "?")
        message = f"{name} v{number}: {step}"
        if g.lineage.get("parent") is not None:
            message += f" from v{g.lineage['parent']}, round {g.lineage.get('round', '?')}"
        pv = client.register_prompt(prompt, g.text, commit_message=message, tags=tags)
        mapping[number] = int(pv.version)
        if run_id:
            _link(client, run_id, pv)
    _prompt_level_tags(client, prompt, kind)
    for alias, number in read_aliases(kind, name, root).items():
        if number in mapping:
            client.set_prompt_alias(prompt, alias, mapping[number])
    log.info("Prompt Registry: %s <- %s/%s (%d versions)", prompt, kind, name, len(mapping))
    return mapping


def _prompt_level_tags(client: Any, prompt: str, kind: str) -> None:
    """MLflow copies a new version's tags onto the prompt itself, where one version's
    lineage would read as the prompt's: keep only what holds for every version."""
    found = client.get_prompt(prompt)
    for key in (found.tags or {}) if found else {}:
        if key.startswith(TAG) and key != f"{TAG}kind":
            client.delete_prompt_tag(prompt, key)
    client.set_prompt_tag(prompt, f"{TAG}kind", kind)


_GLOBAL_URI = threading.Lock()


def _link(client: Any, run_id: str, pv: Any) -> None:
    """Show the version on the run's page. MLflow links through its *global* tracking
    store, not the client's, so that store is pointed at ours for the call."""
    import mlflow

    with _GLOBAL_URI:
        before = mlflow.get_tracking_uri()
        mlflow.set_tracking_uri(client.tracking_uri)
        try:
            client.link_prompt_version_to_run(run_id, pv)
        finally:
            mlflow.set_tracking_uri(before)


def load_registered_guideline(
    name: str, version_or_alias: int | str, tracking_uri: str
) -> Guideline:
    """A registered guideline (`version_or_alias`: a number, or an alias like `best`),
    its registry tags as lineage (without the `acon.` prefix)."""
    from mlflow.exceptions import MlflowException

    client = mlflow_client(tracking_uri)
    ref = str(version_or_alias)
    try:
        if ref.isdigit():
            pv = client.get_prompt_version(name, int(ref))
        else:
            pv = client.get_prompt_version_by_alias(name, ref)
    except MlflowException as exc:
        raise AconError(
            f"No version or alias {ref!r} of prompt {name!r} at {tracking_uri} ({exc.message}): "
            f"check the name and version in the MLflow UI (Prompts)."
        ) from exc
    if pv is None:
        raise AconError(
            f"No version {ref!r} of prompt {name!r} at {tracking_uri}: check the MLflow UI."
        )
    tags = dict(pv.tags or {})
    lineage: dict[str, Any] = {k[len(TAG) :]: v for k, v in tags.items() if k.startswith(TAG)}
    lineage["registry_version"] = int(pv.version)
    if pv.commit_message:
        lineage["commit_message"] = pv.commit_message
    kind = lineage.get("kind") or next((k for k in KINDS if name.endswith(f"-{k}")), "history")
    return Guideline(kind=kind, name=name, version=int(pv.version), text=pv.template,
                     lineage=lineage)  # fmt: skip
