"""docmill's chunks through a running system into LangChain and LlamaIndex, over the wire
(`include_chunks`, `docmill submit --json --chunks`), and re-ingested through a broker restart."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from docmill.client import Client
from docmill.home import Home
from tests.conftest import Proc, StartPool, docmill, json_lines, start_broker
from tests.test_chunks import REPORT_MD, check_lines, write_docx

pytestmark = pytest.mark.timeout(180)


def _folder(root: Path) -> Path:
    """Three documents of three kinds, two with headings and a table."""
    folder = root / "docs"
    folder.mkdir(parents=True)
    (folder / "report.md").write_text(REPORT_MD, encoding="utf-8")
    write_docx(folder / "quarterly.docx", rows=12)
    (folder / "notes.txt").write_text("Plain notes without any heading. " * 40, encoding="utf-8")
    return folder


def _chunk_files(outbox: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(outbox.glob("*.chunks.jsonl"))}


def test_langchain_loader_yields_documents_from_a_running_docmill(
    client: Client, start_pool: StartPool, home: Home, tmp_path: Path
) -> None:
    from langchain_core.documents import Document

    from docmill.integrations.langchain import DocmillLoader

    start_pool(2)
    folder = _folder(tmp_path)
    loader = DocmillLoader(folder, client=client, chunk_size=200, chunk_overlap=20, timeout=60)
    documents = list(loader.lazy_load())
    assert all(isinstance(d, Document) for d in documents)
    by_source: dict[str, list[Document]] = {}
    for document in documents:
        by_source.setdefault(document.metadata["source"], []).append(document)
    # In the order of the files (sorted), each file's chunks in their order.
    assert list(by_source) == [
        str(folder / n) for n in ("notes.txt", "quarterly.docx", "report.md")
    ]
    for chunks in by_source.values():
        check_lines(
            [{"id": d.id, "page_content": d.page_content, "metadata": d.metadata} for d in chunks]
        )
    docx_chunks = by_source[str(folder / "quarterly.docx")]
    tables = [d for d in docx_chunks if d.metadata.get("table")]
    assert len(tables) >= 2  # 12 rows do not fit in 200 characters: split under the header
    assert all(d.page_content.startswith("| Region | Sales | Growth |") for d in tables[1:])
    assert {d.metadata["section"] for d in tables} == {"Quarterly Report > Results > Tables"}
    # The same chunks are in the outbox, and a loader without a client reads them from there.
    again = list(DocmillLoader(folder, outbox=home.outbox).lazy_load())
    assert sorted((d.id, d.page_content) for d in again) == sorted(
        (d.id, d.page_content) for d in documents
    )


def test_llamaindex_reader_yields_nodes_with_stable_ids_and_offsets(
    client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    from llama_index.core.schema import MetadataMode, TextNode

    from docmill.integrations.llamaindex import DocmillReader

    start_pool(1)
    folder = _folder(tmp_path)
    reader = DocmillReader(client=client, chunk_size=60, chunk_unit="words", timeout=60)
    nodes = reader.load_data(folder / "report.md")
    assert nodes and all(isinstance(n, TextNode) for n in nodes)
    text = (folder / "report.md").read_text(encoding="utf-8")
    doc_id = nodes[0].metadata["doc_id"]
    for index, item in enumerate(nodes):
        assert item.id_ == f"{doc_id}:{index}" and item.ref_doc_id == doc_id
        assert item.start_char_idx is not None and item.end_char_idx is not None
        if not item.metadata.get("table"):
            assert text[item.start_char_idx : item.end_char_idx] == item.text
        embedded = item.get_content(MetadataMode.EMBED)
        assert "section: " in embedded and doc_id not in embedded  # bookkeeping kept out
    again = DocmillReader(client=client, chunk_size=60, chunk_unit="words").load_data(
        folder / "report.md"
    )
    assert [n.id_ for n in again] == [n.id_ for n in nodes]


def test_inline_content_keeps_the_callers_path_as_source(
    client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    from docmill.integrations.langchain import DocmillLoader

    start_pool(1)
    folder = _folder(tmp_path)
    documents = DocmillLoader(folder / "report.md", client=client, inline=True).load()
    assert {d.metadata["source"] for d in documents} == {str(folder / "report.md")}


def test_submit_json_chunks_prints_them(
    broker: Proc, start_pool: StartPool, home: Home, tmp_path: Path
) -> None:
    start_pool(1)
    folder = _folder(tmp_path)
    (home.root / "docmill.toml").write_text(
        (home.root / "docmill.toml").read_text() + '\n[chunking]\nsize = 40\nunit = "words"\n'
    )
    paths = [str(folder / "report.md"), str(folder / "quarterly.docx")]
    done = docmill(home, "submit", "--json", "--chunks", *paths)
    assert done.returncode == 0, done.stderr
    lines = {i["path"]: i for i in json_lines(done.stdout)}  # a line per job, as it ends
    info, other = lines[paths[0]], lines[paths[1]]
    assert other["result"]["chunks"]
    chunks = info["result"]["chunks"]
    check_lines(chunks)
    assert info["result"]["chunk_count"] == len(chunks) and "chunks_omitted" not in info["result"]
    record = json.loads(Path(info["result"]["json_path"]).read_text(encoding="utf-8"))
    assert record["chunking"] == {"size": 40, "overlap": 200, "unit": "words"}  # docmill.toml
    # Sent as content, the document keeps the path given as its source.
    done = docmill(home, "submit", "--json", "--chunks", "--chunk-size", "10", "--inline",
                   str(folder / "notes.txt"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    [info] = json_lines(done.stdout)
    assert {c["metadata"]["source"] for c in info["result"]["chunks"]} == {
        str(folder / "notes.txt")
    }
    # A budget too small for them all: some come, the rest are counted and named.
    with Client(home=str(home.root)) as client:
        small = client.submit(
            "process_document", path=str(folder / "notes.txt"), chunk_size=10, include_chunks=1500
        ).result(timeout=60)
    assert 0 < len(small["chunks"]) < small["chunk_count"]
    assert small["chunks_omitted"] == small["chunk_count"] - small["chunks_next"]
    assert small["chunks_path"] in small["chunks_hint"]


def test_reingest_through_a_broker_restart_gives_the_same_ids_and_files(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    from docmill.integrations.langchain import DocmillLoader

    start_pool(2)
    folder = _folder(tmp_path)

    def ingest() -> dict[str, list[str]]:
        with Client(home=str(home.root), timeout=10) as client:
            loader = DocmillLoader(folder, client=client, chunk_size=150, timeout=60)
            ids: dict[str, list[str]] = {}
            for document in loader.lazy_load():
                ids.setdefault(Path(document.metadata["source"]).name, []).append(document.id)
            return ids

    first = ingest()
    files = _chunk_files(home.outbox)
    assert len(files) == 3
    broker.stop()
    shutil.rmtree(home.outbox)  # nothing left to find: the second run writes them anew
    restarted = start_broker(home, tmp_path / "broker2.log")
    try:
        assert ingest() == first
        assert _chunk_files(home.outbox) == files
        # One document changes: its ids change, the others' stay as they were.
        (folder / "report.md").write_text(REPORT_MD + "\nA closing line.\n", encoding="utf-8")
        changed = ingest()
    finally:
        restarted.stop()
    assert changed["notes.txt"] == first["notes.txt"]
    assert changed["quarterly.docx"] == first["quarterly.docx"]
    assert not set(changed["report.md"]) & set(first["report.md"])


def test_a_watched_folder_chunks_with_its_own_sizes(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    from docmill.settings import load_settings
    from tests.conftest import wait_for
    from tests.test_watcher import Running

    start_pool(1)
    (tmp_path / "small").mkdir()
    config = home.root / "docmill.toml"
    config.write_text(
        config.read_text() + '\n[chunking]\nunit = "words"\n\n'
        "[watcher]\nstate_poll = 0.5\n\n"
        f"[[watcher.folders]]\npath = {json.dumps(str(tmp_path / 'small'))}\nsettle = 0.2\n"
        "chunking = { size = 30, overlap = 5 }\n"
    )
    watcher = Running(load_settings(home).watcher)
    try:
        (tmp_path / "small" / "report.md").write_text(REPORT_MD, encoding="utf-8")
        record_file = wait_for(lambda: next(home.outbox.glob("*.json"), None), 60, "the record")
    finally:
        watcher.close()
    record = json.loads(record_file.read_text(encoding="utf-8"))
    assert record["chunking"] == {"size": 30, "overlap": 5, "unit": "words"}
    assert max(len(c["text"].split()) for c in record["chunks"]) <= 30


def test_a_loader_gets_the_chunks_a_reply_left_out_from_the_outbox_or_the_system(
    client: Client, start_pool: StartPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docmill.integrations import jobs
    from docmill.integrations.langchain import DocmillLoader

    start_pool(1)
    folder = _folder(tmp_path)
    path = folder / "notes.txt"
    whole = [
        (d.id, d.page_content) for d in DocmillLoader(path, client=client, chunk_size=80).load()
    ]
    assert len(whole) > 10
    # Replies of 1500 bytes hold a few chunks each: the rest are read from the outbox here...
    small = DocmillLoader(path, client=client, chunk_size=80, reply_bytes=1500).load()
    assert [(d.id, d.page_content) for d in small] == whole
    # ...and, for a client on another host (the outbox is not on its disk), asked for again.
    submitted: list[dict[str, object]] = []
    submit = Client.submit

    def counted(self: Client, task: str, **args: object) -> object:
        submitted.append(args)
        return submit(self, task, **args)

    monkeypatch.setattr(jobs.os.path, "isfile", lambda _: False)
    monkeypatch.setattr(Client, "submit", counted)
    remote = DocmillLoader(path, client=client, chunk_size=80, reply_bytes=1500).load()
    assert [(d.id, d.page_content) for d in remote] == whole
    assert len(submitted) >= 2 and all(args.get("chunks_from") for args in submitted)
