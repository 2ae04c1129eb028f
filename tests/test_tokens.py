from __future__ import annotations

from pathlib import Path

from acon.tokens import clip_tokens, count_messages, count_text

ROOT = Path(__file__).resolve().parents[1]


def test_cl100k_counts_known_strings():
    assert count_text("") == 0
    assert count_text("hello world") == 2  # cl100k_base: "hello", " world"
    assert count_text("tiktoken is great!") == 6


def test_message_count_includes_openai_framing():
    messages = [{"role": "system", "content": "hello world"}, {"role": "user", "content": ""}]
    # 3 per message + role tokens + content, + 3 to prime the reply
    assert count_messages(messages) == 3 + (3 + 1 + 2) + (3 + 1 + 0)


def test_tool_calls_and_content_parts_are_counted():
    with_call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"function": {"name": "search", "arguments": '{"q": "x"}'}}],
    }
    parts = {"role": "user", "content": [{"type": "text", "text": "hello world"}]}
    assert count_messages([with_call]) > count_messages([{"role": "assistant", "content": ""}])
    assert count_messages([parts]) == count_messages([{"role": "user", "content": "hello world"}])


def test_a_text_naming_a_special_token_is_ordinary_text():
    """An observation may quote `<|endoftext|>` (a page about tokenizers, a log): it is
    counted as the characters it is, never a failure (the package's Python layer raised)."""
    assert count_text("a <|endoftext|> b") == 8  # "a", " <|", "endo", "ft", "ext", "|",">"," b"
    assert clip_tokens("<|endoftext|> " * 50, 10)[1] > 0


def test_counts_and_clipping_match_the_reference_encoder():
    """The Rust tokenizer used directly counts as bpe-openai's tiktoken-compatible layer."""
    import bpe_openai

    reference = bpe_openai.get_encoding("cl100k_base")
    texts = [
        "héllo wörld 日本語 🎉",
        "  spaces\n\n\ttabs",
        "def f(x):\n    return x**2\n",
        (ROOT / "README.md").read_text()[:20000],
    ]
    for text in texts:
        assert count_text(text) == len(reference.encode(text))
    head_and_tail, cut = clip_tokens(texts[-1], 100)
    assert cut == len(reference.encode(texts[-1])) - 100
    assert head_and_tail.startswith(reference.decode(reference.encode(texts[-1])[:50]))
