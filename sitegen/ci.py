"""Whether sitegen runs on a CI machine: the ``CI`` variable that GitHub
Actions, GitLab CI, CircleCI and most other services set. Such a machine's
terminal is a log, and its disk is thrown away when the job ends."""

from __future__ import annotations

import os


def on_ci() -> bool:
    """``CI`` is set to anything but empty, "0" or "false" (any case)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")
