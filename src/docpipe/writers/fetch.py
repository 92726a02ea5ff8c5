"""WeasyPrint URL fetcher that reads only docpipe's own assets: nothing from the network.

Allowed: `data:` URLs, and `file:` URLs under the given roots (the template folder
and the page's own image folder), for images within docpipe's limits (images.py).
Everything else is refused and recorded, so a hostile page cannot make rendering fetch
or read.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit


def safe_fetcher(roots: list[Path], aliases: dict[str, Path] | None = None):
    """`aliases`: URL prefix -> folder it stands for (a location-independent name for
    the page's folder, see writers/pdf/briefing.py); the folder must still be under `roots`."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from ..images import IMAGE_MAX_BYTES, image_problem
    from ..inputs import read_file

    allowed = [r.resolve() for r in roots if str(r)]
    aliases = dict(aliases or {})

    class SafeFetcher(URLFetcher):
        refused: list[str] = []

        def fetch(self, url: str, headers=None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                prefix = next((p for p in aliases if url.startswith(p)), None)
                path = (aliases[prefix] / unquote(urlsplit(url[len(prefix):]).path)
                        if prefix else Path(unquote(parts.path))).resolve()
                if any(path.is_relative_to(root) for root in allowed) and path.is_file() \
                        and not image_problem(path):  # pixels and SVG work, from the header
                    return URLFetcherResponse(url, read_file(str(path), IMAGE_MAX_BYTES))
            self.refused.append(url)
            raise ValueError(f"docpipe does not fetch {url[:80]}")

    fetcher = SafeFetcher(allowed_protocols=("data", "file"), allow_redirects=False)
    fetcher.refused = []
    return fetcher
