"""CPU time and memory of a process from /proc (Linux), no dependencies.

CPU is utime + stime of the whole process (every thread, including finished ones), in clock
ticks (usually 10 ms; a measurement window of seconds holds thousands of them). Peak memory is
VmHWM, the resident-set high-water mark; writing "5" to /proc/<pid>/clear_refs resets it, so
each concurrency level reports its own peak.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TICK = 1.0 / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    return cpu_seconds_of(Path(f"/proc/{pid}/stat"))


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds of several processes; those that have vanished are left out."""
    found = {}
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            found[pid] = cpu_seconds(pid)
    return found


def cpu_used_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used by a set of processes between two `cpu_by_pid` samples: a process that
    appeared in between counts from zero, one that vanished is lost (a small undercount)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _status(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0]) * 1024
    return values


@dataclass(frozen=True)
class Memory:
    peak_bytes: int  # VmHWM
    rss_bytes: int  # VmRSS now


def memory(pid: int) -> Memory:
    values = _status(pid)
    return Memory(values.get("VmHWM", 0), values.get("VmRSS", 0))


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0). False if the kernel refused."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds per thread (tid) of a process; the main thread's tid is the pid."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found[int(task.name)] = cpu_seconds_of(task / "stat")
        except (OSError, ValueError):
            continue
    return found


def cpu_seconds_of(stat_path: Path) -> float:
    """utime + stime of a /proc stat file (a process's or a thread's)."""
    stat = stat_path.read_text()
    # The command name (field 2) may contain spaces; fields after its ')' are fixed.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) * TICK


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat: busy is
    everything but idle and iowait; steal is time the hypervisor gave to other guests."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) * TICK, steal * TICK


async def wait_until_quiet(
    own_pids: list[int], *, threshold: float, max_wait: float, report: Any = None
) -> float:
    """Wait (at most `max_wait` s) until processes other than `own_pids` use under
    `threshold` cores, measured over 1 s. Returns that other load when the wait ended."""
    waited = 0.0
    while True:
        busy_before = machine_busy_seconds()[0]
        own_before = cpu_by_pid(own_pids)
        await asyncio.sleep(1.0)
        others = machine_busy_seconds()[0] - busy_before
        others -= cpu_used_between(own_before, cpu_by_pid(own_pids))
        waited += 1.0
        if others < threshold or waited >= max_wait:
            return max(0.0, others)
        if report is not None:
            report(f"machine busy with other work ({others:.2f} cores); waiting …")
