"""Extractors: Genesys Cloud API -> page files on disk -> raw.* via the file landing code."""

from loaders.extract.conversations import (
    ConversationExtractor,
    ExtractError,
    ExtractResult,
    run_conversation_extract,
)
from loaders.extract.pages import PageWriter

__all__ = [
    "ConversationExtractor",
    "ExtractError",
    "ExtractResult",
    "PageWriter",
    "run_conversation_extract",
]
