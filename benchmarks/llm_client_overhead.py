"""The LLM client's own overhead per call, against a local endpoint that answers at once.

    .venv/bin/python benchmarks/llm_client_overhead.py [--calls 2000]

Baseline: a bare httpx POST of the same request to the same scripted endpoint. The
client's overhead is its time per call minus that baseline: request building, the
OpenAI SDK, the cl100k count, usage and cost accounting, and (cache on) the disk-cache
lookup and write. Target: under 2 ms per call.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from acon.llm.cache import ResponseCache
from acon.llm.client import LLMClient
from acon.llm.config import RoleConfig
from acon.llm.fake_server import FakeOpenAI
from acon.llm.pricing import PriceTable
from acon.llm.usage import UsageLedger

MESSAGES = [
    {"role": "system", "content": "You are a helpful agent. " * 20},
    {"role": "user", "content": "Find the file and report its size."},
]


def per_call_ms(fn, calls: int, repeats: int = 5) -> float:
    """Median over repeats of the mean time per call, in milliseconds."""
    for _ in range(50):
        fn(0)
    times = []
    for r in range(repeats):
        start = time.perf_counter()
        for i in range(calls):
            fn(r * calls + i + 1000)
        times.append((time.perf_counter() - start) / calls * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as tmp:
        config = RoleConfig(base_url=fake.base_url, model="gpt-4.1", max_retries=0)
        prices = PriceTable({"gpt-4.1": {"input": 2, "cached_input": 0.5, "output": 8}})
        plain = LLMClient("agent", config, ledger=UsageLedger(), prices=prices)
        cached = LLMClient(
            "agent",
            config,
            ledger=UsageLedger(),
            prices=prices,
            cache=ResponseCache(Path(tmp) / "cache"),
        )
        http = httpx.Client()
        body = {
            "model": "gpt-4.1",
            "messages": MESSAGES,
            "temperature": 0.0,
            "max_tokens": 1024,
            "seed": 42,
        }

        def bare(i: int) -> None:
            http.post(f"{fake.base_url}/chat/completions", json=body).json()

        def client_no_cache(i: int) -> None:
            plain.chat(MESSAGES)

        def client_cache_miss(i: int) -> None:  # a new sample each call: miss + write
            cached.chat(MESSAGES, sample=i)

        def client_cache_hit(i: int) -> None:
            cached.chat(MESSAGES, sample=0)

        baseline = per_call_ms(bare, args.calls)
        rows = [
            ("bare httpx POST (baseline)", baseline),
            ("LLMClient.chat, cache off", per_call_ms(client_no_cache, args.calls)),
            ("LLMClient.chat, cache miss + write", per_call_ms(client_cache_miss, args.calls)),
            ("LLMClient.chat, cache hit (no request)", per_call_ms(client_cache_hit, args.calls)),
        ]
    print(f"| path ({args.calls} calls x 5, median) | ms per call | overhead vs baseline |")
    print("|---|---|---|")
    for name, ms in rows:
        extra = "" if ms is baseline else f"{ms - baseline:+.3f} ms"
        print(f"| {name} | {ms:.3f} | {extra} |")


if __name__ == "__main__":
    main()
