"""Compile trajectories into verified QA pairs: read, redact, propose, verify, store.

Redaction is the boundary: a session is redacted as soon as it is read, before it is cut
into windows, so the compiler, the judge, the reader, the store and every export see only
placeholders (one per value across the session). When a role's endpoint is outside this
machine and names cannot be detected (no NER model), the job refuses unless
`compilation.redaction.allow_without_ner` says otherwise.
A trajectory already in the store with the same redacted content and settings is not
compiled again (`force` recompiles, replacing its pairs), so a rerun resumes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlparse

from acon import progress
from acon.compilation import signatures
from acon.compilation.config import CompilationConfig
from acon.compilation.propose import propose, propose_across
from acon.compilation.records import QAPair, Trajectory
from acon.compilation.redact import Redactor
from acon.compilation.sources import SourceCounts, read_trajectories
from acon.compilation.store import PairStore
from acon.compilation.verify import Verifier
from acon.errors import AconError
from acon.llm.config import RoleConfig
from acon.llm.session import LLMSession

log = logging.getLogger("acon.compile")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
LLM_CHECKS = {"judge_support": "judge", "multi_turn": "judge", "reader": "reader"}


def is_external(role: RoleConfig) -> bool:
    """Whether a role's requests leave this machine."""
    return role.local_model is None and urlparse(role.base_url).hostname not in LOCAL_HOSTS


def roles_used(config: CompilationConfig) -> list[str]:
    return ["compiler", *sorted({LLM_CHECKS[c] for c in config.verify.checks if c in LLM_CHECKS})]


@dataclass
class CompileReport:
    """What one compile did (cumulative over the trajectories it read)."""

    sources: SourceCounts = field(default_factory=SourceCounts)  # sessions, windows, skipped
    trajectories: int = 0
    compiled: int = 0
    from_store: int = 0
    proposed: int = 0
    dropped: Counter[str] = field(default_factory=Counter)  # malformed, over_limit, ...
    passed: Counter[str] = field(default_factory=Counter)  # check -> pairs that passed it
    kept: int = 0
    redacted: Counter[str] = field(default_factory=Counter)
    cost_usd: float = 0.0
    seconds: float = 0.0  # wall time of the compile
    names_detected: bool = False
    external_roles: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # the trajectories read (not reported)

    def to_dict(self) -> dict[str, Any]:
        # asdict would rebuild each Counter from its (key, value) pairs, counting the pairs
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "keys"}
        out |= {name: dict(out[name]) for name in ("dropped", "passed", "redacted")}
        out["sources"] = asdict(self.sources)
        out["cost_per_kept_pair_usd"] = self.cost_usd / self.kept if self.kept else None
        return out


def settings_sha(config: CompilationConfig, roles: dict[str, RoleConfig]) -> str:
    """What decides a trajectory's pairs: the models, the programs' texts, the settings."""
    body = {
        "roles": {
            name: {
                k: getattr(r, k) for k in ("base_url", "model", "temperature", "seed", "max_tokens")
            }
            for name, r in roles.items()
        },
        "programs": {
            name: getattr(signatures, name).instructions
            for name in ("ProposePairs", "AskAcrossTurns", "JudgeSupport", "AnswerFromContext")
        },
        "compiler": asdict(config.compiler),
        "verify": asdict(config.verify),
        "redaction": asdict(config.redaction),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def make_redactor(
    config: CompilationConfig, roles: dict[str, RoleConfig], known_secrets: set[str]
) -> tuple[Redactor, list[str]]:
    redactor = Redactor(config.redaction, known_secrets)
    external = [name for name, role in roles.items() if is_external(role)]
    if (
        external
        and config.redaction.pii
        and not redactor.detects_names
        and not config.redaction.allow_without_ner
    ):
        raise AconError(
            f"The {', '.join(external)} role(s) send trajectories off this machine, and names "
            f"cannot be redacted without the NER model {config.redaction.ner_model}: run "
            f"`python -m spacy download {config.redaction.ner_model or 'en_core_web_sm'}` "
            f"(and set compilation.redaction.ner_model), or accept pattern-only redaction "
            f"with compilation.redaction.allow_without_ner=true."
        )
    return redactor, external


def compile_trajectories(
    config: CompilationConfig, llms: LLMSession, store: PairStore, known_secrets: set[str]
) -> CompileReport:
    roles = {name: llms.role_config(name) for name in roles_used(config)}
    redactor, external = make_redactor(config, roles, known_secrets)
    report = CompileReport(names_detected=redactor.detects_names, external_roles=external)
    settings = settings_sha(config, roles)
    compiler = llms.client("compiler")
    verifier = Verifier(
        config.verify,
        llms.client("judge") if "judge" in roles else None,
        llms.client("reader") if "reader" in roles else None,
    )
    start = time.perf_counter()

    def redacted_session(session: Trajectory) -> Trajectory:
        clean, counts = redactor.trajectory(session)
        report.redacted.update(counts)
        return replace(clean, meta={**clean.meta, "redacted": dict(counts)})

    # the whole source is read (and redacted) first: the bar knows its length
    read = list(read_trajectories(config.sources, report.sources, redacted_session))
    bar = progress.bar(len(read), "compile", unit="trajectory")
    for trajectory in read:
        report.keys.add(trajectory.key)
        report.trajectories += 1
        redacted = trajectory.meta["redacted"]
        if not config.force and store.compiled(trajectory, settings):
            report.from_store += 1
            bar.update()
            continue
        begun = time.perf_counter()
        pairs: list[QAPair] = []
        dropped: Counter[str] = Counter()
        unshared = 0.0  # what calls that kept no pair cost
        for sample in range(config.compiler.samples):
            if config.compiler.evidence == "given":
                proposal = propose_across(
                    compiler, trajectory, config.compiler.max_pairs, config.verify.min_gap, sample
                )
            else:
                proposal = propose(compiler, trajectory, config.compiler.max_pairs, sample)
            dropped.update(proposal.dropped)
            unshared += proposal.dropped_cost_usd
            fresh = [p for p in proposal.pairs if not p.repeats(pairs)]
            if len(fresh) < len(proposal.pairs):
                dropped["duplicate"] += len(proposal.pairs) - len(fresh)
            pairs += [verifier.verify(p, trajectory) for p in fresh]
        cost = unshared + sum(p.cost_usd for p in pairs)
        store.save(
            trajectory,
            settings,
            pairs,
            dropped=dropped,
            redacted=redacted,
            cost_usd=cost,
            seconds=time.perf_counter() - begun,
        )
        report.compiled += 1
        bar.update()
        log.info(
            "%s: %d proposed, %d kept%s",
            trajectory.key,
            len(pairs),
            sum(p.kept for p in pairs),
            f" ({dict(dropped)} dropped)" if dropped else "",
        )
    bar.close()
    report.seconds = time.perf_counter() - start
    _tally(report, store, report.keys)
    return report


def _tally(report: CompileReport, store: PairStore, keys: set[str]) -> None:
    """The funnel over these trajectories as stored (compiled now or by an earlier run)."""
    for row in store.trajectories():
        if row["key"] in keys:
            report.dropped.update(row["dropped"])
            report.cost_usd += row["cost_usd"]
    for pair in store.pairs(kept=None):
        if pair["trajectory_key"] not in keys:
            continue
        report.proposed += 1
        report.kept += bool(pair["kept"])
        for check, verdict in pair["verdicts"].items():
            report.passed[check] += verdict is True
