"""Packing units into requests: at most the target's units per request, never over the body-size limit.

Batches are formed in the order units arrive (the mart's key order), so the same pending rows always give
the same requests: a re-run after a crash re-sends the same bodies, and injected faults (decided by a hash
of the request) hit the same requests whatever the timing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from exporter.targets import REQUEST_BYTES_MAX, Target, Unit

ENVELOPE_BYTES = 64  # {"entities": [ … ]} and separators, generously


@dataclass
class Batch:
    target: Target
    units: list[Unit] = field(default_factory=list)
    attempt: int = 0  # times this batch was requeued after a transient failure
    seq: int = 0  # order of creation, for deterministic tie-breaking

    @property
    def method(self) -> str:
        return self.units[0].method

    @property
    def path(self) -> str:
        return self.units[0].path

    @property
    def size(self) -> int:
        return sum(u.size + 1 for u in self.units) + ENVELOPE_BYTES

    def split(self) -> tuple[Batch, Batch]:
        middle = len(self.units) // 2
        return (Batch(self.target, self.units[:middle], self.attempt, self.seq),
                Batch(self.target, self.units[middle:], self.attempt, self.seq))


def batches(target: Target, units: Iterable[Unit], max_bytes: int = REQUEST_BYTES_MAX) -> Iterator[Batch]:
    """Consecutive units with the same method and path, ≤ ``target.max_units`` and ≤ ``max_bytes`` each."""
    current: Batch | None = None
    used = 0
    seq = 0
    for unit in units:
        cost = unit.size + 1
        if current is not None and (
            len(current.units) >= target.max_units
            or unit.method != current.method
            or unit.path != current.path
            or used + cost > max_bytes
        ):
            yield current
            current = None
        if current is None:
            seq += 1
            current = Batch(target, seq=seq)
            used = ENVELOPE_BYTES
        current.units.append(unit)
        used += cost
    if current is not None:
        yield current
