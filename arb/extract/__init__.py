"""Draft deal files from news articles, by rules over the phrasing of deal announcements.

No network and no model: the standard library's ``re`` and a linear tag scanner read Chinese and
English articles, split them into news items, and turn each deal-like item into a draft deal
TOML plus draft price rows; other items come back with the reason they were skipped.
"""

from arb.extract.core import CROSS_CHECK_TOLERANCE, extract_article
from arb.extract.model import DraftDeal, Extraction, QuotedPrice, SkippedItem
from arb.extract.text import MAX_ARTICLE_CHARS, ArticleError, read_article

__all__ = [
    "CROSS_CHECK_TOLERANCE",
    "MAX_ARTICLE_CHARS",
    "ArticleError",
    "DraftDeal",
    "Extraction",
    "QuotedPrice",
    "SkippedItem",
    "extract_article",
    "read_article",
]
