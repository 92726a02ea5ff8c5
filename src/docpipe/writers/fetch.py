"""WeasyPrint URL fetcher that reads only docpipe's own assets: nothing from the network.

Allowed: `data:` URLs, and `file:` URLs under the given roots (the template folder
and the page's own folder, for a saved page's local images). Everything else is
refused and recorded, so a hostile page cannot make rendering fetch or read.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit


def safe_fetcher(roots: list[Path], aliases: dict[str, Path] | None = None):
    """`aliases`: URL prefix -> folder it stands for (a location-independent name for
    the page's folder, see writers/pdf.py); the folder must still be under `roots`."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

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
                if any(path.is_relative_to(root) for root in allowed) and path.is_file():
                    return URLFetcherResponse(url, path.read_bytes())
            self.refused.append(url)
            raise ValueError(f"docpipe does not fetch {url[:80]}")

    fetcher = SafeFetcher(allowed_protocols=("data", "file"), allow_redirects=False)
    fetcher.refused = []
    return fetcher
