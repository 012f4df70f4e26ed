"""docmill's chunks as LangChain Documents: `DocmillLoader`, a LangChain `BaseLoader`.

    from docmill import Client
    from docmill.integrations.langchain import DocmillLoader

    with Client(home="docmill-home") as client:
        for document in DocmillLoader("reports/", client=client, chunk_size=800).lazy_load():
            print(document.id, document.metadata["section"], document.page_content[:60])

Each file is processed by the running docmill (`process_document` with its chunks in the
reply) and its Documents are yielded once its job ends, file by file in the order given.
Without a client, `DocmillLoader(outbox="docmill-home/outbox")` reads the chunks docmill has
already written. Document ids are `<doc_id>:<index>`: loading the same files again gives the
same ids, so a vector store that upserts by id does not duplicate them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document

from docmill.integrations.jobs import ChunkSource

__all__ = ["DocmillLoader"]


class DocmillLoader(BaseLoader):
    """Load files (or a folder's files) through docmill as chunked LangChain Documents.

    `paths_or_folder`: a path or a list of them; folders are read recursively. `client`: a
    docmill Client of a running system; `outbox`: read an outbox instead (no client).
    `chunk_size`, `chunk_overlap`, `chunk_unit` ("chars" or "words"): the chunking, else the
    workers' defaults. `timeout` (s) per job; `inline` (see ChunkSource); `errors`: "raise"
    (JobFailed) or "skip" a file whose job failed.
    """

    def __init__(self, paths_or_folder: Any = None, client: Any = None, **options: Any) -> None:
        self.source = ChunkSource(paths_or_folder, client, **options)

    def lazy_load(self) -> Iterator[Document]:
        for line in self.source.lines():
            yield Document(**line)
