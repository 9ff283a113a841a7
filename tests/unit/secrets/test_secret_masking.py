"""SecretMasker: each value reaches the CI masker once; our own logs are redacted too."""

from __future__ import annotations

import io
import logging

from fabric_action.secrets import Secret, SecretMasker


class RecordingSink:
    """A fake CI adapter that records what it was asked to mask."""

    def __init__(self) -> None:
        self.masked: list[str] = []

    def mask(self, value: str) -> None:
        self.masked.append(value)


def test_register_masks_each_value_once_and_returns_the_secret() -> None:
    sink = RecordingSink()
    masker = SecretMasker(sink)
    secret = Secret("p4ss")

    returned = masker.register(secret)
    masker.register(Secret("p4ss"))

    assert returned is secret
    assert sink.masked == ["p4ss"]


def test_blank_values_are_not_masked() -> None:
    sink = RecordingSink()

    SecretMasker(sink).register(Secret("  \n"))

    assert sink.masked == []


def test_json_escaped_form_is_masked_too() -> None:
    sink = RecordingSink()

    SecretMasker(sink).register(Secret('a"b\\c\nd'))

    assert sink.masked == ['a"b\\c\nd', 'a\\"b\\\\c\\nd']


def test_redact_replaces_values_and_their_lines_longest_first() -> None:
    masker = SecretMasker(RecordingSink())
    masker.register(Secret("line-one\nline-two"))
    masker.register(Secret("line"))

    redacted = masker.redact("a line-one b line-two c line-one\nline-two d line")

    assert redacted == "a *** b *** c *** d ***"


def test_logging_filter_redacts_messages_arguments_and_tracebacks() -> None:
    masker = SecretMasker(RecordingSink())
    masker.register(Secret("hunter2"))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(masker.logging_filter())
    logger = logging.getLogger("test.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("value %s here", "hunter2")
        logger.warning("nothing to hide")
        try:
            raise RuntimeError("boom hunter2")
        except RuntimeError:
            logger.exception("failed")
        # The stack shows this source line, so it must be redacted as well.
        logger.warning("stack", stack_info=True) if "hunter2" else None
    finally:
        logger.removeHandler(handler)
        logger.propagate = True

    output = stream.getvalue()
    assert "hunter2" not in output
    assert "value *** here" in output
    assert "nothing to hide" in output
    assert "RuntimeError: boom ***" in output
    assert 'if "***" else None' in output
