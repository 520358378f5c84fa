"""A fake Genesys Cloud for tests and demos: real HTTP on 127.0.0.1, real shapes, limits and faults."""

from loaders.synthetic.fake_genesys.api import FakeState
from loaders.synthetic.fake_genesys.config import FakeConfig, FaultConfig
from loaders.synthetic.fake_genesys.reference import ReferenceStore
from loaders.synthetic.fake_genesys.server import FakeGenesys, LimitEvent, RecordedRequest
from loaders.synthetic.fake_genesys.store import ConversationStore

__all__ = [
    "ConversationStore",
    "FakeConfig",
    "FakeGenesys",
    "FakeState",
    "FaultConfig",
    "LimitEvent",
    "RecordedRequest",
    "ReferenceStore",
]
