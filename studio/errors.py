"""Errors the command line reports as one line."""


class CommandError(Exception):
    """A failure to report as one line on stderr, exit code 1."""
