"""``${env:NAME}`` and ``${secret:NAME}``: find them, resolve them, keep secrets wrapped.

References are resolved after validation and after the layers are merged, so only the
values that are in effect for the chosen environment are resolved: a variable that
only prod needs may be missing from a dev run. ``$${`` is a literal ``${``.

An ``${env:NAME}`` may sit inside longer text (``https://${env:VAULT}.vault.azure.net/``).
A ``${secret:NAME}`` must be a whole value, and only in the secret fields: a secret
glued into plain text would stop being a secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from ..errors import ConfigError, ConfigProblem, FabricActionError
from ._document import JsonPath, ParsedDocument
from ._layers import Layer, Source, Sources, source_at
from ._secret_values import secret_value_problem

SECRET_FIELDS: frozenset[tuple[str, str]] = frozenset(
    {
        ("auth", "client_secret"),
        ("auth", "certificate"),
        ("auth", "certificate_password"),
        ("telemetry", "connection_string"),
        ("git", "connection"),
    }
)
"""The fields (by their last two path keys) that may hold ``${secret:NAME}``."""

_START = re.compile(r"\$\$\{|\$\{")
_REFERENCE = re.compile(r"\$\{(env|secret):([^}]*)\}")
_TOKEN = re.compile(r"\$\$\{|\$\{(env|secret):([^}]*)\}")
_NAMES = {
    "env": re.compile(r"[A-Za-z_][A-Za-z0-9_]*"),
    "secret": re.compile(r"[0-9A-Za-z-]{1,127}"),
}
_SECRET_VALUE = re.compile(r"\$\{secret:([0-9A-Za-z-]{1,127})\}")
Key = TypeVar("Key")


class SecretValue(Protocol):
    """A resolved secret: it prints as ``***`` and gives its value only on request.

    ``fabric_action.secrets.Secret`` is one. Config calls :meth:`reveal` in one place
    only, to check the value's shape for its field (``_secret_values``), never to show it.
    """

    def reveal(self) -> str:
        """Return the plaintext."""
        ...


class SecretProvider(Protocol):
    """Resolves ``${secret:NAME}`` (the SecretManager implements it).

    ``get`` raises :class:`LookupError` or a :class:`~fabric_action.errors.FabricActionError`
    (such as ``SecretNotFoundError``) when the secret cannot be had.
    """

    def get(self, name: str) -> SecretValue:
        """Return the secret called *name*."""
        ...


@dataclass(frozen=True)
class SecretRef:
    """A ``${secret:NAME}`` from the config and, once resolved, its value.

    Attributes:
        name: The secret's name.
        value: The resolved secret; None when the config was loaded without a secret
            provider (``validate`` works offline).
    """

    name: str
    value: SecretValue | None = field(default=None, compare=False)

    @property
    def resolved(self) -> bool:
        """Return whether the value is known."""
        return self.value is not None

    def require(self) -> SecretValue:
        """Return the value.

        Raises:
            ConfigError: The config was loaded offline, so the secret was not read.
        """
        if self.value is None:
            raise ConfigError(
                f"the secret {self.name!r} was not resolved: load the config with a "
                "secret provider before using it"
            )
        return self.value

    def __repr__(self) -> str:
        state = "***" if self.resolved else "not resolved"
        return f"SecretRef(name={self.name!r}, value={state})"

    __str__ = __repr__


def _walk_strings(value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk_strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_strings(item, (*path, index))


def check_reference_syntax(document: ParsedDocument) -> list[ConfigProblem]:
    """Return a problem for each malformed or misplaced reference anywhere in the file."""
    problems = []
    for path, text in _walk_strings(document.data, ()):
        for match in _START.finditer(text):
            if match.group() == "$${":
                continue
            reference = _REFERENCE.match(text, match.start())
            if reference is None or not _NAMES[reference.group(1)].fullmatch(reference[2]):
                problems.append(
                    document.problem(
                        "reference.syntax",
                        "malformed reference: write ${env:NAME} (NAME: letters, digits, "
                        "'_') or ${secret:NAME} (NAME: letters, digits, '-'); write $${ for "
                        "a literal ${",
                        path,
                    )
                )
            elif reference.group(1) == "secret" and (
                tuple(path[-2:]) not in SECRET_FIELDS or reference.group() != text
            ):
                problems.append(
                    document.problem(
                        "reference.misplaced-secret",
                        f"{reference.group()} cannot be used here: a secret must be the "
                        "whole value of auth.client_secret, auth.certificate, "
                        "auth.certificate_password, telemetry.connection_string or "
                        "git.connection",
                        path,
                    )
                )
    return problems


def resolve_env_references(
    data: Mapping[str, Any], sources: Sources, environ: Mapping[str, str]
) -> tuple[dict[str, Any], list[ConfigProblem], set[JsonPath]]:
    """Replace ``${env:NAME}`` in the file's values of the effective environment.

    Values from inputs, environment variables and defaults are taken literally. Each
    replaced value's source records the reference. ``$${`` becomes ``${``.

    Returns:
        The data with references replaced (unresolved ones left as written), a problem
        per variable that is not set, and the paths of the values left unresolved.
    """
    problems: list[ConfigProblem] = []
    unresolved: set[JsonPath] = set()

    def resolve(value: Any, path: JsonPath) -> Any:
        if isinstance(value, Mapping):
            return {key: resolve(item, (*path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [resolve(item, (*path, index)) for index, item in enumerate(value)]
        source = source_at(sources, path)
        if not isinstance(value, str) or source.layer not in _FILE_LAYERS:
            return value
        used: list[str] = []

        def substitute(match: re.Match[str]) -> str:
            if match.group() == "$${":
                return "${"
            if match.group(1) != "env":
                return match.group()  # a secret: the provider resolves it later
            used.append(match.group())
            found = environ.get(match.group(2), "")
            if not found:
                unresolved.add(path)
                problems.append(
                    source.problem(
                        "reference.unresolved-env",
                        f"{match.group()} is not resolved: the environment variable "
                        f"{match.group(2)} is not set (or empty); set it for this job or "
                        "change the value",
                    )
                )
                return match.group()
            return found

        resolved = _TOKEN.sub(substitute, value)
        if used:
            sources[path] = _with_reference(source, ", ".join(used))
        return resolved

    result = resolve(data, ())
    assert isinstance(result, dict)
    return result, problems, unresolved


_FILE_LAYERS = (Layer.ENVIRONMENT_SECTION, Layer.TOP_LEVEL)


def _with_reference(source: Source, reference: str) -> Source:
    return Source(
        layer=source.layer,
        file=source.file,
        line=source.line,
        column=source.column,
        config_path=source.config_path,
        origin=source.origin,
        reference=reference,
    )


def secret_name(value: object) -> str | None:
    """Return NAME when *value* is exactly ``${secret:NAME}``, else None."""
    if isinstance(value, str):
        match = _SECRET_VALUE.fullmatch(value)
        if match:
            return match.group(1)
    return None


def resolve_secrets(
    names: Mapping[Key, str],
    source_of: Callable[[Key], Source],
    provider: SecretProvider | None,
    *,
    field_of: Callable[[Key], str],
    only: Collection[str] | None = None,
) -> tuple[dict[Key, SecretRef], list[ConfigProblem]]:
    """Return a :class:`SecretRef` for each secret field; resolve them with *provider*.

    Without a provider every reference stays unresolved (offline). Each name is asked
    for once; a failure is a problem naming the reference and where it is used, and so is
    a value that cannot serve its field (empty, not PEM...), described without the value.

    Args:
        names: The secret name of each field, by the field's key.
        source_of: Where the field's value was given.
        provider: Reads the secrets, or None.
        field_of: The field a key stands for (``client_secret``, ``connection``...).
        only: The names to resolve (default: all); the others stay unresolved.
    """
    refs: dict[Key, SecretRef] = {}
    problems: list[ConfigProblem] = []
    values: dict[str, SecretValue | None] = {}
    failures: dict[str, str] = {}
    for key, name in names.items():
        wanted = only is None or name in only
        if provider is not None and wanted and name not in values and name not in failures:
            try:
                values[name] = provider.get(name)
            except LookupError:
                failures[name] = "no such secret"
            except FabricActionError as exc:
                failures[name] = str(exc)
        if name in failures:
            problems.append(
                source_of(key).problem(
                    "reference.unresolved-secret",
                    f"${{secret:{name}}} could not be resolved: {failures[name]}",
                )
            )
        value = values.get(name)
        unusable = None if value is None else secret_value_problem(field_of(key), value)
        if unusable is not None:
            problems.append(
                source_of(key).problem(
                    "reference.invalid-secret-value",
                    f"${{secret:{name}}} cannot be used here: {unusable}",
                )
            )
        refs[key] = SecretRef(name, value)
    return refs, problems
