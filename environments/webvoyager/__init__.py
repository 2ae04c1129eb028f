"""WebVoyager: live-site web tasks (LLM-judged) and offline local sites, in real Chromium."""

from environments.webvoyager.env import WebVoyagerEnv

__all__ = ["WebVoyagerEnv"]
