"""claimtui: review, correct and release 837P claims before they go out."""

__version__ = "0.1.0"
