# ruff: noqa: E501  (the embedded template keeps the reference's long SIP addresses)
"""Sample conversations for tests and demos, varied from the reference job-page example.

The template is the complete voice call of shared/reference/genesys_conversation_job_page.example.json
(IVR, queue wait, one blind transfer, wrap-up, customer participant attributes).
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

TIME_KEYS = {"conversationStart", "conversationEnd", "emitDate", "segmentStart", "segmentEnd"}
ID_KEYS = {"conversationId", "participantId", "sessionId", "peerId"}
NAMESPACE = uuid.UUID("0d8f3b52-7c1e-4a9d-b6e2-5f4a3c2b1d0e")

TEMPLATE: dict[str, Any] = json.loads(
    r"""{
 "conversationEnd": "2024-05-14T14:13:35.640Z",
 "conversationId": "5f2e8a3b-9c41-4d7e-b0a6-3e1f7c9d2a84",
 "conversationStart": "2024-05-14T14:02:11.120Z",
 "divisionIds": [
  "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
 ],
 "mediaStatsMinConversationMos": 4.41,
 "mediaStatsMinConversationRFactor": 88.9,
 "originatingDirection": "inbound",
 "participants": [
  {
   "externalContactId": "e7d6c5b4-a3f2-4e1d-8c0b-9a8f7e6d5c4b",
   "participantId": "11111111-aaaa-4bbb-8ccc-000000000001",
   "participantName": "Indianapolis IN",
   "purpose": "customer",
   "sessions": [
    {
     "ani": "tel:+13175550142",
     "direction": "inbound",
     "dnis": "tel:+18005550199",
     "edgeId": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
     "mediaType": "voice",
     "protocolCallId": "0bd86ddf-80f1-123d-efa8-0050569c1a86",
     "provider": "Edge",
     "recording": true,
     "remoteNameDisplayable": "Indianapolis IN",
     "requestedRoutings": [
      "Standard"
     ],
     "selectedAgentId": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b",
     "sessionDnis": "tel:+18005550199",
     "sessionId": "c1f0e9d8-c7b6-4a5f-9e4d-3c2b1a0f9e8d",
     "usedRouting": "Standard",
     "mediaEndpointStats": [
      {
       "codecs": [
        "audio/opus"
       ],
       "eventTime": "2024-05-14T14:12:47.700Z",
       "maxLatencyMs": 30,
       "minMos": 4.41,
       "minRFactor": 88.9,
       "receivedPackets": 31712
      }
     ],
     "metrics": [
      {
       "emitDate": "2024-05-14T14:02:11.352Z",
       "name": "nConnected",
       "value": 1
      },
      {
       "emitDate": "2024-05-14T14:12:47.625Z",
       "name": "tConnected",
       "value": 636273
      }
     ],
     "segments": [
      {
       "conference": false,
       "segmentEnd": "2024-05-14T14:02:11.352Z",
       "segmentStart": "2024-05-14T14:02:11.120Z",
       "segmentType": "system"
      },
      {
       "conference": false,
       "disconnectType": "endpoint",
       "q850ResponseCodes": [
        16
       ],
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:12:47.625Z",
       "segmentStart": "2024-05-14T14:02:11.352Z",
       "segmentType": "interact"
      }
     ]
    }
   ],
   "attributes": {
    "CustomerTier": "gold",
    "CRM_AccountId": "ACC-000482913",
    "ivr.Intent": "billing_refund"
   }
  },
  {
   "participantId": "11111111-aaaa-4bbb-8ccc-000000000002",
   "participantName": "Main Inbound IVR",
   "purpose": "ivr",
   "sessions": [
    {
     "ani": "tel:+13175550142",
     "direction": "inbound",
     "dnis": "tel:+18005550199",
     "edgeId": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
     "mediaType": "voice",
     "peerId": "c1f0e9d8-c7b6-4a5f-9e4d-3c2b1a0f9e8d",
     "protocolCallId": "79258107-45f1-4b6d-85e0-481a58bb766a",
     "provider": "Edge",
     "remote": "Indianapolis IN",
     "remoteNameDisplayable": "Indianapolis IN",
     "sessionDnis": "tel:+18005550199",
     "sessionId": "22222222-bbbb-4ccc-8ddd-000000000002",
     "flow": {
      "endingLanguage": "en-us",
      "entryReason": "tel:+18005550199",
      "entryType": "dnis",
      "exitReason": "TRANSFER",
      "flowId": "0f8b2c1d-7e6a-4b5c-8d9e-2a1b3c4d5e6f",
      "flowName": "Main Inbound IVR",
      "flowType": "INBOUNDCALL",
      "flowVersion": "12.0",
      "startingLanguage": "en-us",
      "transferTargetAddress": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
      "transferTargetName": "Support - Billing",
      "transferType": "ACD"
     },
     "metrics": [
      {
       "emitDate": "2024-05-14T14:02:11.176Z",
       "name": "nFlow",
       "value": 1
      },
      {
       "emitDate": "2024-05-14T14:03:02.480Z",
       "name": "tIvr",
       "value": 51309
      },
      {
       "emitDate": "2024-05-14T14:03:02.483Z",
       "name": "tFlow",
       "value": 51120
      },
      {
       "emitDate": "2024-05-14T14:03:02.483Z",
       "name": "tFlowExit",
       "value": 51120
      }
     ],
     "segments": [
      {
       "conference": false,
       "segmentEnd": "2024-05-14T14:02:11.171Z",
       "segmentStart": "2024-05-14T14:02:11.125Z",
       "segmentType": "system"
      },
      {
       "conference": false,
       "disconnectType": "transfer",
       "segmentEnd": "2024-05-14T14:03:02.480Z",
       "segmentStart": "2024-05-14T14:02:11.171Z",
       "segmentType": "ivr"
      }
     ]
    }
   ]
  },
  {
   "participantId": "11111111-aaaa-4bbb-8ccc-000000000003",
   "participantName": "Support - Billing",
   "purpose": "acd",
   "sessions": [
    {
     "ani": "tel:+13175550142",
     "direction": "inbound",
     "dnis": "tel:+18005550199",
     "edgeId": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
     "flowInType": "ivr",
     "mediaType": "voice",
     "peerId": "c1f0e9d8-c7b6-4a5f-9e4d-3c2b1a0f9e8d",
     "protocolCallId": "828040b7-736e-4e89-aa54-9c7c29a08d72",
     "provider": "Edge",
     "remote": "Indianapolis IN",
     "remoteNameDisplayable": "Support - Billing",
     "requestedRoutings": [
      "Standard"
     ],
     "selectedAgentId": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b",
     "sessionDnis": "tel:+18005550199",
     "sessionId": "22222222-bbbb-4ccc-8ddd-000000000003",
     "usedRouting": "Standard",
     "flow": {
      "flowId": "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f",
      "flowName": "Default In-Queue",
      "flowType": "INQUEUECALL",
      "flowVersion": "3.0",
      "startingLanguage": "en-us"
     },
     "metrics": [
      {
       "emitDate": "2024-05-14T14:03:02.509Z",
       "name": "nOffered",
       "value": 1
      },
      {
       "emitDate": "2024-05-14T14:04:15.851Z",
       "name": "tAcd",
       "value": 73342
      }
     ],
     "segments": [
      {
       "conference": false,
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:03:02.509Z",
       "segmentStart": "2024-05-14T14:03:02.495Z",
       "segmentType": "delay"
      },
      {
       "conference": false,
       "disconnectType": "transfer",
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:04:15.851Z",
       "segmentStart": "2024-05-14T14:03:02.509Z",
       "segmentType": "interact"
      }
     ]
    }
   ]
  },
  {
   "participantId": "11111111-aaaa-4bbb-8ccc-000000000004",
   "participantName": "Alice Adams",
   "purpose": "agent",
   "userId": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b",
   "sessions": [
    {
     "ani": "tel:+13175550142",
     "direction": "inbound",
     "dnis": "tel:+18005550199",
     "edgeId": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
     "mediaType": "voice",
     "peerId": "c1f0e9d8-c7b6-4a5f-9e4d-3c2b1a0f9e8d",
     "protocolCallId": "c2b0d960-45a3-405e-ac2f-28c1e33eee86",
     "provider": "Edge",
     "remote": "Indianapolis IN",
     "requestedRoutings": [
      "Standard"
     ],
     "selectedAgentId": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b",
     "sessionDnis": "sip:65a5609eefe87a1b57549613+example.orgspan.com;tgrp=7ec137ee-059c-4df9-9551-c135d311c6ef;trunk-context=example@localhost",
     "sessionId": "22222222-bbbb-4ccc-8ddd-000000000004",
     "usedRouting": "Standard",
     "metrics": [
      {
       "emitDate": "2024-05-14T14:04:15.866Z",
       "name": "tAlert",
       "value": 6636
      },
      {
       "emitDate": "2024-05-14T14:04:15.866Z",
       "name": "tAnswered",
       "value": 73342
      },
      {
       "emitDate": "2024-05-14T14:07:25.750Z",
       "name": "tHeld",
       "value": 45540
      },
      {
       "emitDate": "2024-05-14T14:07:25.750Z",
       "name": "tHeldComplete",
       "value": 45540
      },
      {
       "emitDate": "2024-05-14T14:08:02.315Z",
       "name": "nBlindTransferred",
       "value": 1
      },
      {
       "emitDate": "2024-05-14T14:08:02.315Z",
       "name": "nTransferred",
       "value": 1
      },
      {
       "emitDate": "2024-05-14T14:08:02.315Z",
       "name": "tTalk",
       "value": 180909
      },
      {
       "emitDate": "2024-05-14T14:08:02.315Z",
       "name": "tTalkComplete",
       "value": 180909
      },
      {
       "emitDate": "2024-05-14T14:08:31.315Z",
       "name": "tAcw",
       "value": 29000
      },
      {
       "emitDate": "2024-05-14T14:08:31.315Z",
       "name": "tHandle",
       "value": 255449
      }
     ],
     "segments": [
      {
       "conference": false,
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:04:15.866Z",
       "segmentStart": "2024-05-14T14:04:09.230Z",
       "segmentType": "alert"
      },
      {
       "conference": false,
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:06:40.210Z",
       "segmentStart": "2024-05-14T14:04:15.866Z",
       "segmentType": "interact"
      },
      {
       "conference": false,
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:07:25.750Z",
       "segmentStart": "2024-05-14T14:06:40.210Z",
       "segmentType": "hold"
      },
      {
       "conference": false,
       "disconnectType": "transfer",
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:08:02.315Z",
       "segmentStart": "2024-05-14T14:07:25.750Z",
       "segmentType": "interact"
      },
      {
       "conference": false,
       "disconnectType": "transfer",
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:08:31.315Z",
       "segmentStart": "2024-05-14T14:08:02.315Z",
       "segmentType": "wrapup"
      }
     ]
    }
   ]
  },
  {
   "participantId": "11111111-aaaa-4bbb-8ccc-000000000005",
   "participantName": "Bruno Brown",
   "purpose": "agent",
   "userId": "7b6a5f4e-3d2c-4b1a-9f8e-7d6c5b4a3f2e",
   "sessions": [
    {
     "ani": "tel:+13175550142",
     "direction": "inbound",
     "dnis": "tel:+18005550199",
     "edgeId": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
     "mediaType": "voice",
     "peerId": "c1f0e9d8-c7b6-4a5f-9e4d-3c2b1a0f9e8d",
     "protocolCallId": "0c73370e-f177-4d78-9d83-95c0b01b4379",
     "provider": "Edge",
     "remote": "Indianapolis IN",
     "sessionDnis": "sip:65a560a1e2193b1b6492d64f+example.orgspan.com;tgrp=7ec137ee-059c-4df9-9551-c135d311c6ef;trunk-context=example@localhost",
     "sessionId": "22222222-bbbb-4ccc-8ddd-000000000005",
     "metrics": [
      {
       "emitDate": "2024-05-14T14:08:09.012Z",
       "name": "tAlert",
       "value": 6682
      },
      {
       "emitDate": "2024-05-14T14:12:47.640Z",
       "name": "tTalk",
       "value": 278628
      },
      {
       "emitDate": "2024-05-14T14:12:47.640Z",
       "name": "tTalkComplete",
       "value": 278628
      },
      {
       "emitDate": "2024-05-14T14:13:35.640Z",
       "name": "tAcw",
       "value": 48000
      },
      {
       "emitDate": "2024-05-14T14:13:35.640Z",
       "name": "tHandle",
       "value": 326628
      }
     ],
     "segments": [
      {
       "conference": false,
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:08:09.012Z",
       "segmentStart": "2024-05-14T14:08:02.330Z",
       "segmentType": "alert"
      },
      {
       "conference": false,
       "disconnectType": "peer",
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:12:47.640Z",
       "segmentStart": "2024-05-14T14:08:09.012Z",
       "segmentType": "interact"
      },
      {
       "conference": false,
       "disconnectType": "peer",
       "queueId": "6a4c8f5e-2b1d-4c7a-9e3f-1d2c3b4a5e6f",
       "segmentEnd": "2024-05-14T14:13:35.640Z",
       "segmentStart": "2024-05-14T14:12:47.640Z",
       "segmentType": "wrapup",
       "wrapUpCode": "a7b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
       "wrapUpNote": "Refund of duplicate charge approved; case 48213"
      }
     ]
    }
   ]
  }
 ]
}"""
)


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _fmt(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _rewrite(node: Any, shift: timedelta, ids: dict[str, str], salt: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in TIME_KEYS and isinstance(value, str):
                out[key] = _fmt(_ts(value) + shift)
            elif key in ID_KEYS and isinstance(value, str):
                out[key] = ids.setdefault(value, str(uuid.uuid5(NAMESPACE, f"{salt}:{value}")))
            else:
                out[key] = _rewrite(value, shift, ids, salt)
        return out
    if isinstance(node, list):
        return [_rewrite(item, shift, ids, salt) for item in node]
    return node


def make_conversation(start: datetime, salt: str, *, live: bool = False) -> dict[str, Any]:
    """The template moved to ``start`` with fresh conversation/participant/session ids from ``salt``."""
    shift = start - _ts(TEMPLATE["conversationStart"])
    conversation = _rewrite(copy.deepcopy(TEMPLATE), shift, {}, salt)
    if live:
        conversation.pop("conversationEnd", None)
    return conversation


def sample_conversations(
    first_day: date, days: int, per_day: int, *, seed: int = 0, live_every: int = 0
) -> list[dict[str, Any]]:
    """``per_day`` conversations on each of ``days`` UTC days, spread over the day; the last one of each
    day starts at 23:55 so it crosses midnight; every ``live_every``-th one has no ``conversationEnd``."""
    conversations = []
    n = 0
    for d in range(days):
        day_start = datetime.combine(first_day + timedelta(days=d), time(), tzinfo=UTC)
        for i in range(per_day):
            n += 1
            offset = timedelta(minutes=23 * 60 + 55) if i == per_day - 1 else timedelta(
                seconds=(i * 86_000 // max(1, per_day)) + 7
            )
            live = bool(live_every) and n % live_every == 0
            conversations.append(make_conversation(day_start + offset, f"{seed}:{n}", live=live))
    return conversations


def write_job_pages(conversations: list[dict[str, Any]], out_dir: Path | str, per_page: int = 50) -> list[Path]:
    """Write conversations as job-result pages ``page_NNNN.json`` (the generator's layout)."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, start in enumerate(range(0, len(conversations), per_page), start=1):
        page = {"conversations": conversations[start:start + per_page]}
        path = folder / f"page_{number:04d}.json"
        path.write_text(json.dumps(page), encoding="utf-8")
        paths.append(path)
    return paths
