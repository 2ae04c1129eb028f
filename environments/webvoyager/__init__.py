"""WebVoyager: live-site web tasks (LLM-judged) and offline local sites, in real Chromium."""
