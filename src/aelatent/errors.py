"""Errors raised for bad input, so adapters and tests can tell them from bugs."""


class InputError(ValueError):
    """Bad user input: a corrupt file, an unsafe archive, a checksum mismatch, a bad config."""
