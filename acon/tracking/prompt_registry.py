"""Guideline versions in the MLflow Prompt Registry.

One prompt per benchmark and kind (`acon-<benchmark>-<kind>`, e.g. `acon-facts-history`).
Every distinct guideline text becomes one prompt version, tagged with its lineage
(acon.guidelines.Lineage's tag fields; `acon.parent` is the parent's registry version)
and its text's sha256; a text already registered, by this optimization or any other, is
reused (the run is linked to that version) instead of registered again. The store's
aliases (`baseline`, `best`) point at the versions, and move only when they change.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from acon.errors import AconError
from acon.guidelines import KINDS, Guideline, GuidelineStore, Lineage, text_sha
from acon.tracking.store import mlflow_client

log = logging.getLogger(__name__)
TAG = "acon."
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


def registered_texts(client: Any, name: str) -> dict[str, int]:
    """`{text sha256: registry version}` for the prompt's versions (the first version
    of each text; none if the prompt is new)."""
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
            sha = (pv.tags or {}).get(f"{TAG}text_sha") or text_sha(pv.template)
            found[sha] = min(int(pv.version), found.get(sha, int(pv.version)))
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
    """Register every version of guideline `name` in the store at `root` whose text is
    not registered yet as a version of `prompt`, link `run_id` to each, and mirror the
    store's aliases. Returns `{file version: registry version}`."""
    if kind not in KINDS:
        raise AconError(f"Unknown guideline kind {kind!r}: use one of {', '.join(KINDS)}.")
    store = GuidelineStore(Path(root).resolve())
    client = mlflow_client(tracking_uri)
    known = registered_texts(client, prompt)
    mapping: dict[int, int] = {}
    added = 0
    for number in store.versions(kind, name):
        g = store.load(kind, name, number)
        sha = text_sha(g.text)
        if sha not in known:
            known[sha] = _register(client, prompt, g, store, mapping, run_id)
            added += 1
        elif run_id:
            _link(client, run_id, client.get_prompt_version(prompt, known[sha]))
        mapping[number] = known[sha]
    _prompt_level_tags(client, prompt, kind)
    for alias, number in store.aliases(kind, name).items():
        if number in mapping and _alias_target(client, prompt, alias) != mapping[number]:
            client.set_prompt_alias(prompt, alias, mapping[number])
    log.info(
        "Prompt Registry: %s <- %s/%s (%d versions, %d new)",
        prompt,
        kind,
        name,
        len(mapping),
        added,
    )
    return mapping


def _register(
    client: Any,
    prompt: str,
    g: Guideline,
    store: GuidelineStore,
    mapping: dict[int, int],
    run_id: str | None,
) -> int:
    lineage = g.lineage
    tags: dict[str, str] = {}  # lineage first: the UI shows the first few tags
    for key, value in lineage.tags().items():
        if key == "parent" and value in mapping:  # the parent's registry version
            tags[f"{TAG}parent_file_version"] = str(value)
            value = mapping[value]
        tags[f"{TAG}{key}"] = _short(value)
    source = store.folder(g.kind, g.name) / f"v{g.version}.md"
    tags.update(
        {
            f"{TAG}kind": g.kind,
            f"{TAG}guideline": g.name,
            f"{TAG}file_version": str(g.version),
            f"{TAG}source": str(source),
            f"{TAG}text_sha": text_sha(g.text),
        }
    )
    if run_id:
        tags[f"{TAG}run_id"] = run_id
    message = f"{g.name} v{g.version}: {lineage.step or '?'}"
    if lineage.parent is not None:
        message += f" from v{lineage.parent}, round {lineage.round or '?'}"
    pv = client.register_prompt(prompt, g.text, commit_message=message, tags=tags)
    if run_id:
        _link(client, run_id, pv)
    return int(pv.version)


def _alias_target(client: Any, prompt: str, alias: str) -> int | None:
    from mlflow.exceptions import MlflowException

    try:
        pv = client.get_prompt_version_by_alias(prompt, alias)
    except MlflowException:
        return None
    return int(pv.version) if pv is not None else None


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
    tags = {k[len(TAG) :]: v for k, v in (pv.tags or {}).items() if k.startswith(TAG)}
    kind = tags.get("kind") or next((k for k in KINDS if name.endswith(f"-{k}")), "history")
    extra = {"registry_version": int(pv.version), "registry_tags": tags}
    if pv.commit_message:
        extra["commit_message"] = pv.commit_message
    lineage = Lineage.from_tags(
        tags, version=int(pv.version), text_sha=tags.get("text_sha"), extra=extra
    )
    return Guideline(
        kind=kind, name=name, version=int(pv.version), text=pv.template, lineage=lineage
    )
