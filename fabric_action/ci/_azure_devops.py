"""CI adapter for Azure Pipelines agents (a script step or a task).

Everything goes through logging commands, one per line on stdout:
``##vso[area.action key=value;key=value]message``. Escaping follows the current
azure-pipelines-task-lib: in the message ``%`` becomes ``%AZP25`` and CR/LF ``%0D``/``%0A``;
property values also escape ``;`` (``%3B``) and ``]`` (``%5D``), the command's own
separators.

The step's result is the process exit code (a script step fails on non-zero, a task's
shim exits with the CLI's code); no ``task.complete`` is sent, because it would also fail
a script that tolerates the failure (``fabric-action deploy ... || true``).
"""

import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ._masked import MaskedValues
from ._protocol import validate_output_name


def escape_data(text: str) -> str:
    """Escape a logging command's message (``%`` first, so nothing is escaped twice)."""
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a logging command's property value: the message escapes, ``;`` and ``]``."""
    return escape_data(text).replace(";", "%3B").replace("]", "%5D")


def format_command(command: str, properties: Mapping[str, str | None], message: str) -> str:
    """Return ``##vso[command k=v;k=v]message`` with everything escaped; None values left out."""
    pairs = ";".join(
        f"{key}={escape_property(value)}" for key, value in properties.items() if value is not None
    )
    return f"##vso[{command}{' ' + pairs if pairs else ''}]{escape_data(message)}"


def _emit(line: str) -> None:
    """Write one command line as UTF-8, whatever the stream's own encoding."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        print(line, flush=True)
        return
    buffer.write((line + "\n").encode("utf-8"))
    buffer.flush()


class AzureDevOpsAdapter:
    """Step I/O on an Azure Pipelines agent.

    Args:
        environ: the process environment; ``AGENT_TEMPDIRECTORY`` (where summary files are
            kept until the job ends) is read from it when a summary is written.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self._masked = MaskedValues()

    @property
    def name(self) -> str:
        """Return ``azure-devops``."""
        return "azure-devops"

    def set_output(self, name: str, value: str) -> None:
        """Print ``##vso[task.setvariable variable=NAME;isOutput=true]value``.

        Later steps read it as ``$(<step name>.NAME)``, other jobs through
        ``dependencies.<job>.outputs['<step name>.NAME']``.

        Raises:
            ValueError: *name* is not a valid output name (the rule action.yml uses).
        """
        validate_output_name(name)
        properties = {"variable": name, "isOutput": "true"}
        _emit(format_command("task.setvariable", properties, self._masked.redact(value)))

    def mask(self, value: str) -> None:
        """Print ``##vso[task.setsecret]`` for each non-blank line of *value*.

        The agent masks line by line, like GitHub's runner, and never reaches back to
        lines already printed.
        """
        self._masked.add(value)
        for line in value.splitlines():
            if line.strip():
                _emit(format_command("task.setsecret", {}, line))

    def error(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        """Print ``##vso[task.logissue type=error;sourcepath=F;linenumber=L]message``."""
        self._log_issue("error", message, file, line)

    def warning(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        """Print ``##vso[task.logissue type=warning;sourcepath=F;linenumber=L]message``."""
        self._log_issue("warning", message, file, line)

    def append_summary(self, markdown: str) -> None:
        """Write *markdown* to a new file and attach it with ``##vso[task.uploadsummary]``.

        Each call attaches one more section to the run's Extensions tab. The file is made
        under ``AGENT_TEMPDIRECTORY`` (the agent empties it after the job, and the upload
        reads the file only when the step ends), or the system temp directory outside an
        agent; its absolute path goes in the command, as the agent requires.
        """
        text = self._masked.redact(markdown).replace("\r\n", "\n")
        folder = self._environ.get("AGENT_TEMPDIRECTORY", "") or tempfile.gettempdir()
        with tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            newline="\n",
            prefix="fabric-action-summary-",
            suffix=".md",
            dir=folder,
            delete=False,
        ) as summary_file:
            summary_file.write(text if text.endswith("\n") else text + "\n")
        _emit(format_command("task.uploadsummary", {}, str(Path(summary_file.name).resolve())))

    def _log_issue(self, kind: str, message: str, file: str | None, line: int | None) -> None:
        properties = {
            "type": kind,
            "sourcepath": file or None,
            "linenumber": str(line) if file and line is not None else None,
        }
        _emit(format_command("task.logissue", properties, self._masked.redact(message)))
