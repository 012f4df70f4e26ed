"""Transcripts and subtitles (workers.formats.subtitles): one paragraph per speaker turn, led
by its start time; timing lines, cue settings, tags and rolling-caption repeats gone. Files
written here as Teams, Zoom, YouTube and SubRip write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.document import build_record
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

TEAMS = """WEBVTT

NOTE written by a meeting app

00:00:00.000 --> 00:00:03.500
<v Ana Lopez>We moved the launch to May.</v>

00:00:03.500 --> 00:00:06.000
<v Ana Lopez>The vendor needs two more weeks &amp; a test run.</v>

00:00:06.000 --> 00:00:08.000 align:start position:10%
<v Bo Chen><i>Understood.</i> Who tells <c.yellow>marketing</c>?</v>

01:01:05.250 --> 01:01:07.000
<v Ana Lopez>I will.</v>
"""

ZOOM = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
Ana Lopez: Good morning, everyone.

2
00:00:04.000 --> 00:00:06.000
Bo Chen: Morning.

3
00:00:06.500 --> 00:00:09.000
Ana Lopez: Warning: the numbers are early.
"""

YOUTUBE = """WEBVTT
Kind: captions
Language: en

00:00:00.080 --> 00:00:02.000 align:start position:0%
so<00:00:00.400><c> today</c><00:00:00.800><c> we</c>

00:00:02.000 --> 00:00:02.010 align:start position:0%
so today we

00:00:02.010 --> 00:00:04.000 align:start position:0%
so today we
look at caching

00:00:04.000 --> 00:00:06.000 align:start position:0%
look at caching
and why it fails
"""

SUBRIP = """1
00:00:01,600 --> 00:00:04,200
<i>Warning: hot coffee.</i>

2
00:00:05,900 --> 00:00:07,999
Thanks,
I will be careful.
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_meeting_transcript_reads_one_paragraph_per_turn(tmp_path: Path) -> None:
    result = extract(str(_write(tmp_path, "meeting.vtt", TEAMS)))
    assert (result["kind"], result["mime"], result["status"]) == ("vtt", "text/vtt", "ok")
    assert result["text"] == (
        "[00:00:00] Ana Lopez: We moved the launch to May. The vendor needs two more weeks "
        "& a test run.\n\n"
        "[00:00:06] Bo Chen: Understood. Who tells marketing?\n\n"
        "[01:01:05] Ana Lopez: I will."
    )
    assert result["metadata"]["speakers"] == ["Ana Lopez", "Bo Chen"]
    assert result["metadata"]["duration"] == 3667.0


def test_speakers_named_before_a_colon(tmp_path: Path) -> None:
    result = extract(str(_write(tmp_path, "zoom.vtt", ZOOM)))
    assert result["text"].split("\n\n") == [
        "[00:00:01] Ana Lopez: Good morning, everyone.",
        "[00:00:04] Bo Chen: Morning.",
        "[00:00:06] Ana Lopez: Warning: the numbers are early.",
    ]


def test_rolling_captions_are_said_once(tmp_path: Path) -> None:
    text = extract(str(_write(tmp_path, "video.vtt", YOUTUBE)))["text"]
    assert text == "[00:00:00] so today we look at caching and why it fails"


def test_subrip_and_a_caption_that_names_no_one(tmp_path: Path) -> None:
    result = extract(str(_write(tmp_path, "film.srt", SUBRIP)))
    assert (result["kind"], result["mime"]) == ("srt", "application/x-subrip")
    # "Warning:" leads one cue only: it is what was said, not who said it.
    assert result["text"] == "[00:00:01] Warning: hot coffee. Thanks, I will be careful."
    assert result["metadata"]["speakers"] is None


def test_a_transcript_saved_as_text_and_a_file_without_cues(tmp_path: Path) -> None:
    assert extract(str(_write(tmp_path, "meeting.txt", TEAMS)))["kind"] == "vtt"
    plain = extract(str(_write(tmp_path, "empty.vtt", "WEBVTT\n\nNo cues here.\n")))
    assert plain["kind"] == "txt" and "No cues here." in plain["text"]
    assert plain["warnings"] == ["no cue with a time range: read as plain text"]


def test_a_long_monologue_still_chunks(tmp_path: Path) -> None:
    cues = "".join(
        f"00:{i // 60:02d}:{i % 60:02d}.000 --> 00:{i // 60:02d}:{i % 60:02d}.900\n"
        f"<v Ana Lopez>Sentence number {i} of a long talk about the quarterly figures.</v>\n\n"
        for i in range(200)
    )
    record = build_record(
        str(_write(tmp_path, "talk.vtt", "WEBVTT\n\n" + cues)), chunk_size=1000, chunk_overlap=0
    )
    paragraphs = record["text"].split("\n\n")
    assert len(paragraphs) > 3 and all(p.startswith("[00:") for p in paragraphs)
    assert all(p.startswith("[00:") and "Ana Lopez:" in p for p in paragraphs)
    assert len(record["chunks"]) > 10
