"""The benchmark's one error type."""


class BenchError(Exception):
    """A benchmark step failed; the message says which and why in one line."""


def last_line(text: str) -> str:
    """The last non-empty line of a command's output, where CLIs put their verdict."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
