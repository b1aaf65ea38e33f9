"""Errors the user can act on: reported as one line, never as a traceback."""


class KpiError(Exception):
    """A problem explained by its message alone; `exit_code` is what the `kpi` command returns."""

    exit_code = 1


class UsageError(KpiError):
    """Bad command-line input (a missing folder, a bad argument)."""

    exit_code = 2
