"""Prompt and generation speed of the local llama.cpp server on this machine.

    .venv/bin/python benchmarks/local_server_speed.py [hydra overrides, e.g. llm=local_1.5b]

Sends prompts of about 1,000 tokens that share no prefix (so nothing is served from the
prompt cache) and asks for 128 tokens; reads llama.cpp's own timings from each reply.
"""

from __future__ import annotations

import statistics
import sys
import tempfile

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings

WORDS = "river stone lantern orbit velvet quartz harbor meadow signal copper".split()  # noqa: SIM905


def prompt(seed: int) -> str:
    # A distinct opening line per request defeats prefix caching.
    words = [WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(700)]
    return f"Request {seed}. Summarize this list in one long paragraph:\n" + " ".join(words)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = compose([*sys.argv[1:], "llm.cache.enabled=false"])
        with LLMSession(ModelSettings.of(cfg), tmp) as llms:
            agent = llms.client("agent")
            agent.chat([{"role": "user", "content": "warm up"}], max_tokens=4)
            rows = []
            for seed in range(3):
                reply = agent.chat(
                    [{"role": "user", "content": prompt(seed)}], max_tokens=128, temperature=0.0
                )
                t = reply.response.get("timings", {})
                rows.append(
                    (
                        t["prompt_n"],
                        t["prompt_per_second"],
                        t["predicted_n"],
                        t["predicted_per_second"],
                    )
                )
    print(f"model: {agent.config.model}, threads: {cfg.llm.server.threads}")
    print("| run | prompt tokens | prompt tok/s | generated tokens | generation tok/s |")
    print("|---|---|---|---|---|")
    for i, (pn, pps, gn, gps) in enumerate(rows):
        print(f"| {i} | {pn} | {pps:.1f} | {gn} | {gps:.1f} |")
    print(
        f"| median | | {statistics.median(r[1] for r in rows):.1f} | | "
        f"{statistics.median(r[3] for r in rows):.1f} |"
    )


if __name__ == "__main__":
    main()
