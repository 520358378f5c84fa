"""Per-person activity plans: marketing touches, outbound dialer calls, inbound contacts and conversions,
drawn causally (contacts and conversions follow touches; latent engagement drives volumes and answer
rates), plus the ground-truth attribution of each contact and conversion."""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from dataclasses import dataclass, field

from loaders.synthetic.generator.ids import rng_uuid
from loaders.synthetic.generator.marketing import Campaign, draw_touches, local_time_in
from loaders.synthetic.generator.people import Person
from loaders.synthetic.generator.profiles import REFERENCE_EPOCH_S, WINDOW_START_S

REF_MS = REFERENCE_EPOCH_S * 1000
MAX_WINDOW_MS = 168 * 3_600_000

# A planned conversation: (start ms, conversation id, kind, person idx or -1, owning campaign id,
# owning touch id, outbound info (campaign idx, touch sequence, answered) or None)
ConvPlan = tuple[int, str, str, int, str, str, tuple[int, int, bool] | None]
# A planned conversion: (seconds, person idx, true campaign id, true touch id, a campaign the CRM may show)
ConversionPlan = tuple[int, int, str, str, str]
# A marketing touch to export: (seconds, touch id, campaign idx (-1 unknown), channel, person idx)
TouchRow = tuple[int, str, int, str, int]


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean < 30:
        limit, k, prod = math.exp(-mean), 0, rng.random()
        while prod > limit:
            k += 1
            prod *= rng.random()
        return k
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


@dataclass
class Plans:
    conversations: list[ConvPlan] = field(default_factory=list)
    conversions: list[ConversionPlan] = field(default_factory=list)
    touches: list[TouchRow] = field(default_factory=list)


class Planner:
    def __init__(self, seed: int, people: list[Person], campaigns: list[Campaign], conversations: int,
                 touches: int, conversions: int) -> None:  # fmt: skip
        self.rng_touch = random.Random(f"{seed}:touches")
        self.rng_out = random.Random(f"{seed}:outbound")
        self.rng_in = random.Random(f"{seed}:inbound")
        self.rng_conv = random.Random(f"{seed}:conversions")
        self.people = people
        self.campaigns = campaigns
        self.marketing = [c for c in campaigns if not c.is_outbound]
        self.outbound = [c for c in campaigns if c.is_outbound]
        self.touch_ids: set[str] = set()
        self.plans = Plans()
        n_no_person = round(conversations * 0.03)
        n_out = round(conversations * 0.25)
        n_in = conversations - n_no_person - n_out
        crm = [p.crm_id is not None for p in people]
        w_touch = sum(0.3 + p.engagement for p in people)
        w_in = sum(0.4 + p.engagement for p in people)
        w_out = sum(0.5 + p.engagement for p, c in zip(people, crm, strict=True) if c) or 1.0
        w_conv = sum(0.01 + p.engagement**2 for p, c in zip(people, crm, strict=True) if c) or 1.0
        self.k_touch, self.k_in = touches / w_touch, n_in / w_in
        self.k_out, self.k_conv = n_out / w_out, conversions / w_conv
        self.n_no_person = n_no_person
        # a handful of conversations start in the last minutes before the reference time (still live then)
        self.p_last = min(1.0, (3 + conversations / 2000) / max(n_in, 1))

    def run_person(self, p: Person) -> None:
        e = p.engagement
        touches = draw_touches(self.rng_touch, p, poisson(self.rng_touch, self.k_touch * (0.3 + e)), self.marketing)
        # (ms, campaign id, touch id, window ms) — the touches attribution may credit
        credit: list[tuple[int, str, str, int]] = []
        for t, cidx, channel, pidx in touches:
            tid = self._touch_id()
            unknown = self.rng_touch.random() < 0.02  # the tool lost the campaign: an unknown-campaign touch
            self.plans.touches.append((t, tid, -1 if unknown else cidx, channel, pidx))
            if not unknown:
                c = self.campaigns[cidx]
                credit.append((t * 1000, c.campaign_id, tid, c.window_hours * 3_600_000))
        convs: list[tuple[int, str, str, tuple[int, int, bool] | None]] = []
        if p.crm_id:
            self._outbound(p, convs, credit)
        anchors = [c[0] for c in credit]
        rng = self.rng_in
        for _ in range(poisson(rng, self.k_in * (0.4 + e))):
            kind = rng.choices(("voice", "message", "callback"), weights=(72, 20, 8))[0]
            if rng.random() < self.p_last:
                start = REF_MS - rng.randrange(60_000, 20 * 60_000)
            elif anchors and rng.random() < 0.45:
                start = rng.choice(anchors) + int(rng.expovariate(1 / 18_000_000)) + 60_000
                if start >= REF_MS - 3_600_000:
                    start = local_time_in(rng, p.tz, WINDOW_START_S, REFERENCE_EPOCH_S - 3600, (8, 21)) * 1000
            else:
                start = local_time_in(rng, p.tz, WINDOW_START_S, REFERENCE_EPOCH_S - 3600, (8, 21)) * 1000
            convs.append((start + rng.randrange(1000), rng_uuid(rng), kind, None))
        credit.sort()
        times = [c[0] for c in credit]
        for start, cid, kind, ob in convs:
            own_c, own_t = attribute(credit, times, start)
            self.plans.conversations.append((start, cid, kind, p.idx, own_c, own_t, ob))
        if p.crm_id:
            self._conversions(p, credit, times)

    def _touch_id(self) -> str:
        while True:
            tid = f"tch_{self.rng_touch.getrandbits(48):012x}"
            if tid not in self.touch_ids:
                self.touch_ids.add(tid)
                return tid

    def _outbound(self, p: Person, convs: list, credit: list[tuple[int, str, str, int]]) -> None:
        rng = self.rng_out
        k = poisson(rng, self.k_out * (0.5 + p.engagement))
        if not k:
            return
        camp = rng.choice(self.outbound)
        lo, hi = max(camp.start_s, WINDOW_START_S), min(camp.end_s, REFERENCE_EPOCH_S - 3600)
        t = local_time_in(rng, p.tz, lo, hi, (9, 20))
        for seq in range(1, k + 1):
            if t >= REFERENCE_EPOCH_S - 3600:
                break
            start = t * 1000 + rng.randrange(1000)
            answered = rng.random() < 0.2 + 0.5 * p.engagement
            cid = rng_uuid(rng)
            convs.append((start, cid, "outbound", (camp.idx, seq, answered)))
            if answered:  # a connected dialer call is an outbound touch of its campaign
                credit.append((start, camp.campaign_id, cid, camp.window_hours * 3_600_000))
            t = local_time_in(rng, p.tz, t + 86_400, t + 4 * 86_400, (9, 20))

    def _conversions(self, p: Person, credit: list[tuple[int, str, str, int]], times: list[int]) -> None:
        rng = self.rng_conv
        for _ in range(poisson(rng, self.k_conv * (0.01 + p.engagement**2))):
            ts = 0
            if credit and rng.random() < 0.7:
                ts = (rng.choice(times) + int(rng.expovariate(1 / 36_000_000)) + 30_000) // 1000
            if not ts or ts >= REFERENCE_EPOCH_S - 3600:
                ts = rng.randrange(WINDOW_START_S, REFERENCE_EPOCH_S - 3600)
            own_c, own_t = attribute(credit, times, ts * 1000)
            other = rng.choice(credit)[1] if credit else ""
            self.plans.conversions.append((ts, p.idx, own_c, own_t, other))

    def no_person_conversations(self) -> None:
        rng = self.rng_in
        for _ in range(self.n_no_person):
            start = rng.randrange(WINDOW_START_S, REFERENCE_EPOCH_S - 3600) * 1000 + rng.randrange(1000)
            self.plans.conversations.append((start, rng_uuid(rng), "voice", -1, "", "", None))


def attribute(credit: list[tuple[int, str, str, int]], times: list[int], at_ms: int) -> tuple[str, str]:
    """Last touch strictly before ``at_ms`` whose own campaign window still covers ``at_ms``."""
    i = bisect_left(times, at_ms) - 1
    while i >= 0:
        t, campaign_id, touch_id, window = credit[i]
        if at_ms - t > MAX_WINDOW_MS:
            break
        if at_ms - t <= window:
            return campaign_id, touch_id
        i -= 1
    return "", ""
