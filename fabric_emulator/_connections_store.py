"""Tenant connections and the data sources of semantic models (reference §15).

- :class:`Connection` is one entry of ``GET /v1/connections``; the tenant starts with
  :func:`default_connections` (stable ids, the same in every run and doc).
- A semantic model's *data source references* are derived from its definition: every
  ``Sql.Database("server", "db")`` (type ``SQL``, path ``server;db``) and
  ``AzureStorage.DataLake("url")`` (type ``AzureDataLakeStorage``, path ``url`` with a
  trailing ``/``) in ``definition/**/*.tmdl``, ``*.tmdl`` or ``model.bim`` (whose M
  expressions are JSON strings or lists of lines).
- Fabric lists an AzureDataLakeStorage connection's path *without* the trailing slash the
  model's data source has, while ``bindConnection`` wants the data source's exact path
  [I fabric-cicd #1128]; the default Data Lake connection reproduces that.
- Which connection a data source is bound to is item state
  (``Item.properties[BINDINGS_KEY]``: data source key -> connection id), so it is saved
  with the state and forgotten when the model is deleted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fabric_emulator._directory import stable_id

BINDINGS_KEY = "connectionBindings"
"""Key of a semantic model's bindings in ``Item.properties``."""

SQL = "SQL"
DATA_LAKE = "AzureDataLakeStorage"
CONNECTIVITY_TYPES = frozenset(
    {
        "ShareableCloud",
        "PersonalCloud",
        "OnPremisesGateway",
        "OnPremisesGatewayPersonal",
        "VirtualNetworkGateway",
        "StreamingVirtualNetworkGateway",
        "Automatic",
        "None",
    }
)
"""The Swagger's ``ConnectivityType`` values."""

DEFAULT_SQL_PATH = "emulator-sql.database.windows.net;SalesDb"
DEFAULT_LAKE_PATH = "https://emulatorlake.dfs.core.windows.net/landing"
DEFAULT_GATEWAY_ID = stable_id("gateway", "emulator-gateway")


@dataclass(kw_only=True)
class Connection:
    """A tenant connection as ``GET /v1/connections`` lists it."""

    id: str
    display_name: str
    connectivity_type: str
    connection_type: str
    path: str
    gateway_id: str | None = None
    privacy_level: str = "Organizational"
    credential_type: str = "OAuth2"


@dataclass(frozen=True)
class DataSource:
    """A data source reference of a semantic model: ``connectionDetails`` type and path."""

    type: str
    path: str

    @property
    def key(self) -> str:
        """Return the key its binding is stored under."""
        return f"{self.type.casefold()}|{self.path}"


def default_connections() -> dict[str, Connection]:
    """Return the connections a new tenant has, by id.

    - ``Emulator SQL``: ShareableCloud, SQL ``emulator-sql.database.windows.net;SalesDb``.
    - ``Emulator SQL (gateway)``: OnPremisesGateway, the same SQL data source.
    - ``Emulator Data Lake``: ShareableCloud, AzureDataLakeStorage
      ``https://emulatorlake.dfs.core.windows.net/landing`` (no trailing slash).
    """
    connections = [
        Connection(
            id=stable_id("connection", "emulator-sql"),
            display_name="Emulator SQL",
            connectivity_type="ShareableCloud",
            connection_type=SQL,
            path=DEFAULT_SQL_PATH,
        ),
        Connection(
            id=stable_id("connection", "emulator-sql-gateway"),
            display_name="Emulator SQL (gateway)",
            connectivity_type="OnPremisesGateway",
            connection_type=SQL,
            path=DEFAULT_SQL_PATH,
            gateway_id=DEFAULT_GATEWAY_ID,
            credential_type="Basic",
        ),
        Connection(
            id=stable_id("connection", "emulator-lake"),
            display_name="Emulator Data Lake",
            connectivity_type="ShareableCloud",
            connection_type=DATA_LAKE,
            path=DEFAULT_LAKE_PATH,
        ),
    ]
    return {connection.id: connection for connection in connections}


def connection_from_json(data: dict[str, Any]) -> Connection:
    """Rebuild a connection from its saved form (``dataclasses.asdict``)."""
    return Connection(**data)


def connection_view(connection: Connection) -> dict[str, Any]:
    """Render a connection as ``GET /v1/connections`` does."""
    view: dict[str, Any] = {
        "id": connection.id,
        "displayName": connection.display_name,
        "connectivityType": connection.connectivity_type,
        "connectionDetails": {"type": connection.connection_type, "path": connection.path},
        "privacyLevel": connection.privacy_level,
        "credentialDetails": {
            "credentialType": connection.credential_type,
            "singleSignOnType": "None",
            "connectionEncryption": "NotEncrypted",
            "skipTestConnection": False,
        },
    }
    if connection.gateway_id:
        view["gatewayId"] = connection.gateway_id
    return view


def data_lake_path(path: str) -> str:
    """Return a Data Lake path as a model's data source spells it: with a trailing ``/``."""
    return path if path.endswith("/") else f"{path}/"


def connects_to(connection: Connection, source: DataSource) -> bool:
    """Return whether ``connection`` reaches ``source`` (Data Lake paths modulo the ``/``)."""
    if connection.connection_type.casefold() != source.type.casefold():
        return False
    if source.type.casefold() == DATA_LAKE.casefold():
        return data_lake_path(connection.path) == source.path
    return connection.path == source.path


_SQL_DATABASE = re.compile(r'Sql\.Databases?\(\s*"([^"]+)"\s*(?:,\s*"([^"]+)")?')
_DATA_LAKE = re.compile(r'AzureStorage\.DataLake\(\s*"([^"]+)"')


def _strings(document: Any) -> Iterator[str]:
    """Yield every string of a JSON document; a list of strings also as its joined lines."""
    if isinstance(document, str):
        yield document
    elif isinstance(document, list):
        if document and all(isinstance(line, str) for line in document):
            yield "\n".join(document)
        else:
            for value in document:
                yield from _strings(value)
    elif isinstance(document, dict):
        for value in document.values():
            yield from _strings(value)


def _expressions(path: str, text: str) -> Iterator[str]:
    if path.endswith(".bim"):
        try:
            yield from _strings(json.loads(text))
        except ValueError:
            return
    elif path.endswith(".tmdl"):
        yield text


def data_sources(parts: Sequence[tuple[str, str]]) -> list[DataSource]:
    """Return the data sources the M expressions of a model's parts name, in order, once each.

    Args:
        parts: ``(path, text)`` of each definition part.
    """
    found: dict[str, DataSource] = {}
    for path, text in parts:
        for expression in _expressions(path, text):
            for match in _SQL_DATABASE.finditer(expression):
                server, database = match.group(1), match.group(2) or ""
                source = DataSource(SQL, f"{server};{database}" if database else server)
                found.setdefault(source.key, source)
            for match in _DATA_LAKE.finditer(expression):
                source = DataSource(DATA_LAKE, data_lake_path(match.group(1)))
                found.setdefault(source.key, source)
    return list(found.values())
