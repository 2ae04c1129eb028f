from __future__ import annotations

from acon.tokens import count_messages, count_text


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
