"""Unit tests of binding planning: the shared tenant listing, problem places, plan JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fabric_action.fabric import Connection, ConnectionDetails, ItemConnection
from fabric_action.items import ParameterSet
from fabric_action.items._parameter_model import ModelBindingRule, SemanticModelBindingRules
from fabric_action.items._yaml_source import Place
from fabric_action.scenarios.deploy import ItemAction, ItemChange, WorkspacePlan
from fabric_action.scenarios.deploy._bindings import (
    TenantConnections,
    _place,
    _plan_existing,
)
from fabric_action.scenarios.deploy._model import PlannedBinding

CONNECTION = Connection(
    id="C1",
    display_name="Lake",
    connectivity_type="ShareableCloud",
    details=ConnectionDetails(type="AzureDataLakeStorage", path="https://a/b"),
)


class _Connections:
    def __init__(self) -> None:
        self.calls = 0

    def list(self) -> list[Connection]:
        self.calls += 1
        return [CONNECTION]


class _Client:
    def __init__(self) -> None:
        self.connections = _Connections()


def test_the_tenant_listing_is_read_once() -> None:
    client: Any = _Client()
    tenant = TenantConnections(client)
    assert tenant.by_id() == {"c1": CONNECTION}
    assert tenant.by_id() is tenant.by_id()
    assert client.connections.calls == 1


def _parameters(file: str, line: int | None) -> ParameterSet:
    rule = ModelBindingRule(
        place=Place(file, line), model_names=("M",), connection_ids={"DEV": ("X",)}
    )
    rules = SemanticModelBindingRules(legacy=False, default=None, models=(rule,))
    return ParameterSet(environment="DEV", files=(file,), semantic_model_binding=rules)


def test_the_place_of_an_id_falls_back_to_its_entry(tmp_path: Path) -> None:
    missing = (tmp_path / "gone.yml").as_posix()
    assert _place(_parameters(missing, 3), "M", "X") == (missing, 3)
    file = tmp_path / "parameter.yml"
    file.write_text("a\nb\nc\n")
    assert _place(_parameters(file.as_posix(), 2), "M", "X") == (file.as_posix(), 2)
    file.write_text("a\nb\n  - x\n")
    assert _place(_parameters(file.as_posix(), 2), "M", "X") == (file.as_posix(), 3)
    assert _place(ParameterSet(environment="DEV"), "M", "X") == ("", None)


def test_an_updated_model_is_bound_whatever_its_data_sources_are_now() -> None:
    change = ItemChange(
        item_type="SemanticModel", display_name="M", action=ItemAction.UPDATE, item_id="m"
    )
    warnings: list[str] = []
    planned = _plan_existing(change, [CONNECTION], [], warnings)
    assert [(p.connection_id, p.path, p.bound_to) for p in planned] == [("C1", "https://a/b/", "")]
    other = ItemConnection(
        connection_id="C0",
        connectivity_type="ShareableCloud",
        details=ConnectionDetails(type="SQL", path="s;d"),
    )
    assert len(_plan_existing(change, [CONNECTION], [other], warnings)) == 1
    assert warnings == []
    bound = ItemConnection(
        connection_id="c1",
        connectivity_type="ShareableCloud",
        details=ConnectionDetails(type="AzureDataLakeStorage", path="https://a/b/"),
    )
    assert _plan_existing(change, [CONNECTION], [bound, other], warnings) == ()


def test_bindings_round_trip_and_an_older_plan_has_none() -> None:
    binding = PlannedBinding(
        connection_id="C1",
        connection_name="",
        connectivity_type="ShareableCloud",
        connection_type="SQL",
        path="s;d",
        bound_to="C0",
    )
    change = ItemChange(
        item_type="SemanticModel",
        display_name="M",
        action=ItemAction.UNCHANGED,
        item_id="m",
        bindings=(binding,),
    )
    document = json.loads(json.dumps(change.to_json()))
    assert ItemChange.from_json(document) == change
    del document["bindings"]
    assert ItemChange.from_json(document).bindings == ()
    assert binding.describe() == "bind SQL s;d to (C1)"
    plan = WorkspacePlan(
        key="k",
        name="n",
        workspace_id="w",
        change_detection="live",
        repository_fingerprint="r",
        workspace_fingerprint="f",
        folders=(),
        items=(change,),
    )
    assert plan.write_count == 1
    assert WorkspacePlan.from_json(plan.to_json()) == plan
