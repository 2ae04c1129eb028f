"""`compilation:` (conf/compilation/): which trajectories are read, how the compiler role
proposes QA pairs, which checks a pair must pass, what is redacted, where pairs are stored
and exported, and how a model is evaluated on them (`acon-compile`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from acon.config.schemas import InvalidSetting, check_choice, check_positive

STAGES = ("compile", "export", "evaluate")
CHECKS = ("turns_exist", "non_adjacent", "overlap", "judge_support", "multi_turn", "reader")


@dataclass
class AuditColumns:
    """An audit log's column names (a JSONL file's keys, or a table's columns)."""

    session: str = "session_id"
    time: str = "timestamp"
    agent: str = "agent"
    tool: str = "tool"
    arguments: str = "arguments"
    response: str = "response"
    cost: str = "cost"
    duration: str = "duration"


@dataclass
class AuditSource:
    """One audit log: `path` (a JSONL file or a SQLite file) or `url` (any SQLAlchemy URL:
    sqlite:///x.db, postgresql+psycopg://user@host/db), and for a database its `table`."""

    path: str | None = None
    url: str | None = None
    table: str = "audit_log"
    columns: AuditColumns = field(default_factory=AuditColumns)


@dataclass
class SourcesConfig:
    """What is compiled: run folders (every rollout folder below each) and audit logs."""

    runs: list[str] = field(default_factory=list)
    audit: list[AuditSource] = field(default_factory=list)
    tasks: str = "finished"  # run folders: finished | succeeded (errored tasks never)
    min_turns: int = 3  # fewer turns cannot hold two non-adjacent supporting turns
    max_trajectories: int | None = None  # the first N (in source order); null: all
    # A long session is cut into windows of at most this many turns and tokens (cl100k);
    # a turn longer than `max_turn_tokens` keeps its head and tail.
    window_turns: int = 40
    window_tokens: int = 8000
    max_turn_tokens: int = 2000

    def __post_init__(self) -> None:
        check_choice("tasks", self.tasks, ("finished", "succeeded"))
        for i, audit in enumerate(self.audit):
            if (audit.path is None) == (audit.url is None):
                raise InvalidSetting(
                    f"audit[{i}]", audit.path or audit.url, "set exactly one of path or url"
                )
        for name in (
            "min_turns",
            "max_trajectories",
            "window_turns",
            "window_tokens",
            "max_turn_tokens",
        ):
            check_positive(name, getattr(self, name))


@dataclass
class RedactionConfig:
    """Redaction at the compilation boundary: every trajectory is redacted when it is read,
    before any model, the store or an export sees it. Secrets are always replaced; `pii`
    adds e-mail addresses, phone numbers and, with an NER model, names and places."""

    pii: bool = True
    # spaCy model for names and places (Presidio's NER); null or not installed: patterns
    # only. Refused when a role is external and this model is missing, unless
    # `allow_without_ner` (the compile card then says names were not looked for).
    ner_model: str | None = "en_core_web_sm"
    allow_without_ner: bool = False
    score_threshold: float = 0.5  # Presidio's confidence below which a match is ignored


@dataclass
class CompilerConfig:
    """The compiler role's proposals (acon.compilation.propose)."""

    max_pairs: int = 5  # per trajectory; extra proposals are dropped and counted
    samples: int = 1  # proposals per trajectory (sample i: seed + i)
    # model: the compiler picks each pair's turns (one call); given: the harness draws turn
    # pairs at least verify.min_gap apart and the compiler asks across each (a call each)
    evidence: str = "model"

    def __post_init__(self) -> None:
        check_choice("evidence", self.evidence, ("model", "given"))
        check_positive("max_pairs", self.max_pairs)
        check_positive("samples", self.samples)


@dataclass
class VerifyConfig:
    """The checks a pair must pass to be kept, cheapest first; a pair's later checks are not
    run once one fails. `checks` lists the ones used (CHECKS)."""

    checks: list[str] = field(
        default_factory=lambda: [
            "turns_exist",
            "non_adjacent",
            "overlap",
            "judge_support",
            "multi_turn",
        ]
    )
    min_gap: int = 2  # non-adjacent: two cited turns whose ids differ by at least this
    min_overlap: float = 0.7  # share of the answer's content words found in the cited turns
    single_turn_f1: float = 0.8  # multi_turn fails when one cited turn alone reaches this F1
    reader_f1: float = 0.5  # reader passes at this token F1 against the reference

    def __post_init__(self) -> None:
        for check in self.checks:
            check_choice("checks", check, CHECKS)
        check_positive("min_gap", self.min_gap)
        for name in ("min_overlap", "single_turn_f1", "reader_f1"):
            if not 0 <= getattr(self, name) <= 1:
                raise InvalidSetting(name, getattr(self, name), "use a value in [0, 1]")


@dataclass
class PairExportConfig:
    """Kept pairs as fine-tuning data and as a long-context evaluation set."""

    val_fraction: float = 0.2  # of the sessions (a session is on one side only)
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.val_fraction < 1:
            raise InvalidSetting("val_fraction", self.val_fraction, "use a value in [0, 1)")


@dataclass
class EvaluateConfig:
    """A model (the `reader` role) answers every kept pair from its full context, no tools."""

    limit: int | None = None  # the first N pairs of the evaluation set; null: all
    judge: bool = True  # also ask the judge role whether each answer is correct

    def __post_init__(self) -> None:
        check_positive("limit", self.limit)


@dataclass
class CompilationConfig:
    """`acon-compile`: trajectories -> verified, redacted QA pairs -> store -> exports."""

    stages: list[str] = field(default_factory=lambda: list(STAGES))
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    redaction: RedactionConfig = field(default_factory=RedactionConfig)
    compiler: CompilerConfig = field(default_factory=CompilerConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    # the store: a SQLAlchemy URL; null: sqlite in the run folder (pairs.db)
    store: str | None = None
    force: bool = False  # recompile trajectories already in the store (their pairs replaced)
    export: PairExportConfig = field(default_factory=PairExportConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)

    def __post_init__(self) -> None:
        for stage in self.stages:
            check_choice("stages", stage, STAGES)
