"""Dynamic item attributes and custom Spark pools in ``fabric-action deploy``.

The repository of attributes_support.py is deployed into an empty workspace: its
notebook must end up holding the lakehouse's SQL endpoint and endpoint id, the
warehouse's connection string and the eventhouse's query service URI, the KQL queryset
its database's query service URI, and the environment the id of the seeded Capacity
pool. Provisioning that fails stops at once; provisioning that never ends stops at the
bounded wait (on a fake clock); a pool the target lacks is a parameter.yml error.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from attributes_support import (
    POOL_NAME,
    EmulatorClock,
    attributes_project,
    parameters,
    seed_pool,
    session_on,
)
from deploy_support import writes

from fabric_action.items import ItemAttribute, ItemReference, Repository
from fabric_action.reliability import FakeClock
from fabric_action.scenarios.deploy import (
    DeployOptions,
    DeployResolver,
    DeployResult,
    read_live_workspace,
    report_markdown,
    run_deploy,
)
from fabric_action.scenarios.deploy._live import WorkspaceDirectory
from fabric_emulator.testing import RunningEmulator

pytestmark = pytest.mark.timeout(60)


def _typed(fabric: Any, workspace_id: str, collection: str, item_id: str) -> dict[str, Any]:
    response = fabric.get(f"/v1/workspaces/{workspace_id}/{collection}/{item_id}")
    assert response.status_code == 200, response.text
    properties: dict[str, Any] = response.json()["properties"]
    return properties


def _typed_reads(log: list[dict[str, Any]], collection: str) -> list[str]:
    return [
        e["path"]
        for e in log
        if e["method"] == "GET"
        and f"/{collection}/" in e["path"] + "/"
        and "/items" not in e["path"]
    ]


def _failures(result: DeployResult) -> dict[str, str]:
    outcome = next(iter(result.outcomes.values()))
    return {
        task: str(ended.error)
        for task, ended in outcome.outcomes.items()
        if ended.status.value != "succeeded"
    }


def test_deploy_fills_every_dynamic_attribute_and_the_custom_pool(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = attributes_project(tmp_path, emulator, fabric, monkeypatch)
    ws = project.workspace_id
    # A Workspace pool of the same name must not be taken for the Capacity pool asked for.
    seed_pool(emulator, ws, name=POOL_NAME, type="Workspace")
    capacity_pool = seed_pool(emulator, ws, name=POOL_NAME, type="Capacity")

    code, log, _ = project.deploy()
    assert code == 0
    ids = {name: item["id"] for (_, name), item in project.items_by_key().items()}
    lakehouse = _typed(fabric, ws, "lakehouses", ids["lh_raw"])["sqlEndpointProperties"]
    warehouse = _typed(fabric, ws, "warehouses", ids["wh_sales"])
    eventhouse = _typed(fabric, ws, "eventhouses", ids["eh_main"])
    database = _typed(fabric, ws, "kqlDatabases", ids["db_main"])
    notebook = project.definition(ids["nb_config"])["notebook-content.py"]
    for value in (
        lakehouse["connectionString"],
        lakehouse["id"],
        warehouse["connectionString"],
        eventhouse["queryServiceUri"],
    ):
        assert f'"{value}"' in notebook
    assert "placeholder" not in notebook
    queryset = json.loads(project.definition(ids["qs_main"])["RealTimeQueryset.json"])
    source = queryset["queryset"]["dataSources"][0]
    assert source["clusterUri"] == database["queryServiceUri"]
    assert source["databaseItemId"] == ids["db_main"]
    compute = yaml.safe_load(project.definition(ids["env_spark"])["Setting/Sparkcompute.yml"])
    assert compute["instance_pool_id"] == capacity_pool["id"]
    # One pool list and one read per item for the whole run (two lakehouse attributes).
    assert [e["path"] for e in log if e["path"].endswith("/spark/pools")] == [
        f"/v1/workspaces/{ws}/spark/pools"
    ]
    assert len(_typed_reads(log, "lakehouses")) == 1
    assert len(_typed_reads(log, "warehouses")) == 1
    assert len(_typed_reads(log, "eventhouses")) == 1
    assert len(_typed_reads(log, "kqlDatabases")) == 1

    code, log, _ = project.deploy()
    assert (code, writes(log)) == (0, [])


def test_a_pool_the_target_lacks_is_a_parameter_error_with_its_line(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = attributes_project(tmp_path, emulator, fabric, monkeypatch)
    seed_pool(emulator, project.workspace_id, name=POOL_NAME, type="Workspace")

    code, log, _ = project.deploy()
    assert (code, writes(log)) == (2, [])
    err = capsys.readouterr().err
    line = parameters().splitlines().index("spark_pool:") + 2
    assert f"parameter.yml:{line}" in err, err
    assert f"the target has no Capacity pool named '{POOL_NAME}'" in err


def test_a_failed_sql_endpoint_fails_its_user_at_once(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = attributes_project(tmp_path, emulator, fabric, monkeypatch)
    seed_pool(emulator, project.workspace_id, name=POOL_NAME, type="Capacity")
    emulator.control(
        "PUT", "provisioning", {"failed": [{"type": "Lakehouse", "displayName": "lh_raw"}]}
    )
    clock = FakeClock()
    mark = project.mark()
    session = session_on(project, clock)
    try:
        result = run_deploy(session, DeployOptions(manifest_path=tmp_path / "manifest.json"))
    finally:
        session.close()

    errors = _failures(result)
    assert set(errors) == {"item:Notebook/nb_config"}, errors
    message = errors["item:Notebook/nb_config"]
    assert "the SQL endpoint of Lakehouse 'lh_raw'" in message
    assert "failed to provision (provisioningStatus Failed)" in message
    assert "repair or recreate the Lakehouse in Fabric, then deploy again" in message
    # No polling once the endpoint says Failed: one read, no provisioning sleep.
    assert len(_typed_reads(emulator.requests_log(since=mark), "lakehouses")) == 1
    assert 5.0 not in clock.sleeps
    # The report says why, though the item failed before any step was sent.
    items = result.report.document["workspaces"][0]["items"]
    notebook = next(i for i in items if i["name"] == "nb_config")
    assert notebook["status"] == "failed"
    assert notebook["steps"] == []
    assert notebook["errors"] == [message]
    assert result.report.failed


def test_an_attribute_that_never_provisions_stops_at_the_bounded_wait(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = attributes_project(tmp_path, emulator, fabric, monkeypatch)
    seed_pool(emulator, project.workspace_id, name=POOL_NAME, type="Capacity")
    emulator.control("PUT", "provisioning", {"delays_s": {"Eventhouse": 10_000}})
    clock = FakeClock()  # the emulator clock stays frozen: the URI never appears
    session = session_on(project, clock)
    try:
        result = run_deploy(session, DeployOptions(manifest_path=tmp_path / "manifest.json"))
    finally:
        session.close()

    errors = _failures(result)
    assert set(errors) == {"item:Notebook/nb_config", "item:KQLQueryset/qs_main"}, errors
    notebook = errors["item:Notebook/nb_config"]
    assert "the query service URI of Eventhouse 'eh_main'" in notebook
    assert "was not provisioned within 300 s (last status unknown); deploy again later" in notebook
    assert "the query service URI of KQLDatabase 'db_main'" in errors["item:KQLQueryset/qs_main"]
    # Two waits of 300 s in 5 s polls on one fake clock (concurrent sleeps add up): no real time.
    assert 59 <= clock.sleeps.count(5.0) <= 2 * 60


def test_a_slow_attribute_is_awaited_on_the_clock_and_the_wait_recorded(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = attributes_project(tmp_path, emulator, fabric, monkeypatch)
    seed_pool(emulator, project.workspace_id, name=POOL_NAME, type="Capacity")
    emulator.control("PUT", "provisioning", {"delays_s": {"Lakehouse": 12}})
    clock = EmulatorClock(emulator)
    session = session_on(project, clock)
    try:
        result = run_deploy(session, DeployOptions(manifest_path=tmp_path / "manifest.json"))
    finally:
        session.close()
    assert _failures(result) == {}
    ids = {name: item["id"] for (_, name), item in project.items_by_key().items()}
    endpoint = _typed(fabric, project.workspace_id, "lakehouses", ids["lh_raw"])
    notebook = project.definition(ids["nb_config"])["notebook-content.py"]
    assert endpoint["sqlEndpointProperties"]["connectionString"] in notebook
    assert clock.sleeps.count(5.0) >= 3
    # The wait is in the report and its Markdown (the job summary).
    waits = result.report.document["waits"]
    lakehouse = [w for w in waits if w["item"] == "Lakehouse/lh_raw"]
    assert [(w["what"], w["outcome"]) for w in lakehouse] == [("sqlendpoint", "provisioned")]
    assert lakehouse[0]["waited_s"] >= 10
    assert {w["what"] for w in waits} >= {"sqlendpoint", "environment publish"}
    markdown = report_markdown(result.report)
    assert "**Provisioning waits**" in markdown
    assert "- sqlendpoint of Lakehouse/lh_raw in " in markdown


def test_resolver_reads_each_attribute_once_and_records_its_waits(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = attributes_project(tmp_path, emulator, fabric, monkeypatch)
    ws = project.workspace_id
    other = fabric.post("/v1/workspaces", json={"displayName": "Shared Data"}).json()["id"]
    created = {
        name: _create(fabric, where, item_type, name)
        for where, item_type, name in (
            (ws, "Lakehouse", "lh_raw"),
            (ws, "Warehouse", "wh_sales"),
            (ws, "SQLDatabase", "sql_app"),
            (ws, "MirroredDatabase", "mirror"),
            (ws, "Notebook", "nb_config"),
            (other, "Lakehouse", "lh_shared"),
        )
    }
    pools = [
        seed_pool(emulator, ws, name=POOL_NAME, type="Workspace"),
        seed_pool(emulator, ws, name=POOL_NAME, type="Capacity"),
    ]
    emulator.control("PUT", "provisioning", {"delays_s": {"Lakehouse": 12}})
    clock = EmulatorClock(emulator)
    session = session_on(project, clock)
    mark = project.mark()
    try:
        directory = WorkspaceDirectory(session.client, clock=clock)
        live = read_live_workspace(session.client, ws, "Sales Analytics (DEV)")
        resolver = DeployResolver(
            session.client,
            live,
            repository=Repository(root=project.items, items=(), folders=()),
            planning=False,
            clock=clock,
            directory=directory,
        )
        directory.attach(resolver)

        def ask(
            item_type: str, name: str, attribute: ItemAttribute, where: str | None = None
        ) -> Any:
            return resolver.item_attribute(ItemReference(item_type, name, attribute, where))

        endpoint = ask("Lakehouse", "lh_raw", ItemAttribute.SQL_ENDPOINT)
        assert endpoint.endswith(".datawarehouse.fabric.microsoft.com")
        assert ask("lakehouse", "LH_RAW", ItemAttribute.SQL_ENDPOINT_ID)  # from the same read
        assert ask("Warehouse", "wh_sales", ItemAttribute.SQL_ENDPOINT).endswith(
            ".fabric.microsoft.com"
        )
        assert ask("SQLDatabase", "sql_app", ItemAttribute.SQL_ENDPOINT).endswith(",1433")
        assert ask("MirroredDatabase", "mirror", ItemAttribute.SQL_ENDPOINT_ID)
        assert ask("Warehouse", "wh_sales", ItemAttribute.SQL_ENDPOINT_ID) is None
        assert ask("Notebook", "nb_config", ItemAttribute.SQL_ENDPOINT) is None
        assert ask("Lakehouse", "missing", ItemAttribute.SQL_ENDPOINT) is None
        assert ask("Lakehouse", "lh_raw", ItemAttribute.ID) == created["lh_raw"]
        shared = ask("Lakehouse", "lh_shared", ItemAttribute.SQL_ENDPOINT, "Shared Data")
        assert shared.endswith(".datawarehouse.fabric.microsoft.com")
        assert ask("Lakehouse", "lh_shared", ItemAttribute.SQL_ENDPOINT, "Shared Data") == shared
        assert ask("Lakehouse", "lh_raw", ItemAttribute.SQL_ENDPOINT) == endpoint

        with ThreadPoolExecutor(max_workers=8) as workers:
            answers = list(
                workers.map(lambda _: resolver.spark_pool_id(POOL_NAME, "Capacity"), range(16))
            )
        assert answers == [pools[1]["id"]] * 16
        assert resolver.spark_pool_id(POOL_NAME, "Workspace") == pools[0]["id"]
        assert resolver.spark_pool_id(POOL_NAME.upper(), "Capacity") is None  # exact, as cicd
        waits = resolver.waits()
    finally:
        session.close()

    log = emulator.requests_log(since=mark)
    assert len([e for e in log if e["path"].endswith("/spark/pools")]) == 1
    for item_id in created.values():
        reads = [e for e in log if e["method"] == "GET" and e["path"].endswith(f"s/{item_id}")]
        assert len(reads) <= 4, (item_id, reads)
    # Both lakehouses were created 12 emulator seconds before they provision: one waited
    # (15 s in three polls), and the other was ready by the time it was asked.
    assert [(w.item.display_name, w.attribute, w.waited_s, w.reads, w.outcome) for w in waits] == [
        ("lh_raw", "sqlendpoint", 15.0, 4, "provisioned")
    ]
    assert directory.waits() == waits


def _create(fabric: Any, workspace_id: str, item_type: str, name: str) -> str:
    response = fabric.post(
        f"/v1/workspaces/{workspace_id}/items", json={"displayName": name, "type": item_type}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
