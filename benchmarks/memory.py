"""The benchmark's memory measure: peak resident memory of a command's whole process tree."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path


def tree_rss_kb(pid: int) -> int:
    """Return the summed resident memory (kB) of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1])
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def peak_memory(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """Run a command; return (seconds, peak RSS MiB of its process tree, largest process MiB).

    The tree's resident memory is summed from /proc every 0.1 s; the largest single process
    comes from getrusage(RUSAGE_CHILDREN) in a small wrapper whose only child is the command.
    """
    begun = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, *cmd],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - begun
    if proc.returncode != 0:
        print(out[-2000:] + err[-2000:], flush=True)
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}")
    maxrss = next(int(line.split()[1]) for line in out.splitlines() if line.startswith("MAXRSS_KB"))
    return seconds, peak / 1024, maxrss / 1024
