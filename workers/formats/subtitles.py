"""Subtitles and transcripts (WebVTT, SubRip): what was said, by whom, from when.

Meeting transcripts (Teams and Zoom give WebVTT), video captions and subtitles are cues: a
number, a time range, and a line or two of text, often with the speaker as a voice tag
(`<v Ana Lopez>`) or a name before a colon. A retriever wants the words, not the timing
lines, and one speaker's turn in one piece rather than cut every two seconds. So the text is
one paragraph per turn:

    [00:01:05] Ana Lopez: We moved the launch to May. The vendor needs two more weeks.

the consecutive cues of one speaker joined (a new paragraph at least every `_TURN_CHARS`
characters so a monologue still chunks), each paragraph led by the time its first cue starts
(hours, minutes, seconds), for a citation. Cue settings, styling tags (`<i>`, `<c.yellow>`),
karaoke timestamps inside a cue, NOTE/STYLE/REGION blocks and cue numbers are dropped; entities
(`&amp;`) are decoded; a rolling caption's line repeated at the top of the next cue is said
once. A name before a colon is a speaker when it leads two cues or more ("Warning: hot" names
no one). Speakers go to the metadata (`speakers`), as does the
`duration` (the last cue's end, in seconds).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from workers.formats.base import Extracted, read
from workers.formats.encoding import decode_text

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]*>")
_NAMED = re.compile(r"^([A-Z][\w.'\- ]{0,40}?):\s+(?=\S)")  # "Ana Lopez: ..." (Zoom, SubRip)
_BLOCK_STARTS = ("NOTE", "STYLE", "REGION")
_TURN_CHARS = 2000
_HELD = 0.05  # seconds: a rolling caption's line held between two cues


@dataclass
class _Cue:
    start: float
    end: float
    speaker: str | None
    lines: list[str]


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return one paragraph per speaker turn of the subtitles or transcript at `path`."""
    raw = decode_text(read(path), path, warnings)
    cues = _named(_cues(raw))
    if not cues and raw.strip():
        warnings.append("no cue with a time range: read as plain text")
        return Extracted(raw, kind="txt")
    speakers = list(dict.fromkeys(c.speaker for c in cues if c.speaker))
    meta = {"speakers": speakers or None, "duration": round(cues[-1].end, 3) if cues else None}
    return Extracted("\n\n".join(_turns(cues)), meta=meta)


def _cues(raw: str) -> list[_Cue]:
    cues: list[_Cue] = []
    for block in re.split(r"\n[ \t]*\n", raw.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip("\n").split("\n")
        if not lines or lines[0].startswith(("WEBVTT", *_BLOCK_STARTS)):
            continue
        found = [(i, m) for i, line in enumerate(lines[:2]) if (m := _TIMING.match(line))]
        if not found:
            continue
        timing, match = found[0]
        start, end = _seconds(match)
        speaker = None
        text = []
        for line in lines[timing + 1 :]:
            if (voice := _VOICE.search(line)) is not None:
                speaker = " ".join(voice.group(1).split())
            if clean := " ".join(html.unescape(_TAG.sub("", line)).split()):
                text.append(clean)
        if text:
            cues.append(_Cue(start, end, speaker, text))
    return cues


def _named(cues: list[_Cue]) -> list[_Cue]:
    """The cues with their speaker named before a colon ("Ana Lopez: ...", as Zoom writes),
    where the same name leads two cues or more: a caption "Warning: hot" names no one."""
    leading = [_NAMED.match(c.lines[0]) if c.speaker is None else None for c in cues]
    counts: dict[str, int] = {}
    for match in leading:
        if match is not None:
            counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    for cue, match in zip(cues, leading, strict=True):
        if match is not None and counts[match.group(1)] > 1:
            cue.speaker = match.group(1).strip()
            cue.lines[0] = cue.lines[0][match.end() :]
    return cues


def _seconds(match: re.Match[str]) -> tuple[float, float]:
    h1, m1, s1, f1, h2, m2, s2, f2 = match.groups()
    return _at(h1, m1, s1, f1), _at(h2, m2, s2, f2)


def _at(hours: str | None, minutes: str, seconds: str, fraction: str) -> float:
    whole = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return whole + int(fraction) / 10 ** len(fraction)


def _turns(cues: list[_Cue]) -> list[str]:
    """One paragraph per speaker turn (see the module's docstring)."""
    paragraphs: list[str] = []
    said: list[str] = []
    speaker: str | None = None
    start = 0.0
    before: list[str] = []
    for cue in cues:
        if said and (cue.speaker != speaker or sum(map(len, said)) > _TURN_CHARS):
            paragraphs.append(_paragraph(start, speaker, said))
            said = []
        if not said:
            speaker, start, before = cue.speaker, cue.start, []
        lines = cue.lines
        # A rolling caption shows the line before again above the new one, and holds it
        # alone for a few milliseconds between two cues.
        rolling = len(lines) > 1 or cue.end - cue.start < _HELD
        if before and lines[0] == before[-1] and rolling:
            lines = lines[1:]
        said += [line for line in lines if line]
        before = cue.lines
    if said:
        paragraphs.append(_paragraph(start, speaker, said))
    return paragraphs


def _paragraph(start: float, speaker: str | None, said: list[str]) -> str:
    whole = int(start)
    stamp = f"[{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}]"
    who = f" {speaker}:" if speaker else ""
    return f"{stamp}{who} {' '.join(said)}"
