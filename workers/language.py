"""Which language a text is written in: py3langid's naive Bayes model over byte n-grams (BSD,
97 languages, shipped inside the package: nothing is fetched), loaded once per process on
first use (about 0.8 s), then well under a millisecond per paragraph.

A document gets the language most of its text is in, with a confidence; a chunk gets its own
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
WINDOW_CHARS = 500  # a longer text is judged in windows of about this many characters
MAX_WINDOWS = 32
CHUNK_SAMPLE_CHARS = 250  # a chunk is judged on this much of its middle
_LETTER = re.compile(r"[^\W\d_]")
_PARAGRAPH = re.compile(r"\n\s*\n")


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str, float]:
    """The ISO 639-1 code of the main language of `text` (`und` when too little text) and a
    confidence in 0..1: the model's probability, times the share of the text in that language.

    A text longer than one window is judged window by window (at most MAX_WINDOWS, spread over
    it) and the language of the most characters wins: byte n-grams weigh Greek or Russian
    (two bytes a letter) above English, so one verdict on a mixed text would favour them."""
    if len(_LETTER.findall(text[: WINDOW_CHARS * 4])) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    windows = _windows(text)
    if len(windows) == 1:
        code, probability = _identifier().classify(windows[0])
        return str(code), round(float(probability), 3)
    weight: dict[str, float] = {}
    total = 0
    for window in windows:
        letters = len(_LETTER.findall(window))
        if letters < MIN_LETTERS:
            continue
        code, probability = _identifier().classify(window)
        weight[str(code)] = weight.get(str(code), 0.0) + letters * float(probability)
        total += letters
    if not weight:
        return UNDETERMINED, 0.0
    code = max(weight, key=weight.__getitem__)
    return code, round(weight[code] / total, 3)


def _windows(text: str) -> list[str]:
    """Paragraphs (short ones joined, long ones cut at whitespace into pieces of about
    WINDOW_CHARS), at most MAX_WINDOWS of them spread evenly over the text. A long text is
    sampled first, a slice at each of MAX_WINDOWS places, so the cost depends on the windows
    taken, not on the text's length (a 64 MiB text costs what a 32 KiB one does)."""
    if len(text) <= WINDOW_CHARS:
        return [text]
    if len(text) > 2 * WINDOW_CHARS * MAX_WINDOWS:
        step = len(text) / MAX_WINDOWS
        slices = (
            text[int(n * step) : int(n * step) + 2 * WINDOW_CHARS] for n in range(MAX_WINDOWS)
        )
        return [max(_pieces(piece), key=len) for piece in slices]
    windows = _pieces(text)
    if len(windows) > MAX_WINDOWS:
        step = len(windows) / MAX_WINDOWS
        windows = [windows[int(n * step)] for n in range(MAX_WINDOWS)]
    return windows


def _pieces(text: str) -> list[str]:
    """`text` as paragraphs of at least WINDOW_CHARS / 2 (short ones joined), a paragraph over
    2 * WINDOW_CHARS cut into pieces of at most WINDOW_CHARS, at a space where there is one."""
    pieces: list[str] = []
    pending = ""
    for paragraph in _PARAGRAPH.split(text):
        pending = f"{pending}\n{paragraph}" if pending else paragraph
        if len(pending) < WINDOW_CHARS // 2:
            continue
        at = 0
        while len(pending) - at > 2 * WINDOW_CHARS:
            cut = pending.rfind(" ", at, at + WINDOW_CHARS)
            cut = cut if cut > at else at + WINDOW_CHARS  # no space (Chinese, Japanese, Thai)
            pieces.append(pending[at:cut])
            at = cut + 1 if pending[cut] == " " else cut
        pieces.append(pending[at:])
        pending = ""
    if pending or not pieces:
        pieces.append(pending)
    return pieces


def document_language(text: str, declared: str | None = None) -> dict[str, Any]:
    """The `language` and `language_confidence` metadata of a document: identified from its
    text; the language its file declares (docx, odt, epub) only when the text is too short."""
    code, confidence = identify(text)
    if code == UNDETERMINED and declared:
        return {"language": declared, "language_confidence": None}
    return {"language": None if code == UNDETERMINED else code, "language_confidence": confidence}


def label_chunks(chunks: list[dict[str, Any]], language: str | None) -> None:
    """Give each chunk a `language`: its own where the model is confident it differs from the
    document's `language`, else the document's. A chunk is judged on the middle
    CHUNK_SAMPLE_CHARS of its text: the model's time grows with the bytes it reads, and a
    chunk's middle is the part its neighbours do not overlap."""
    for item in chunks:
        own, confidence = _classify(_middle(item["text"]))
        different = own not in (UNDETERMINED, language) and confidence >= CHUNK_CONFIDENCE
        item["language"] = own if different else language


def _classify(text: str) -> tuple[str, float]:
    if len(_LETTER.findall(text)) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    code, probability = _identifier().classify(text)
    return str(code), float(probability)


def _middle(text: str) -> str:
    """About CHUNK_SAMPLE_CHARS from the middle of `text`, starting and ending at whitespace."""
    if len(text) <= CHUNK_SAMPLE_CHARS:
        return text
    start = (len(text) - CHUNK_SAMPLE_CHARS) // 2
    end = start + CHUNK_SAMPLE_CHARS
    space = text.find(" ", start, start + 40)
    start = space + 1 if space >= 0 else start
    space = text.rfind(" ", end - 40, end)
    return text[start : space if space > start else end]
