"""docmill's chunks as LlamaIndex nodes: `DocmillReader`, a LlamaIndex `BaseReader`.

    from docmill import Client
    from docmill.integrations.llamaindex import DocmillReader

    with Client(home="docmill-home") as client:
        nodes = DocmillReader(client=client).load_data("reports/")
    index = VectorStoreIndex(nodes)

Each chunk is a `TextNode` whose `id_` is `<doc_id>:<index>` (the same on every load of the
same file with the same chunking), whose `ref_doc_id` is the document's content hash, and whose
`start_char_idx`/`end_char_idx` are the chunk's span in the document's text. docmill's
bookkeeping keys (hashes, offsets, counts) are kept out of what is embedded and shown to the
model; title, section, pages, kind, language and source stay in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from llama_index.core.readers.base import BaseReader
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from docmill.integrations.jobs import ChunkSource

__all__ = ["DocmillReader", "node"]

# Metadata that helps find a chunk again but says nothing of its content.
BOOKKEEPING = [
    "schema_version", "doc_id", "start_char", "end_char", "chunk_index", "chunk_count", "hash",
    "table",
]  # fmt: skip


def node(line: dict[str, Any]) -> TextNode:
    """One chunk line (docs/chunk.schema.json) as a TextNode."""
    meta = line["metadata"]
    return TextNode(
        id_=line["id"],
        text=line["page_content"],
        metadata=dict(meta),
        start_char_idx=meta["start_char"],
        end_char_idx=meta["end_char"],
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=meta["doc_id"])},
        excluded_embed_metadata_keys=list(BOOKKEEPING),
        excluded_llm_metadata_keys=list(BOOKKEEPING),
    )


class DocmillReader(BaseReader):
    """Load files (or a folder's files) through docmill as TextNodes.

    `client`: a docmill Client of a running system; `outbox`: read an outbox instead.
    `chunk_size`, `chunk_overlap`, `chunk_unit`, `timeout`, `inline`, `errors`: as for
    docmill.integrations.langchain.DocmillLoader.
    """

    def __init__(self, client: Any = None, **options: Any) -> None:
        super().__init__()
        self._client, self._options = client, options

    def lazy_load_data(self, paths_or_folder: Any = None, **_: Any) -> Iterable[TextNode]:  # type: ignore[override]
        source = ChunkSource(paths_or_folder, self._client, **self._options)
        for line in source.lines():
            yield node(line)
