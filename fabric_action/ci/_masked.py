"""The values an adapter was asked to mask, kept out of what the adapter writes itself."""

import threading

MASK = "***"


class MaskedValues:
    """Remember masked values and redact them from text (outputs, annotations, summaries).

    The CI masker only hides values in the log; a step output, a summary file or an
    Azure DevOps attachment may not pass through it. Each value is kept whole and line by
    line (a multiline secret may surface one line at a time), longest first so a longer
    value is replaced before a shorter one inside it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fragments: list[str] = []

    def add(self, value: str) -> None:
        """Remember *value* and each of its non-blank lines; blank values are ignored."""
        pieces = {value, *value.splitlines()}
        with self._lock:
            known = set(self._fragments)
            self._fragments += [p for p in pieces if p.strip() and p not in known]
            self._fragments.sort(key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return *text* with every remembered value replaced by ``***``."""
        with self._lock:
            fragments = list(self._fragments)
        for fragment in fragments:
            text = text.replace(fragment, MASK)
        return text
