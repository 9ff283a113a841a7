"""One FabricClient shared by 50 threads: no lost update, no crossed response, no leak."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from client_support import EmulatorSyncedClock
from fabric_client_support import driven, make_client

from fabric_action.fabric import Definition, DefinitionPart, FabricClient, LroOptions
from fabric_emulator.testing import RunningEmulator

THREADS = 50


def work(client: FabricClient, workspace_id: str, n: int) -> dict[str, Any]:
    """What one deployment worker does: a folder, two items, reads of both."""
    folder = client.folders.create(workspace_id, f"folder-{n:02d}")
    text = f"# worker {n}\n".encode()
    definition = Definition(parts=(DefinitionPart.from_bytes("notebook-content.py", text),))
    notebook = client.items.create(
        workspace_id,
        display_name=f"nb-{n:02d}",
        item_type="Notebook",
        definition=definition,
        folder_id=folder.id,
    )
    lakehouse = client.items.create(workspace_id, display_name=f"lh-{n:02d}", item_type="Lakehouse")
    in_folder = client.items.list(workspace_id, root_folder_id=folder.id)
    read_back = client.items.get_definition(workspace_id, notebook.id)
    content = next(p for p in read_back.parts if p.path == "notebook-content.py").content
    return {
        "folder": folder,
        "notebook": notebook,
        "lakehouse": lakehouse,
        "in_folder": [item.id for item in in_folder],
        "content": content,
        "expected": text,
    }


def test_50_threads_share_one_client(emulator: RunningEmulator) -> None:
    clock = EmulatorSyncedClock(emulator.emulator.clock)
    emulator.emulator.update_config({"lro_duration_s": 4, "page_size": 3})
    client = make_client(emulator, clock, lro=LroOptions(max_concurrent_polls=4))
    workspace = client.workspaces.create("threads")
    results: dict[int, dict[str, Any]] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(n: int) -> None:
        try:
            start.wait()
            results[n] = work(client, workspace.id, n)
        except BaseException as error:  # reported below
            failures.append(error)

    with driven(client, clock):
        threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert failures == []
    assert sorted(results) == list(range(THREADS))
    for result in results.values():
        assert result["notebook"].folder_id == result["folder"].id
        assert result["in_folder"] == [result["notebook"].id]  # no crossed responses
        assert result["content"] == result["expected"]

    store = emulator.emulator.fabric
    names = Counter(item.display_name for item in store.items_in(workspace.id))
    assert len(names) == 2 * THREADS and set(names.values()) == {1}
    assert len(store.folders_in(workspace.id)) == THREADS
    assert client.operations.pending == 0 and client.operations.polls_in_flight == 0
    assert client.pipeline.concurrency is not None and client.pipeline.concurrency.in_flight == 0
    assert len(client.items.list(workspace.id)) == 2 * THREADS
    client.close()
