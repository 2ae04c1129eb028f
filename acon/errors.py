"""One error type for everything a user can fix: its message is one sentence naming the fix."""


class AconError(Exception):
    """A problem the user can fix (bad config, missing key, dead endpoint, bad file).

    Entry points print its message alone, without a traceback.
    """
