"""The Textual review console: queues, the claim screen and their keys.

This package is the only one that imports Textual; it reaches claims only through
``claimtui.review``.
"""

from claimtui.tui.app import ClaimApp, run_console

__all__ = ["ClaimApp", "run_console"]
