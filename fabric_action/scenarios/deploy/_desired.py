"""What a workspace should hold: the repository's items after parameterisation, and folders.

Reading is offline (``fabric_action.items``); what depends on the target (deployed ids)
is left to rendering with a resolver. The repository fingerprint covers every input of
rendering that the repository decides (each part of each item, the parameter files, the
environment whose values are used), so a saved plan can prove the repository it was
made from is the one being applied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fabric_action.config import Workspace
from fabric_action.items import (
    ItemKey,
    ParameterSet,
    Repository,
    SourceItem,
    item_dependencies,
    load_parameters,
    read_repository,
)

__all__ = [
    "DATA_BEARING_TYPES",
    "SHELL_ONLY_TYPES",
    "TYPE_ORDER",
    "DesiredWorkspace",
    "load_desired_workspace",
]

TYPE_ORDER = (
    "VariableLibrary", "Warehouse", "MirroredDatabase", "Lakehouse", "SQLDatabase",
    "CosmosDBDatabase", "Environment", "UserDataFunction", "Eventhouse",
    "SparkJobDefinition", "Notebook", "SemanticModel", "Report", "PaginatedReport",
    "CopyJob", "DataBuildToolJob", "KQLDatabase", "KQLQueryset", "Dataflow",
    "DataPipeline", "Reflex", "Eventstream", "KQLDashboard", "GraphQLApi",
    "ApacheAirflowJob", "MountedDataFactory", "Ontology", "DataAgent", "MLExperiment",
    "Map", "GraphModel",
)  # fmt: skip
"""fabric-cicd 1.4.0's publish order: here only a tie-breaker among items that are ready
at once, and the set of types whose orphans are considered (others, such as the
SQLEndpoint a lakehouse brings, are left alone)."""

SHELL_ONLY_TYPES = frozenset({"Lakehouse", "Warehouse", "SQLDatabase", "MLExperiment"})
"""Types created without a definition (fabric-cicd ``SHELL_ONLY_PUBLISH``): never updated."""

DATA_BEARING_TYPES = frozenset({
    "Lakehouse", "Warehouse", "SQLDatabase", "Eventhouse", "KQLDatabase",
    "MirroredDatabase", "CosmosDBDatabase", "SnowflakeDatabase", "MirroredWarehouse",
    "MirroredAzureDatabricksCatalog", "WarehouseSnapshot",
})  # fmt: skip
"""Types holding data: an orphan of these is deleted only when its type is allowed."""


@dataclass(frozen=True, kw_only=True)
class DesiredWorkspace:
    """The repository side of one workspace.

    Attributes:
        spec: The workspace in the config.
        environment: The environment whose parameter values apply.
        repository: Every item read from ``items.source``.
        parameters: The parameter rules for *environment* (empty without a file).
        fingerprint: See the module docstring.
    """

    spec: Workspace
    environment: str
    repository: Repository
    parameters: ParameterSet
    fingerprint: str

    @property
    def items(self) -> tuple[SourceItem, ...]:
        """Return the items to deploy (all of the repository)."""
        return self.repository.items

    def dependencies(self, item: SourceItem) -> frozenset[ItemKey]:
        """Return the repository items *item* references."""
        return item_dependencies(item, repository=self.repository, parameters=self.parameters)


def _fingerprint(environment: str, repository: Repository, parameter_files: list[Path]) -> str:
    digest = hashlib.sha256(b"fabric-action/repository-fingerprint/v1\0")

    def add(chunk: bytes) -> None:
        digest.update(len(chunk).to_bytes(8, "big"))
        digest.update(chunk)

    add(environment.encode("utf-8"))
    for folder in repository.folders:
        add(folder.encode("utf-8"))
    for item in repository.items:
        add(f"{item.directory}\0{item.folder_path}".encode())
        for part in item.parts:
            add(part.path.encode("utf-8"))
            add(part.data)
    for file in parameter_files:
        add(file.as_posix().encode("utf-8"))
        add(file.read_bytes() if file.is_file() else b"")
    return f"sha256:{digest.hexdigest()}"


def load_desired_workspace(spec: Workspace, environment: str) -> DesiredWorkspace:
    """Read and parameterise the items of one configured workspace.

    Raises:
        ItemSourceError: The item folders have problems.
        ParameterError: The parameter file has problems.
    """
    source = spec.items.source_dir
    repository = read_repository(source)
    parameters = load_parameters(
        source,
        environment=environment,
        parameter_file=spec.items.parameters_file,
        repository=repository,
    )
    files = sorted({Path(file) for file in parameters.files})
    return DesiredWorkspace(
        spec=spec,
        environment=environment,
        repository=repository,
        parameters=parameters,
        fingerprint=_fingerprint(environment, repository, files),
    )
