"""One error type for everything a user can fix: its message is one sentence naming the fix."""


class AconError(Exception):
    """A problem the user can fix (bad config, missing key, dead endpoint, bad file).

    Entry points print its message alone, without a traceback.
    """


class IncompleteRun(Exception):  # noqa: N818 - reads as the outcome it reports
    """The run ended, but infrastructure cut some tasks short: its results leave them out.

    Entry points print the message (how many, why, how to retry) and exit with code 1.
    """


def require_extra(extra: str, modules: list[str], what: str, torch_first: bool = False) -> None:
    """Stop with one sentence naming the extra to install when any of `modules` is not
    installed (checked without importing them: torch alone takes seconds)."""
    import importlib.util

    if all(importlib.util.find_spec(m) is not None for m in modules):
        return
    torch = "pip install torch==2.13.0 (the CPU build) and then " if torch_first else ""
    raise AconError(
        f"{what} needs the {extra} extra: {torch}pip install -e '.[{extra}]' (or make setup)."
    )
