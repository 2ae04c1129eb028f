"""Redaction at the compilation boundary: planted secrets and personal data never survive a
redacted trajectory, each value keeps one placeholder within a trajectory, numbering starts
again in the next, counts are exact, and ordinary content (tool names, dates, URLs, ids,
numbers, hashes) is left alone.

These tests need the `compile` extra and no spaCy model: with none installed, Presidio runs
on a blank pipeline (patterns only). Names and places are tested with a small rule-based
pipeline saved to disk, and with en_core_web_sm only where that model is installed.
"""

from __future__ import annotations

import dataclasses
import json
import sys

import pytest

from acon.compilation.config import RedactionConfig
from acon.compilation.records import RecordTurn, Trajectory
from acon.compilation.redact import Redactor
from acon.errors import AconError

OPENAI_KEY = "sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVcXz"
AWS_KEY_ID = "AKIAZ7QW3ERT5YUI2OPA"
AWS_SECRET = "q8Vt3Lr0Xw/Jm5Kp2Ns9Bd+Hf6Gz4Cy1Ae7Ru0Wi"
GITHUB_TOKEN = "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf12Gh"
SLACK_TOKEN = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk4"
)
PASSWORD = "Tr0ub4dor-x9"
JSON_PASSWORD = "hunter2hunter2"
KEY_BODY = (
    "MIIEowIBAAKCAQEAx9Fj3kLmN0pQrStUvWxYz12345AbCdEfGhIjKlMnOpQrStUv",
    "Wx9Yz8Ab7Cd6Ef5Gh4Ij3Kl2Mn1Op0QrStUvWxYzAbCdEfGhIjKlMnOpQrStUvW",
)
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\\n" + "\\n".join(KEY_BODY) + "\\n-----END RSA PRIVATE KEY-----"
)  # inside a JSON string: escaped line breaks
ENV_SECRET = "loc4l-llm-k3y-7f3a9c"  # an api_key_env variable's value (known_secrets)
ALICE = "alice.smith@example.com"
BOB = "bob@corp.example.org"
US_PHONE = "+1 415 555 0132"
UK_PHONE = "+44 20 7946 0958"
PLANTED = (
    OPENAI_KEY,
    AWS_KEY_ID,
    AWS_SECRET,
    GITHUB_TOKEN,
    SLACK_TOKEN,
    JWT,
    PASSWORD,
    JSON_PASSWORD,
    *KEY_BODY,
    ENV_SECRET,
    ALICE,
    BOB,
    US_PHONE,
    UK_PHONE,
)
ORDINARY = (
    "shell.run",
    "db.query",
    "http.get",
    "2024-05-01",
    "/api/v1/users/17",
    "a1b2c3",
    "42",
    "3.5",
    "11f6ad8ec52a2984abaafd7c3b516503785c2072",
    "127.0.0.1:8080",
    "81bf7e87-004d-4742-abd1-2da7ecbc74a4",
    "max_tokens",
)


def planted_trajectory(session: str = "s1") -> Trajectory:
    call = json.dumps
    turns = (
        RecordTurn(
            1,
            f"shell.run {call({'command': f'export OPENAI_API_KEY={OPENAI_KEY}; env'})}\n"
            f"-> OPENAI_API_KEY={OPENAI_KEY}",
            tool="shell.run",
            time="2024-05-01T09:00:00Z",
        ),
        RecordTurn(
            2,
            f"file.read {call({'path': '~/.aws/credentials'})}\n-> [default]\n"
            f"aws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}",
            tool="file.read",
        ),
        RecordTurn(
            3,
            f"http.get {call({'url': 'https://docs.example.com/api/v1/users/17'})}\n"
            f"-> owner {ALICE}, phone {US_PHONE}; task a1b2c3 finished 2024-05-01 with "
            f"42 points (3.5 stars)",
            tool="http.get",
        ),
        RecordTurn(
            4,
            f"git.push {call({'remote': 'origin'})}\n-> GITHUB_TOKEN={GITHUB_TOKEN} "
            f"rejected; contact {BOB} or {UK_PHONE}",
            tool="git.push",
        ),
        RecordTurn(
            5,
            f"db.query {call({'arguments': call({'user': 'root', 'password': JSON_PASSWORD})})}"
            f"\n-> ok",
            tool="db.query",
        ),
        RecordTurn(
            6,
            f"shell.run {call({'command': f'mysql -u root --password={PASSWORD} -e status'})}"
            f"\n-> session {JWT} (posted with {SLACK_TOKEN})",
            tool="shell.run",
        ),
        RecordTurn(
            7,
            f"file.write {call({'path': 'id_rsa', 'content': 'KEY'})}".replace("KEY", PRIVATE_KEY)
            + f"\n-> saved; reply to {ALICE}",
            tool="file.write",
        ),
        RecordTurn(
            8,
            f"llm.call {call({'api_key': ENV_SECRET, 'max_tokens': 512})}\n-> "
            f"commit 11f6ad8ec52a2984abaafd7c3b516503785c2072, request "
            f"81bf7e87-004d-4742-abd1-2da7ecbc74a4, server 127.0.0.1:8080",
            tool="llm.call",
        ),
    )
    return Trajectory(
        "run:/runs/x",
        session,
        turns,
        task=f"Email {ALICE} the report.",
        meta={"cost": 0.25, "note": f"key {OPENAI_KEY}"},
    )


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(RedactionConfig(ner_model=None), known_secrets={ENV_SECRET})


def dump(trajectory: Trajectory) -> str:
    return json.dumps(dataclasses.asdict(trajectory))


def test_no_planted_value_survives(redactor):
    redacted, _ = redactor.trajectory(planted_trajectory())
    raw = json.dumps(dataclasses.asdict(redacted), ensure_ascii=False)
    text = "\n".join([redacted.task or ""] + [t.text for t in redacted.turns] + [raw])
    for value in PLANTED:
        assert value not in text, value
    assert "PRIVATE KEY" not in text
    assert redacted.meta == {"cost": 0.25, "note": "key <SECRET_1>"}


def test_a_value_keeps_one_placeholder_numbered_in_order_of_appearance(redactor):
    redacted, _ = redactor.trajectory(planted_trajectory())
    assert redacted.task == "Email <EMAIL_1> the report."
    assert "owner <EMAIL_1>, phone <PHONE_1>" in redacted.turns[2].text
    assert "contact <EMAIL_2> or <PHONE_2>" in redacted.turns[3].text
    assert "reply to <EMAIL_1>" in redacted.turns[6].text
    # the key shown twice in turn 1, and again in meta: one placeholder
    assert redacted.turns[0].text.count("<SECRET_1>") == 2
    # the value, not the line; each secret its own number, in order
    assert redacted.turns[5].text.endswith(
        '--password=<SECRET_6> -e status"}\n-> session <SECRET_7> (posted with <SECRET_8>)'
    )
    assert '\\"password\\": \\"<SECRET_' in redacted.turns[4].text
    assert "aws_access_key_id = <SECRET_2>\naws_secret_access_key = <SECRET_3>" in (
        redacted.turns[1].text
    )


def test_counts_are_exact_per_trajectory_and_cumulative():
    redactor = Redactor(RedactionConfig(ner_model=None), known_secrets={ENV_SECRET})
    _, counts = redactor.trajectory(planted_trajectory())
    # secrets: OpenAI key x3 (turn 1 twice, meta), AWS id, AWS secret, GitHub token, the
    # escaped-JSON password, the command-line password, the JWT, the Slack token, the key
    # block, the env value; e-mails: Alice in the task, turns 3 and 7, Bob in turn 4
    assert counts == {"SECRET": 12, "EMAIL": 4, "PHONE": 2}
    _, again = redactor.trajectory(planted_trajectory("s2"))
    assert again == counts
    assert redactor.counts == {"SECRET": 24, "EMAIL": 8, "PHONE": 4}


def test_numbering_starts_again_in_each_trajectory(redactor):
    first, _ = redactor.trajectory(planted_trajectory())
    other = Trajectory(
        "run:/runs/x", "s3", (RecordTurn(1, f"mail {BOB}"), RecordTurn(2, f"cc {ALICE}"))
    )
    second, _ = redactor.trajectory(other)
    assert "contact <EMAIL_2>" in first.turns[3].text  # bob, second in the first trajectory
    assert [t.text for t in second.turns] == ["mail <EMAIL_1>", "cc <EMAIL_2>"]


def test_ordinary_content_is_left_alone(redactor):
    redacted, _ = redactor.trajectory(planted_trajectory())
    text = dump(redacted)
    for value in ORDINARY:
        assert value in text, value
    assert [t.tool for t in redacted.turns] == [t.tool for t in planted_trajectory().turns]
    plain = Trajectory(
        "run:/runs/x",
        "s4",
        (
            RecordTurn(
                1,
                'shell.run {"command": "pytest -q tests/test_x.py", "timeout": 600}\n'
                "-> 42 passed in 3.5s on 2024-05-01T12:30:45Z",
                tool="shell.run",
            ),
            RecordTurn(
                2,
                'http.get {"url": "https://api.example.com/v1/users/17/orders?page=2"}\n'
                '-> {"id": "a1b2c3", "doc_id": "wiki_Albert_Einstein_1879", "total": 1234.56,'
                ' "created": 1714550400, "sha": "a1fce4363854ff888cff4b8e7875d600c2682390412'
                'a8cf79b37d0b11148b0fa"}',
            ),
            RecordTurn(
                3,
                'llm.call {"model": "Qwen2.5-Coder-1.5B-Instruct", "max_tokens": 512, '
                '"password": null}\n-> Password: Please enter it at 10.0.0.1 or 127.0.0.1',
            ),
        ),
        task="Find the order total for user 17 (task a1b2c3).",
    )
    out, counts = redactor.trajectory(plain)
    assert counts == {}
    assert out == plain


def test_text_shares_placeholders_across_calls(redactor):
    placeholders: dict[str, str] = {}
    assert (
        redactor.text(f"to {BOB}, key {GITHUB_TOKEN}", placeholders)
        == "to <EMAIL_1>, key <SECRET_1>"
    )
    # a secret already seen is replaced wherever it appears, even bare
    assert redactor.text(f"{ALICE} {BOB}", placeholders) == "<EMAIL_2> <EMAIL_1>"
    assert placeholders == {BOB: "<EMAIL_1>", GITHUB_TOKEN: "<SECRET_1>", ALICE: "<EMAIL_2>"}
    assert redactor.text(f"mail {ALICE}") == "mail <EMAIL_1>"


def test_a_secret_found_once_is_replaced_everywhere_in_the_trajectory(redactor):
    turns = (
        RecordTurn(1, "login as root with admin"),
        RecordTurn(2, '{"password": "admin"}'),
        RecordTurn(3, "the administrator logged in"),
    )
    out, counts = redactor.trajectory(Trajectory("audit:x", "s5", turns))
    # before it was found too; a short value only as a whole word
    assert [t.text for t in out.turns] == [
        "login as root with <SECRET_1>",
        '{"password": "<SECRET_1>"}',
        "the administrator logged in",
    ]
    assert counts == {"SECRET": 2}


def test_a_private_key_cut_in_the_middle_loses_both_halves(redactor):
    head = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + KEY_BODY[0]
    tail = KEY_BODY[1] + "\n-----END OPENSSH PRIVATE KEY-----\ndone"
    out = redactor.text(head + "\n[... 300 tokens cut ...]\n" + tail)
    assert KEY_BODY[0] not in out and KEY_BODY[1] not in out and out.endswith("\ndone")


def test_overlapping_matches_keep_the_longest_and_secrets_win_ties(redactor):
    # a known secret that is also an e-mail address: same span, the secret wins
    shared = Redactor(RedactionConfig(ner_model=None), known_secrets={"ops@example.com"})
    assert shared.text("write to ops@example.com") == "write to <SECRET_1>"
    # a key inside a longer e-mail-shaped match: the longer match names the placeholder
    assert redactor.text(f"x {GITHUB_TOKEN}@github.com y") == "x <EMAIL_1> y"
    # a password inside a URL: the value only, the rest of the URL stays
    url = "postgresql://app:S3cr3tPw@db.internal:5432/prod"
    assert redactor.text(url) == "postgresql://app:<SECRET_1>@db.internal:5432/prod"


def test_redacting_twice_changes_nothing(redactor):
    once, _ = redactor.trajectory(planted_trajectory())
    twice, counts = redactor.trajectory(once)
    assert twice == once and twice.meta == once.meta and counts == {}


def test_without_pii_only_secrets_are_replaced():
    redactor = Redactor(RedactionConfig(pii=False), known_secrets={ENV_SECRET})
    assert not redactor.detects_names
    assert redactor.text(f"{ALICE} {US_PHONE} {ENV_SECRET}") == f"{ALICE} {US_PHONE} <SECRET_1>"


def test_without_ner_model_names_are_not_looked_for(redactor):
    assert not redactor.detects_names
    missing = Redactor(RedactionConfig(ner_model="no_such_spacy_model"))
    assert not missing.detects_names


def test_names_and_places_with_a_rule_based_pipeline(tmp_path):
    import spacy  # comes with presidio-analyzer (the compile extra)

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "PERSON", "pattern": "Ada Lovelace"},
            {"label": "PERSON", "pattern": "Alan Turing"},
            {"label": "GPE", "pattern": "London"},
        ]
    )
    nlp.to_disk(tmp_path / "model")
    redactor = Redactor(RedactionConfig(ner_model=str(tmp_path / "model")))
    assert redactor.detects_names
    turns = (
        RecordTurn(1, "Ada Lovelace met Alan Turing in London."),
        RecordTurn(2, "Ada Lovelace left."),
    )
    out, counts = redactor.trajectory(Trajectory("audit:x", "s6", turns))
    assert [t.text for t in out.turns] == [
        "<PERSON_1> met <PERSON_2> in <LOCATION_1>.",
        "<PERSON_1> left.",
    ]
    assert counts == {"PERSON": 3, "LOCATION": 1}


def test_names_and_places_with_en_core_web_sm():
    # Skipped only where the spaCy model en_core_web_sm is not installed (it is not on PyPI).
    pytest.importorskip("en_core_web_sm", reason="spaCy model en_core_web_sm is not installed")
    redactor = Redactor(RedactionConfig(ner_model="en_core_web_sm"))
    assert redactor.detects_names
    out = redactor.text("Yesterday Barack Obama flew from Chicago to Berlin.")
    assert "Barack Obama" not in out and "Chicago" not in out and "Berlin" not in out
    assert "<PERSON_1>" in out and "<LOCATION_1>" in out


@pytest.mark.parametrize("package", ["detect_secrets", "presidio_analyzer"])
def test_a_missing_extra_names_the_fix(monkeypatch, package):
    for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, package, None)
    with pytest.raises(AconError, match=r'pip install -e "\.\[compile\]"'):
        Redactor(RedactionConfig())
