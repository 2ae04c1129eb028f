"""One error type for everything a user can fix: its message is one sentence naming the fix."""


class AconError(Exception):
    """A problem the user can fix (bad config, missing key, dead endpoint, bad file).

    Entry points print its message alone, without a traceback.
    """


class IncompleteRun(Exception):  # noqa: N818 - reads as the outcome it reports
    """The run ended, but infrastructure cut some tasks short: its results leave them out.

    Entry points print the message (how many, why, how to retry) and exit with code 1.
    """
