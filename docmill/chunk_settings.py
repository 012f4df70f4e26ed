"""docmill.toml's [chunking]: how process_document jobs chunk a document when the job does not
say. Read by the processes that submit (the `docmill` command, the watcher, the loaders), which
put the sizes in each job's args: a job's chunks then follow from its args alone, whichever
worker runs it and whenever it is retried (docs/CHUNKS.md).

    [chunking]
    size = 1000                 # chunk_size: the most characters (or words) of a chunk
    overlap = 200               # chunk_overlap: how much of a chunk the next one repeats
    unit = "chars"              # chunk_unit: "chars" or "words"

A watched folder's `chunking` table (`[[watcher.folders]] chunking = { size = 500 }`) takes
the place of the keys it names, for that folder's jobs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from docmill.tables import SettingsError, fields_of

CHUNK_UNITS = ("chars", "words")


@dataclass(frozen=True)
class ChunkSettings:
    size: int = 1000  # chunk_size: the most characters (or words) of a chunk
    overlap: int = 200  # chunk_overlap: how much of a chunk the next one repeats
    unit: str = "chars"  # chunk_unit: "chars" or "words"

    def __post_init__(self) -> None:
        if self.size < 1 or self.overlap < 0:
            raise SettingsError(
                f"[chunking] size is 1 or more and overlap 0 or more, not {self.size} and "
                f"{self.overlap}"
            )
        if self.unit not in CHUNK_UNITS:
            raise SettingsError(
                f"[chunking] unit is one of {', '.join(CHUNK_UNITS)}, not {self.unit!r}"
            )

    def over(self, table: dict[str, Any], where: str = "[chunking]") -> ChunkSettings:
        """These settings with the keys `table` gives (size, overlap, unit) in their place."""
        if not isinstance(table, dict):
            raise SettingsError(f"{where} must be a table, not {table!r}")
        return dataclasses.replace(self, **fields_of(ChunkSettings, table, where))

    def args(self) -> dict[str, Any]:
        """The process_document args these settings stand for."""
        return {"chunk_size": self.size, "chunk_overlap": self.overlap, "chunk_unit": self.unit}
