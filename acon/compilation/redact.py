"""Redaction at the compilation boundary: secrets and personal data -> stable placeholders.

Every trajectory is redacted as it is read, before a model, the store or an export sees it.
A value becomes `<KIND_N>` (`<EMAIL_1>`, `<SECRET_2>`, ...), numbered per kind in order of
first appearance across the task and the turns, so the same value keeps one placeholder
within a trajectory and questions about it still have one answer.

Secrets are always looked for: Yelp's detect-secrets (provider-shaped keys and tokens,
`password = ...`-style assignments, quoted high-entropy strings), PEM private-key blocks,
the harness's own key shapes (acon.secrets) and the values of the configured API-key
variables. With `pii`, Presidio finds e-mail addresses, phone numbers, card numbers,
IBANs, public IP addresses and US SSNs by pattern, and names and places when a spaCy NER
model is installed (`Redactor.detects_names`).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from acon.compilation.config import RedactionConfig
from acon.compilation.records import Trajectory
from acon.errors import AconError
from acon.secrets import KEY_SHAPED

log = logging.getLogger(__name__)

SECRET = "SECRET"
_INSTALL = (
    "redaction needs the `compile` extra (Presidio and detect-secrets): run "
    '`pip install -e ".[compile]"` (or `make setup`).'
)
# Presidio entity -> placeholder kind. URL and DATE_TIME are left alone on purpose: they
# carry the trajectory's meaning, and a URL's personal parts (e-mails, keys) are found anyway.
_PII_KINDS = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP",
    "US_SSN": "SSN",
}
_NER_KINDS = {"PERSON": "PERSON", "LOCATION": "LOCATION"}
# spaCy labels other than names and places: dropped before Presidio sees them (and warns).
_NER_IGNORED = (
    "ORG",
    "ORGANIZATION",
    "NORP",
    "NRP",
    "DATE",
    "TIME",
    "DATE_TIME",
    "CARDINAL",
    "ORDINAL",
    "MONEY",
    "PERCENT",
    "QUANTITY",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "FAC",
)

# detect-secrets plugins whose matches are provider-shaped and never ordinary content.
# Left out: PrivateKeyDetector (its match is the BEGIN line only; _PEM_BLOCK takes the whole
# block), HexHighEntropyString (flags every git and sha256 hash), IPPublicDetector (an IP is
# personal data, Presidio's job). KeywordDetector's patterns are applied below, line by line.
_REGEX_PLUGINS = (
    "ArtifactoryDetector",
    "AWSKeyDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "CloudantDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SoftlayerDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)
# Plugins whose first group is the value after a name (`aws_secret_access_key = "..."`,
# `://user:password@`); the others' groups are prefixes (`(ghp|gho|...)_`): whole match.
_VALUE_GROUP = {
    "AWSKeyDetector",
    "BasicAuthDetector",
    "CloudantDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "NpmDetector",
    "SoftlayerDetector",
}
_TOKEN_END = re.compile(r"[^\s'\"`]*")
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_\-]*")
# Quoted strings of the base64 alphabet above this Shannon entropy (detect-secrets' default):
# random keys of 24+ characters reach it; paths, identifiers, uuids and hashes stay below.
_ENTROPY_LIMIT = 4.5
_NL = r"(?:\r?\n|\\r?\\n)"  # a line break, raw or JSON-escaped
_B64_LINE = r"[A-Za-z0-9+/=]{16,}"
_PEM_BLOCK = re.compile(
    rf"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
    rf"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|(?:{_NL}{_B64_LINE})*)"
    rf"|(?:{_B64_LINE}{_NL})+-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----",
    re.DOTALL,
)  # a block whose middle was cut (a long turn keeps head and tail) loses both halves
# `*token = ...` / `Authorization: Basic ...`: detect-secrets' keywords have no "token".
# 16+ token characters keep `max_tokens: 512` out.
_TOKEN_ASSIGNMENT = re.compile(
    r"(?i)(?:token|auth|authorization)[\"']?\s*[:=]\s*[\"']?(?:(?:Bearer|Basic|token)\s+)?"
    r"([A-Za-z0-9_\-.~+/=]{16,})"
)
_UNQUOTED_END = re.compile(r"\s|&|\\|`")  # an unquoted value ends at a space, `&`, an escape
_PLAIN_WORD = re.compile(r"[A-Za-z][a-z]*")  # `Password: Please ...` is prose, not a value
_REFERENCE = re.compile(r"[\w.-]+[\[(]")  # password = os.environ["X"], get_password()
# Values that name the secret instead of holding it: api_key_env="OPENAI_API_KEY", and
# unquoted, api_key=config.api_key, api_key=key, pad_token = tokenizer.eos_token
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_NAMES = re.compile(
    rf"{_ENV_NAME.pattern}|[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+"
    r"|(?i:[a-z_]*(?:key|pass|secret|token|pwd)[a-z_]*)"
)
_LITERALS = {"null", "none", "true", "false", "undefined", "nil"}
_SHORT = 16  # shorter found values are replaced as whole tokens ("admin", not "administrator")


@dataclasses.dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str

    @property
    def secret(self) -> bool:
        return self.kind == SECRET


class Redactor:
    """Replaces secrets (always) and personal data (with `config.pii`) by placeholders.

    Build one per job: Presidio's engine is built here, once. `counts` accumulates what
    every call redacted, per kind (occurrences replaced).
    """

    def __init__(self, config: RedactionConfig, known_secrets: Iterable[str] = ()):
        self.config = config
        # as acon.secrets.secret_values: a value under 4 characters would blank ordinary text
        self.known_secrets = {s for s in known_secrets if len(s) >= 4}
        self.counts: Counter[str] = Counter()
        self._plugins, self._entropy, self._keyword_tables, self._filters = _secret_detectors()
        self.detects_names = False
        self._analyzer: Any = None
        self._entities: list[str] = []
        if config.pii:
            self._analyzer, self.detects_names = _presidio(config.ner_model)
            self._entities = list(_PII_KINDS) + (list(_NER_KINDS) if self.detects_names else [])

    def text(self, text: str, placeholders: dict[str, str] | None = None) -> str:
        """One text redacted; `placeholders` (value -> placeholder) is shared by the texts of
        one trajectory and grows as new values are found."""
        counts: Counter[str] = Counter()
        out = self._redact(text, {} if placeholders is None else placeholders, None, counts)
        self.counts.update(counts)
        return out

    def trajectory(self, trajectory: Trajectory) -> tuple[Trajectory, Counter[str]]:
        """A redacted copy (task, every turn's text, string values in meta) and its counts."""
        # Secrets found anywhere are replaced everywhere, also where they appear bare (a
        # password shown in turn 2 and echoed in turn 9).
        texts = [trajectory.task or ""] + [t.text for t in trajectory.turns]
        texts += list(_strings(trajectory.meta))
        found: set[str] = set().union(*(self._secret_values(t) for t in texts))
        placeholders: dict[str, str] = {}
        counts: Counter[str] = Counter()

        def redact(value: str) -> str:
            return self._redact(value, placeholders, found, counts)

        task = redact(trajectory.task) if trajectory.task is not None else None
        turns = tuple(dataclasses.replace(t, text=redact(t.text)) for t in trajectory.turns)
        meta = _map_strings(trajectory.meta, redact)
        self.counts.update(counts)
        return dataclasses.replace(trajectory, task=task, turns=turns, meta=meta), counts

    # -- detection ---------------------------------------------------------------------

    def _redact(
        self, text: str, placeholders: dict[str, str], found: set[str] | None, counts: Counter[str]
    ) -> str:
        """`found`: the secret values to replace (None: those detected in `text`), besides
        the known ones and the secrets `placeholders` already holds."""
        if not text:
            return text
        found = self._secret_values(text) if found is None else found
        spans = self._secret_spans(text, found | _secrets_in(placeholders))
        if self._analyzer is not None:
            spans += self._pii_spans(text)
        out, last = [], 0
        for span in _resolve(spans):
            value = text[span.start : span.end]
            if value not in placeholders:
                placeholders[value] = _next_placeholder(placeholders, span.kind)
            out += [text[last : span.start], placeholders[value]]
            counts[span.kind] += 1
            last = span.end
        return "".join(out) + text[last:]

    def _secret_spans(self, text: str, values: set[str]) -> list[_Span]:
        spans = [_Span(m.start(), m.end(), SECRET) for m in _PEM_BLOCK.finditer(text)]
        for m in KEY_SHAPED.finditer(text):
            token = m.group(1)
            start = m.start(1) + (len(token) - len(token.split()[-1]))  # keep "Bearer "
            spans.append(_Span(start, m.end(1), SECRET))
        for known in self.known_secrets:  # configured key values: anywhere, even inside words
            spans += [
                _Span(m.start(), m.end(), SECRET) for m in re.finditer(re.escape(known), text)
            ]
        for value in values:
            spans += [_Span(m.start(), m.end(), SECRET) for m in _occurrences(value, text)]
        return spans

    def _secret_values(self, text: str) -> set[str]:
        """Values detect-secrets (and _TOKEN_ASSIGNMENT) flags in `text`."""
        values: set[str] = set()
        for plugin in self._plugins:
            values |= _plugin_values(plugin, text)
        for m in self._entropy.regex.finditer(text):
            value = m.group(2)
            window = text[max(0, m.start() - 40) : m.end()]
            if self._entropy.calculate_shannon_entropy(
                value
            ) > _ENTROPY_LIMIT and not self._filtered(value, window):
                values.add(value)
        for line in text.splitlines():
            values |= self._keyword_values(line)
            if '\\"' in line:  # JSON inside a JSON string: {\"password\": \"...\"}
                values |= self._keyword_values(line.replace('\\"', '"'))
        tokens = {m.group(1) for m in _TOKEN_ASSIGNMENT.finditer(text)}
        values |= {v for v in tokens if not _NAMES.fullmatch(v)}
        return {v for v in values if v and v.strip()}

    def _keyword_values(self, line: str) -> set[str]:
        values = set()
        for quoted_only, table in self._keyword_tables:
            for regex, group in table.items():
                for m in regex.finditer(line):
                    value, start = m.group(group), m.start(group)
                    quoted = start > 0 and line[start - 1] in "'\"`"
                    if _ENV_NAME.fullmatch(value):
                        continue
                    if not (quoted or quoted_only):
                        value = _UNQUOTED_END.split(value, maxsplit=1)[0].rstrip(".,;)]}>")
                        before = line[:start].rstrip()
                        if _NAMES.fullmatch(value) or (
                            before.endswith(":") and _PLAIN_WORD.fullmatch(value)
                        ):
                            continue
                    if not self._filtered(value):
                        values.add(value)
        return values

    def _filtered(self, value: str, context: str | None = None) -> bool:
        """detect-secrets' heuristic filters (templates, `$VAR`, `****`, sequences), JSON
        literals and references; with `context` (the text before a high-entropy string),
        also ids and uuids."""
        heuristic = self._filters
        if (
            value.lower() in _LITERALS
            or heuristic.is_templated_secret(value)
            or heuristic.is_prefixed_with_dollar_sign(value)
            or heuristic.is_not_alphanumeric_string(value)
            or heuristic.is_sequential_string(value)
        ):
            return True
        if context is not None:  # an id after `_id`, or a uuid, is not a key
            uuid = heuristic.is_potential_uuid(value)
            return uuid or heuristic.is_likely_id_string(value, context)
        # detect-secrets' is_indirect_reference looks at the whole line: a call anywhere on
        # it would hide the password; look at the value alone
        return bool(_REFERENCE.match(value))

    def _pii_spans(self, text: str) -> list[_Span]:
        results = self._analyzer.analyze(
            text=text,
            language="en",
            entities=self._entities,
            score_threshold=self.config.score_threshold,
        )
        spans = []
        for r in results:
            if r.entity_type == "IP_ADDRESS" and not _is_public_ip(text[r.start : r.end]):
                continue  # 127.0.0.1, 10.x, 192.168.x: infrastructure, not a person
            kind = _PII_KINDS.get(r.entity_type) or _NER_KINDS.get(r.entity_type)
            if kind:
                spans.append(_Span(r.start, r.end, kind))
        return spans


# -- helpers -------------------------------------------------------------------------------


def _resolve(spans: list[_Span]) -> list[_Span]:
    """Overlapping matches become one span over their union, named by the longest (a secret
    on ties), so no part of any match is left behind; returned in text order."""
    merged: list[tuple[int, int, list[_Span]]] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1][1]:
            start, end, members = merged[-1]
            merged[-1] = (start, max(end, span.end), [*members, span])
        else:
            merged.append((span.start, span.end, [span]))
    return [
        _Span(start, end, max(members, key=lambda s: (s.end - s.start, s.secret)).kind)
        for start, end, members in merged
    ]


def _plugin_values(plugin: Any, text: str) -> set[str]:
    """The values a detect-secrets plugin's patterns match, each as its whole token.

    The plugins are built to flag a line, not to delimit a value: some patterns match a
    token's start only (Slack's lowercase tail, the JWT's lazy signature), some include the
    delimiters around it, and analyze_string yields a group that may be a prefix (GitHub's
    `ghp`). So: the match (or its value group), trimmed to one token and run on to the end
    of that token. (analyze_string/analyze_line are not used: analyze_line may verify a key
    against its provider over the network.)
    """
    group = 1 if type(plugin).__name__ in _VALUE_GROUP else 0
    check = getattr(plugin, "is_formally_valid", None)  # the JWT plugin's own filter
    values = set()
    for regex in plugin.denylist:
        for m in regex.finditer(text):
            g = group if regex.groups >= group else 0
            start, stop = m.span(g)
            if start < 0:
                continue
            while start < len(text) and text[start] in " \t\r\n'\"`=:":
                start += 1
            end = _matched_end(_TOKEN_END.match(text, start, stop), start)
            end = _matched_end(_TOKEN_TAIL.match(text, end), end)
            if end > start and (check is None or check(text[start:end])):
                values.add(text[start:end])
    return values


def _next_placeholder(placeholders: dict[str, str], kind: str) -> str:
    prefix = f"<{kind}_"
    n = sum(1 for p in placeholders.values() if p.startswith(prefix))
    return f"{prefix}{n + 1}>"


def _secrets_in(placeholders: dict[str, str]) -> set[str]:
    return {v for v, p in placeholders.items() if p.startswith(f"<{SECRET}_")}


def _occurrences(value: str, text: str) -> Iterable[re.Match[str]]:
    pattern = re.escape(value)
    if len(value) < _SHORT:  # a short value only as a whole token
        pattern = (r"(?<![A-Za-z0-9])" if value[0].isalnum() else "") + pattern
        pattern += r"(?![A-Za-z0-9])" if value[-1].isalnum() else ""
    return re.finditer(pattern, text)


def _phone_shaped(text: str, start: int, end: int) -> bool:
    """International, or with a bracketed area code, or digit groups split by one kind of
    separator; and not glued to a longer token (a version, a model name, a path)."""
    number = text[start:end]
    before, after = text[start - 1 : start], text[end : end + 1]
    if (before and (before.isalnum() or before in "-./_+")) or (
        after and (after.isalnum() or after in "-/_")
    ):
        return False
    separators = set(re.sub(r"[\d()+]", "", number))
    return number[0] in "+(" or len(separators) == 1


def _is_public_ip(value: str) -> bool:
    if ":" in value and len([g for g in value.split(":") if g]) < 3:
        return False  # `x[3::2]` is a slice, not an IPv6 address
    try:
        return ipaddress.ip_address(value).is_global
    except ValueError:
        return True  # Presidio's match did not parse: err on the side of redacting


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _map_strings(value: Any, fn: Any) -> Any:
    """A copy of nested dicts/lists/tuples with every string passed through `fn`."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_map_strings(v, fn) for v in value)
    return value


# -- building the detectors (imports of the `compile` extra stay here) -------------------


def _secret_detectors() -> tuple[list[Any], Any, list[tuple[bool, dict[Any, int]]], Any]:
    try:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.filters import heuristic
        from detect_secrets.plugins import keyword
        from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
    except ImportError as exc:
        raise AconError(_INSTALL) from exc
    secret_types: Any = get_mapping_from_secret_type_to_class().values()
    classes: dict[str, Any] = {c.__name__: c for c in secret_types}
    plugins = [classes[name]() for name in _REGEX_PLUGINS if name in classes]
    # Quoted values (JSON, code) keep their spaces; unquoted ones (`password=x`, `.env`
    # lines, command lines) end at the first space.
    tables = [
        (True, keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP),
        (False, keyword.CONFIG_DENYLIST_REGEX_TO_GROUP),
    ]
    return plugins, Base64HighEntropyString(limit=_ENTROPY_LIMIT), tables, heuristic


def _matched_end(match: re.Match[str] | None, default: int) -> int:
    return match.end() if match is not None else default


def _presidio(ner_model: str | None) -> tuple[Any, bool]:
    """Presidio's analyzer on `ner_model` where installed, else on a blank English pipeline
    (tokens only: the pattern recognizers work, names and places are not looked for)."""
    try:
        import spacy
        import tldextract
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            IpRecognizer,
            PhoneRecognizer,
            UsSsnRecognizer,
        )
    except ImportError as exc:
        raise AconError(_INSTALL) from exc

    name = ner_model or ""
    installed = bool(name) and (spacy.util.is_package(name) or Path(name).is_dir())
    if name and not installed:
        log.warning("spaCy model %s is not installed: names and places are not redacted", ner_model)
    nlp = spacy.load(name) if installed else spacy.blank("en")
    detects_names = bool({"ner", "entity_ruler"} & set(nlp.pipe_names))

    class LoadedSpacyEngine(SpacyNlpEngine):
        """Presidio's spaCy engine on a pipeline loaded here: its own load() would download
        a missing model."""

        def load(self) -> None:
            self.nlp = {"en": nlp}  # type: ignore[assignment]  # presidio's: None until load

    engine = LoadedSpacyEngine(
        models=[{"lang_code": "en", "model_name": name if installed else "blank:en"}],
        ner_model_configuration=NerModelConfiguration(labels_to_ignore=list(_NER_IGNORED)),
    )
    engine.load()

    offline_tld = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):
        """The bundled public-suffix list: Presidio's default fetches it on first use."""

        def validate_result(self, pattern_text: str) -> bool:
            return offline_tld(pattern_text).fqdn != ""

    class FormattedPhoneRecognizer(PhoneRecognizer):
        """A number written as a phone number (`+44 20 ...`, `(415) 555-...`, `415-555-...`)
        scores as if context said so (0.75); anything else (a bare digit run: a timestamp, an
        id; `gpt-4.1-2025-04-14`) keeps Presidio's 0.4 and needs context words, which a
        blank pipeline cannot give."""

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list:
            results = super().analyze(text, entities, nlp_artifacts)
            for r in results:
                if _phone_shaped(text, r.start, r.end):
                    r.score = max(r.score, 0.75)
            return results

    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        OfflineEmailRecognizer(),
        FormattedPhoneRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        UsSsnRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    if detects_names:
        registry.add_nlp_recognizer(nlp_engine=engine)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    return analyzer, detects_names
