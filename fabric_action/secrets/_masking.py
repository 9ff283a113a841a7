"""Register secret values with the CI log masker, and redact them from our own logs."""

from __future__ import annotations

import json
import logging
import threading
from typing import Protocol

from ._secret import MASK, Secret


class MaskSink(Protocol):
    """Where values to hide are sent: ``fabric_action.ci.CIAdapter`` satisfies this."""

    def mask(self, value: str) -> None:
        """Hide ``value`` in every later log line."""
        ...


class SecretMasker:
    """Every secret value this run knows, registered with the CI masker once.

    :meth:`register` must run before anything that could print the value: the GitHub
    runner masks only what it was told about earlier, and Azure DevOps' ``setsecret``
    does not reach back either. Besides the value, its JSON-escaped form is registered
    when that differs (a value with quotes, backslashes or line breaks appears escaped in
    JSON reports). :meth:`redact` and :meth:`logging_filter` protect our own log lines
    too, on a terminal where no CI masker exists.

    Args:
        sink: The CI adapter (or anything with ``mask(value)``).
    """

    def __init__(self, sink: MaskSink) -> None:
        self._sink = sink
        self._lock = threading.Lock()
        self._registered: set[str] = set()
        self._fragments: list[str] = []

    def register(self, secret: Secret) -> Secret:
        """Tell the CI masker about ``secret`` (once per value) and return it.

        Blank values are skipped: masking whitespace would garble every log line.
        """
        value = secret.reveal()
        if not value.strip():
            return secret
        forms = [value]
        escaped = json.dumps(value, ensure_ascii=False)[1:-1]
        if escaped != value:
            forms.append(escaped)
        with self._lock:
            for form in forms:
                if form in self._registered:
                    continue
                self._sink.mask(form)
                self._registered.add(form)
                pieces = {form, *(line for line in form.splitlines() if line.strip())}
                self._fragments.extend(pieces - set(self._fragments))
            self._fragments.sort(key=len, reverse=True)
        return secret

    def redact(self, text: str) -> str:
        """Return ``text`` with every registered value (and each of its lines) as ``***``."""
        with self._lock:
            fragments = list(self._fragments)
        for fragment in fragments:
            if fragment in text:
                text = text.replace(fragment, MASK)
        return text

    def logging_filter(self) -> logging.Filter:
        """Return a logging filter that redacts registered values from each record."""
        return _RedactingFilter(self)


class _RedactingFilter(logging.Filter):
    """Rewrite a record's message and traceback text with the values redacted."""

    def __init__(self, masker: SecretMasker) -> None:
        super().__init__()
        self._masker = masker

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place and keep the record."""
        message = record.getMessage()
        redacted = self._masker.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._masker.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._masker.redact(record.stack_info)
        return True
