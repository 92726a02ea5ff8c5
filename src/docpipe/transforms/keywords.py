"""Keywords of the whole article: jieba's TF-IDF, loaded once per process."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

_NOISE = re.compile(r"^[\d\W_a-zA-Z]+$")


@lru_cache(maxsize=1)
def _extractor():
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.analyse.TFIDF()


def keywords(text: str, top: int = 8) -> list[tuple[str, float]]:
    """Up to `top` (word, weight) pairs; words of one character and numbers left out."""
    if not text.strip():
        return []
    pairs = _extractor().extract_tags(text, topK=top * 3, withWeight=True)
    return [(w, s) for w, s in pairs if len(w) > 1 and not _NOISE.match(w)][:top]
