"""The one exception tree of fabric-action, and the process exit codes it maps to.

```
FabricActionError            exit 1  (base; later issues add the subclasses in DESIGN.md)
 └── ConfigError             exit 2  bad input, config or CI environment
```

Each error carries the exit code the CLI returns for it, so the mapping lives in one place.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the CLI (DESIGN.md, "Errors and exit codes")."""

    OK = 0
    DEPLOYMENT_FAILED = 1
    CONFIG_ERROR = 2
    AUTH_ERROR = 3
    ROLLBACK_INCOMPLETE = 4
    CANCELLED = 130


class FabricActionError(Exception):
    """Base of every error fabric-action raises on purpose."""

    exit_code: ExitCode = ExitCode.DEPLOYMENT_FAILED


class ConfigError(FabricActionError):
    """An input, config file or CI environment value is missing or invalid."""

    exit_code = ExitCode.CONFIG_ERROR
