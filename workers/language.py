"""Which language a text is written in: py3langid's naive Bayes model over byte n-grams (BSD,
97 languages, shipped inside the package: nothing is fetched), loaded once per process on
first use (about 0.8 s), then well under a millisecond per paragraph.

A document gets its language and the model's probability for it; a chunk gets its own
language only where it is confidently different from its document's (a quotation, a bilingual
contract, an abstract in English before a French paper).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

UNDETERMINED = "und"  # ISO 639-2 "undetermined"
MIN_LETTERS = 12  # below this a guess is noise
CHUNK_CONFIDENCE = 0.9  # a chunk's own language replaces its document's only above this
SAMPLE_CHARS = 4000  # per slice; a long document is judged on three slices
_LETTER = re.compile(r"[^\W\d_]")


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str, float]:
    """The ISO 639-1 code of the language of `text` (`und` when too little text) and the
    model's probability for it (0..1, rounded to 3 places)."""
    if len(_LETTER.findall(text[: 4 * SAMPLE_CHARS])) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    if len(text) > 3 * SAMPLE_CHARS:
        # The start, middle and end: a title page or a list of references alone misleads.
        middle = len(text) // 2 - SAMPLE_CHARS // 2
        text = " ".join(
            (text[:SAMPLE_CHARS], text[middle : middle + SAMPLE_CHARS], text[-SAMPLE_CHARS:])
        )
    code, probability = _identifier().classify(text)
    return str(code), round(float(probability), 3)


def document_language(text: str, declared: str | None = None) -> dict[str, Any]:
    """The `language` and `language_confidence` metadata of a document: identified from its
    text; the language its file declares (docx, odt, epub) only when the text is too short."""
    code, confidence = identify(text)
    if code == UNDETERMINED and declared:
        return {"language": declared, "language_confidence": None}
    return {"language": None if code == UNDETERMINED else code, "language_confidence": confidence}


def label_chunks(chunks: list[dict[str, Any]], language: str | None) -> None:
    """Give each chunk a `language`: its own where the model is confident it differs from the
    document's `language`, else the document's."""
    for item in chunks:
        own, confidence = identify(item["text"])
        different = own not in (UNDETERMINED, language) and confidence >= CHUNK_CONFIDENCE
        item["language"] = own if different else language
