"""What a big inline document costs the worker: the peak RSS of the worker process (the agent
that talks to the broker) above its RSS before the job, and of its job process.

    python bench/big_message.py [--mib 64] [--jobs 3] [--against REV]

Starts a broker and a pool of one worker on a fresh home and sends it `process_document` jobs
of a PDF of --mib MiB (one page, one uncompressed image of random bytes: cheap to read, so the
message is what is measured) as inline content, one after another. Before each job the peak
RSS of the agent and of its job process is reset (`/proc/PID/clear_refs`, Linux), and read
after it (`VmHWM`), so the peak is exact, not sampled. With --against REV, a pool of the code
at git revision REV (exported with `git archive`) is measured first, against the same broker.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import running  # noqa: E402
from docmill.client import Client  # noqa: E402

MIB = 2**20


def big_pdf(size: int) -> bytes:
    """A valid one-page PDF of exactly `size` bytes, nearly all of it one image's raw bytes."""
    content = b"q 612 0 0 792 0 0 cm /Im0 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    width = 4096
    height = (size - len(out) - 1024) // width
    offsets.append(len(out))
    out += (
        b"5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace "
        b"/DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n" % (width, height, width * height)
    )
    out += os.urandom(width * height) + b"\nendstream\nendobj\n"
    entries = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    tail = b"xref\n0 6\n0000000000 65535 f \n" + entries + b"trailer\n<< /Size 6 /Root 1 0 R >>\n"
    final = len(b"startxref\n%d\n%%%%EOF\n" % size)  # the offset has no more digits than size
    out += b"%" + b" " * (size - len(out) - len(tail) - final - 2) + b"\n"  # a comment line
    xref = len(out)
    out += tail + b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out.ljust(size, b"\n"))  # if the offset had fewer digits


def _peak_reset(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as out:
        out.write("5")  # the peak RSS (VmHWM) back to the RSS of now


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of `pid`, in bytes."""
    found = {}
    with open(f"/proc/{pid}/status") as lines:
        for line in lines:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) * 1024
    return found


def measure(client: Client, agent: int, document: bytes, jobs: int) -> list[tuple[int, int, int]]:
    """Per job: the agent's peak above its RSS before the job, its job process's, and the
    broker's own (for scale)."""
    figures = []
    for _ in range(jobs):
        worker = psutil.Process(agent)
        (job_process,) = worker.children()
        pids = [agent, job_process.pid, client.status()["broker"]["pid"]]
        before = []
        for pid in pids:
            _peak_reset(pid)
            before.append(_status(pid)["VmRSS"])
        reply = client.submit("process_document", content=document, name="big.pdf").result(120)
        assert reply["kind"] == "pdf", reply
        peaks = [_status(pid)["VmHWM"] - rss for pid, rss in zip(pids, before, strict=True)]
        figures.append((peaks[0], peaks[1], peaks[2]))
    return figures


def _agent(client: Client, pool: subprocess.Popen[bytes]) -> int:
    """The pid of the one worker of `pool`, once it has registered."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = {p.pid for p in psutil.Process(pool.pid).children()}
        for worker in client.status()["workers"]:
            if worker["pid"] in children:
                return int(worker["pid"])
        time.sleep(0.05)
    raise RuntimeError("the pool's worker did not register")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, default=64.0, help="the document's size")
    parser.add_argument("--jobs", type=int, default=3, help="jobs per pool")
    parser.add_argument("--against", metavar="REV", help="also measure the code at REV, first")
    args = parser.parse_args()
    document = big_pdf(int(args.mib * MIB))
    rows = []
    with tempfile.TemporaryDirectory(prefix="dm-big-") as tmp, running(pool=False) as system:
        sources = [(str(args.against), Path(tmp) / "src")] if args.against else []
        sources.append(("this tree", ROOT))
        with Client(home=str(system.home), timeout=120) as client:
            for label, source in sources:
                if source != ROOT:
                    source.mkdir()
                    archive = subprocess.run(
                        ["git", "archive", label], cwd=ROOT, check=True, capture_output=True
                    ).stdout
                    subprocess.run(["tar", "-x"], cwd=source, input=archive, check=True)
                pool = subprocess.Popen(
                    [sys.executable, "-m", "workers", "--home", str(system.home),
                     "--concurrency", "1", "--log-level", "ERROR"],
                    cwd=source, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                try:
                    figures = measure(client, _agent(client, pool), document, args.jobs)
                finally:
                    pool.terminate()
                    pool.wait(60)
                rows.append((label, figures))
    print(f"process_document of a {len(document) / MIB:g} MiB PDF sent inline, {args.jobs} jobs;")
    print("peak RSS above the RSS before each job, MiB (agent = the worker process):")
    print(f"{'code':<16}{'agent':>24}{'job process':>24}{'broker':>24}")
    for label, figures in rows:
        cells = [", ".join(f"{f[i] / MIB:.0f}" for f in figures) for i in range(3)]
        print(f"{label[:15]:<16}" + "".join(f"{cell:>24}" for cell in cells))


if __name__ == "__main__":
    main()
