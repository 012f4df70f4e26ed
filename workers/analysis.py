"""Text analysis of one document: language guess, word and sentence counts, keywords, a SimHash
fingerprint, and near-duplicates found in a shared SQLite index of earlier fingerprints.

The language comes from workers.language (py3langid's model, shipped in its package); keywords
skip the stop words of the languages listed here; the fingerprint is a 64-bit SimHash over word
3-shingles (blake2b per shingle), in plain Python. The index is one small table that several
worker processes may share, so it runs in WAL mode with a busy timeout and short transactions.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docmill.protocol import ErrorType
from workers.document import file_sha256
from workers.errors import TaskError
from workers.extract import extract
from workers.language import identify

log = logging.getLogger(__name__)

INDEX_NAME = ".docmill-simhash.sqlite"
BUSY_TIMEOUT_S = 10.0
TOP_KEYWORDS = 10
BITS = 64
MASK = (1 << BITS) - 1

# Letters and digits, joined by inner apostrophes ("don't", "l'analyse"); Unicode-aware.
WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
APOSTROPHE_RE = re.compile(r"['\u2019]")
# A sentence ends at . ! ? or an ellipsis followed by whitespace or the end of the text, or at
# a CJK full stop, exclamation or question mark (no space follows those).
SENTENCE_END_RE = re.compile(r"[.!?\u2026]+(?=\s|$)|[\u3002\uff01\uff1f]+")

# Small lists of the most frequent function words, left out of the keywords.
STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and of to a in is that it was for on are with as his they be at one have "
        "this from or had by not but what all were we when your can said there an which she "
        "do their if will would he you him her been has who its don't i'm it's my me so no"
        " these about them then than into out up more some could also other very well",
        "de": "der die das und ist nicht sie ich es ein eine einen dem den des zu mit sich auf "
        "für von im auch wird sind wie bei aus oder nach werden noch wenn kann hat aber dass "
        "wir ihr war nur man über vor zum zur durch",
        "fr": "le la les et est des une un du que qui dans pour pas sur au aux par avec ce "
        "cette il elle sont ou mais nous vous leur leurs ses son sa plus être été ont fait "
        "comme tout très aussi ces c'est d'un d'une l'on",
        "es": "el la los las y es que del una un por con para se su sus al lo como más pero "
        "este esta fue son está entre cuando muy sin sobre también hay donde desde todo nos "
        "ya porque ha han ser",
        "it": "il la le gli di che è e un una per non con del della dei delle sono si nel "
        "nella alla al anche come più ma questo questa essere ha ho lo da sul degli molto "
        "tutti quando perché",
        "nl": "de het een en van is dat niet ik je zijn op te met voor er maar die ook als "
        "dit aan bij naar wordt kan heeft hij zij wat uit nog worden door meer geen wel waren "
        "zo",
        "pt": "o a os as e de do da dos das um uma que em no na nos nas para com por não se "
        "mais como mas foi ao ele ela são está muito também já pelo pela seu sua quando isso",
    }.items()
}


def analyze_document(
    path: str, index: str | None = None, near: int = 6, *, source: str | None = None
) -> dict[str, Any]:
    """Analyse the document at `path`; flag earlier documents in the fingerprint index at
    `index` (none: no index) within Hamming distance `near`.

    `source` names the document in the index (default: the absolute `path`). This is the
    library function; the task a client calls (workers.tasks.analyze_document) confines `path`
    to the allowed roots and always uses the index in its JobContext's outbox (index_in).
    """
    if isinstance(near, bool) or not isinstance(near, int) or not 0 <= near <= BITS:
        raise TaskError(ErrorType.BAD_REQUEST, f"near must be an integer 0..{BITS}, not {near!r}")
    result = extract(path)  # first: it refuses what is not a regular file before any read
    doc_id = file_sha256(path)
    text: str = result["text"]
    tokens = [match.group().lower() for match in WORD_RE.finditer(text)]
    code, confidence = identify(text)
    fingerprint = simhash(tokens)
    db = Path(index) if index else None
    duplicates: list[dict[str, Any]] = []
    if db is not None and tokens:  # text-less documents all share one fingerprint: not indexed
        where = source or os.path.abspath(path)
        duplicates = record_fingerprint(db, doc_id, where, fingerprint, near)
    return {
        "doc_id": doc_id,
        "kind": result["kind"],
        "language": {"code": code, "confidence": confidence},
        "words": len(tokens),
        "sentences": count_sentences(text),
        "keywords": keywords(tokens, STOP_WORDS.get(code, frozenset())),
        "simhash": f"{fingerprint:016x}",
        "near_duplicates": duplicates,
    }


def count_sentences(text: str) -> int:
    """Pieces of `text` between sentence ends that hold at least one word."""
    return sum(1 for piece in SENTENCE_END_RE.split(text) if WORD_RE.search(piece))


def keywords(tokens: list[str], stop: frozenset[str]) -> list[dict[str, Any]]:
    """The most frequent words of 3+ letters that are not stop words, most frequent first."""
    counts: Counter[str] = Counter()
    for token in tokens:
        if token in stop:
            continue
        # "l'analyse" -> "analyse", "prince's" -> "prince": the longest piece is the word
        word = max(APOSTROPHE_RE.split(token), key=len)
        if len(word) >= 3 and word.isalpha() and word not in stop:
            counts[word] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_KEYWORDS]
    return [{"word": word, "count": count} for word, count in ranked]


def simhash(tokens: list[str]) -> int:
    """64-bit SimHash of the word 3-shingles of `tokens` (the whole text when shorter)."""
    if not tokens:
        return 0
    width = min(3, len(tokens))
    shingles = Counter(" ".join(tokens[i : i + width]) for i in range(len(tokens) - width + 1))
    # Tally each byte position's values first, then expand the 256 values to bits: 8 steps per
    # shingle instead of 64.
    per_byte: list[Counter[int]] = [Counter() for _ in range(BITS // 8)]
    for shingle, weight in shingles.items():
        digest = hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest()
        for position, value in enumerate(digest):
            per_byte[position][value] += weight
    total = sum(shingles.values())
    fingerprint = 0
    for position, tally in enumerate(per_byte):
        for bit in range(8):
            ones = sum(weight for value, weight in tally.items() if value >> (7 - bit) & 1)
            if 2 * ones > total:  # more weight on 1 than on 0
                fingerprint |= 1 << (BITS - 1 - (position * 8 + bit))
    return fingerprint


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & MASK).bit_count()


def index_in(outbox: Path | None) -> str | None:
    """The fingerprint index kept in `outbox`; None without an outbox."""
    return str(outbox / INDEX_NAME) if outbox is not None else None


def record_fingerprint(
    db: Path, doc_id: str, path: str, fingerprint: int, near: int
) -> list[dict[str, Any]]:
    """Earlier documents (other doc_ids) within `near` of `fingerprint`, nearest first; then
    store this document, replacing an earlier entry of the same doc_id."""
    signed = fingerprint - (1 << BITS) if fingerprint >> (BITS - 1) else fingerprint
    with connect(db) as conn:
        # Look up and insert in one short IMMEDIATE transaction: it takes the write lock up
        # front (a busy index waits in busy_timeout instead of failing on lock upgrade), and two
        # near-duplicates analysed at the same moment cannot both miss each other.
        conn.execute("BEGIN IMMEDIATE")
        rows = conn.execute(
            "SELECT doc_id, path, hamming(fingerprint, ?) AS distance FROM fingerprints"
            " WHERE doc_id != ? AND distance <= ? ORDER BY distance, path",
            (signed, doc_id, near),
        ).fetchall()
        conn.execute(
            "INSERT OR REPLACE INTO fingerprints (doc_id, path, fingerprint) VALUES (?, ?, ?)",
            (doc_id, path, signed),
        )
        conn.execute("COMMIT")
    return [{"doc_id": d, "path": p, "distance": distance} for d, p, distance in rows]


@contextlib.contextmanager
def connect(db: Path) -> Iterator[sqlite3.Connection]:
    """An autocommit connection to the index at `db`, created if missing, closed on exit;
    SQLite errors become TaskErrors (a busy index is `locked`, which a retry may cure)."""
    conn: sqlite3.Connection | None = None
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(db, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS fingerprints"
            " (doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, fingerprint INTEGER NOT NULL)"
        )
        conn.create_function("hamming", 2, hamming, deterministic=True)
        yield conn
    except sqlite3.OperationalError as exc:
        if conn is not None and conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.rollback()
        kind = ErrorType.LOCKED if "locked" in str(exc) or "busy" in str(exc) else None
        log.warning("fingerprint index %s: %s", db, exc)
        raise TaskError(kind or ErrorType.PERMISSION, f"fingerprint index {db}: {exc}") from exc
    except (sqlite3.Error, OSError) as exc:
        raise TaskError(ErrorType.PERMISSION, f"fingerprint index {db}: {exc}") from exc
    finally:
        if conn is not None:
            conn.close()
