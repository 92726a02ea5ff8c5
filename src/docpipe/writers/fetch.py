"""WeasyPrint URL fetcher that reads only docpipe's own assets: nothing from the network.

Allowed: `data:` URLs, and `file:` URLs under the given roots (the template folder
and the page's own image folder), for images within docpipe's limits (images.py).
Everything else is refused and recorded, so a hostile page cannot make rendering fetch
or read.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit


def safe_fetcher(roots: list[Path]):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from ..images import IMAGE_MAX_BYTES, image_problem
    from ..inputs import read_file

    allowed = [r.resolve() for r in roots if str(r)]

    class SafeFetcher(URLFetcher):
        refused: list[str] = []

        def fetch(self, url: str, headers=None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if any(path.is_relative_to(root) for root in allowed) and path.is_file() \
                        and not image_problem(path):  # pixels and SVG work, from the header
                    return URLFetcherResponse(url, read_file(str(path), IMAGE_MAX_BYTES))
            self.refused.append(url)
            raise ValueError(f"docpipe does not fetch {url[:80]}")

    fetcher = SafeFetcher(allowed_protocols=("data", "file"), allow_redirects=False)
    fetcher.refused = []
    return fetcher
