"""Which local images a briefing may show, checked before anything decodes them.

- Only the page's own `NAME_files/` folder, where browsers save a page's images
  (`ReadOptions.folder_images` widens this to the page's whole folder, for pages saved
  by wget and other tools). A page in Downloads must not pull in `tax-2024/scan.png`.
- Raster images: width and height read from the file's header; over `MAX_PIXELS`
  (25 Mpx) the image is left out. Decoding a 13,300² PNG of 1.4 MB costs 1.7 GB.
- SVG: the element count after `<use>` expansion is computed on the parsed tree; over
  `SVG_MAX_WORK` the image is left out. A 3 KB SVG of nested `<use>` draws billions.

Each image left out is named, with why, in one warning line of its page.
"""

from __future__ import annotations

import dataclasses
import io
import struct
import warnings
import zlib
from pathlib import Path

from .errors import DocpipeError, describe
from .model import Article

#: What Pillow's Image.open raises for data it cannot read as an image (its documented
#: errors: UnidentifiedImageError is an OSError).
PILLOW_REFUSALS = (OSError, ValueError, TypeError, SyntaxError, struct.error, EOFError)

MAX_PIXELS = 25_000_000
SVG_MAX_WORK = 50_000  # elements drawn, each <use> counting what it copies
IMAGE_MAX_BYTES = 50_000_000
SVG_MAX_BYTES = 5_000_000


def image_folder(page: str, base_dir: str, folder_images: bool = False) -> Path:
    """The folder a page's images may come from: `NAME_files/` beside the page."""
    base = Path(base_dir)
    return base if folder_images else base / f"{Path(page).stem}_files"


def real_image_folder(page: str, base_dir: str, folder_images: bool = False) -> Path | None:
    """The image folder with links followed, when it really is the page's: with
    `folder_images` the page's folder; else `NAME_files/` must be that very folder inside
    it, not a link to the folder itself (`ln -s . page_files`) or elsewhere. None when it
    is not (then no local image is used)."""
    root = image_folder(page, base_dir, folder_images)
    try:
        parent, real = Path(base_dir).resolve(), root.resolve()
    except (OSError, RuntimeError):
        return None
    if folder_images:
        return parent
    return real if real == parent / root.name else None


def screen(art: Article, folder_images: bool = False) -> Article:
    """`art` with every image block checked: outside the image folder, too many pixels
    or too much SVG work, its `src` is dropped (the caption stays) and a warning says
    why. `base_dir` becomes the image folder, `src` relative to it, so the writers and
    the PDF's URL fetcher read from nowhere else."""
    if not art.base_dir or art.input_path in ("", "-", "<stdin>"):
        return art
    parent = Path(art.base_dir)
    root = image_folder(art.input_path, art.base_dir, folder_images)
    real_root = real_image_folder(art.input_path, art.base_dir, folder_images)
    body = []
    warned = list(art.warnings)
    for b in art.body:
        if b.kind == "image" and b.src.startswith("data:"):  # carried by a web archive
            if problem := data_url_problem(b.src):
                warned.append(f"image {describe(b.src[:40])}… left out: {problem}")
                b = dataclasses.replace(b, src="")
        elif b.kind == "image" and b.src:
            try:
                real = (parent / b.src).resolve()
            except (OSError, RuntimeError):
                real = None
            if real_root is None and real is not None and root.is_symlink():
                warned.append(f"image {describe(b.src)} left out: {root.name}/ is a link "
                              "to another folder, not the page's own image folder")
                b = dataclasses.replace(b, src="")
            elif real is None or real_root is None or not real.is_relative_to(real_root) \
                    or not real.is_file():
                where = ("the page's folder" if folder_images
                         else f"the page's own folder {root.name}/")
                warned.append(f"image {describe(b.src)} left out: not in {where}"
                              + ("" if folder_images else
                                 " (--folder-images allows the page's whole folder)"))
                b = dataclasses.replace(b, src="")
            elif problem := image_problem(real):
                warned.append(f"image {describe(b.src)} left out: {problem}")
                b = dataclasses.replace(b, src="")
            else:
                b = dataclasses.replace(b, src=str(real.relative_to(real_root)))
        body.append(b)
    return dataclasses.replace(art, body=body, base_dir=str(root) if real_root else "",
                               warnings=warned)


def image_problem(path: Path) -> str:
    """Why the image file `path` must not be decoded ("" when it may be): too many
    pixels, too much SVG work, too big. Reads the header (or the SVG tree) only."""
    from .inputs import read_file

    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if _is_svg(path, head):
        try:
            data = read_file(str(path), SVG_MAX_BYTES)
        except (DocpipeError, OSError):  # any refusal (too big, not a file) is the reason
            return f"SVG over {SVG_MAX_BYTES // 1_000_000} MB or unreadable"
        return svg_problem(data)
    size = raster_size(head, path)
    if size is None:
        return ""  # not an image docpipe knows: the renderer decides (and logs) itself
    if size == (-1, -1):
        return "over Pillow's decompression-bomb limit"
    if problem := _pixels_problem(*size):
        return problem
    if path.stat().st_size > IMAGE_MAX_BYTES:
        return f"file over {IMAGE_MAX_BYTES // 1_000_000} MB"
    return ""


def data_url_problem(url: str) -> str:
    """`image_problem` for a base64 `data:` URL (an image a web archive carried)."""
    import base64
    import binascii

    meta, _, payload = url.partition(",")
    if not meta.endswith(";base64"):
        return "not a base64 image"
    if len(payload) > IMAGE_MAX_BYTES * 4 // 3 + 4:
        return f"file over {IMAGE_MAX_BYTES // 1_000_000} MB"
    try:
        data = base64.b64decode(payload)
    except (binascii.Error, ValueError):
        return "not a base64 image"
    if "svg" in meta.lower() or _is_svg(Path("x"), data[:4096]):
        return svg_problem(data) if len(data) <= SVG_MAX_BYTES else \
            f"SVG over {SVG_MAX_BYTES // 1_000_000} MB"
    size = raster_size(data)  # all of it: a JPEG's size may follow long metadata
    if size is None:
        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with Image.open(io.BytesIO(data)) as im:
                    size = im.size
            except Image.DecompressionBombError:
                return "over Pillow's decompression-bomb limit"
            except PILLOW_REFUSALS:  # not an image Pillow knows: the renderer decides
                return ""
    if size is None:
        return ""
    return _pixels_problem(*size)


def _pixels_problem(w: int, h: int) -> str:
    if w * h > MAX_PIXELS:
        return (f"{w} × {h} pixels ({w * h / 1e6:.1f} Mpx), over the limit of "
                f"{MAX_PIXELS // 1_000_000} Mpx")
    return ""


def image_type(head: bytes) -> str:
    """The MIME type of a PNG, JPEG or SVG from its first bytes, "" for anything else:
    a file's name says nothing about what it holds."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "image/svg+xml" if _is_svg(Path(""), head) else ""


def _is_svg(path: Path, head: bytes) -> bool:
    if path.suffix.lower() in (".svg", ".svgz"):
        return True
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096].lower()
    return start.startswith((b"<svg", b"<?xml")) and b"<svg" in start


def raster_size(head: bytes, path: Path | None = None) -> tuple[int, int] | None:
    """(width, height) from the first bytes of a PNG, GIF, JPEG, WebP or BMP; other
    formats through Pillow's lazy open (header only), None when not an image;
    (-1, -1) when Pillow itself refuses the size."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    if head.startswith((b"GIF87a", b"GIF89a")) and len(head) >= 10:
        return struct.unpack("<HH", head[6:10])
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(head, path)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _webp_size(head)
    if head.startswith(b"BM") and len(head) >= 26:
        w, h = struct.unpack("<ii", head[18:26])
        return abs(w), abs(h)
    if path is None:
        return None
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(path) as im:
                return im.size
        except Image.DecompressionBombError:
            return (-1, -1)
        except PILLOW_REFUSALS:  # not an image Pillow knows
            return None


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(head: bytes, path: Path | None) -> tuple[int, int] | None:
    data = head
    if path is not None and len(head) >= 1 << 16:  # metadata (EXIF, ICC) may be long
        with open(path, "rb") as f:
            data = f.read(4 << 20)
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xFF or 0xD0 <= marker <= 0xD9 or marker == 0x01:
            i += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if marker in _SOF:
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    kind = head[12:16]
    if kind == b"VP8X" and len(head) >= 30:
        w = int.from_bytes(head[24:27], "little") + 1
        h = int.from_bytes(head[27:30], "little") + 1
        return w, h
    if kind == b"VP8 " and len(head) >= 30:
        w, h = struct.unpack("<HH", head[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L" and len(head) >= 25:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def svg_problem(data: bytes) -> str:
    """Why an SVG must not be drawn: unreadable, a `<use>` cycle, or more than
    `SVG_MAX_WORK` elements once every `<use>` is expanded."""
    if data.startswith(b"\x1f\x8b"):  # .svgz: inflate at most the limit
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(data, SVG_MAX_BYTES + 1)
        except zlib.error:
            return "compressed SVG that cannot be read"
        if len(data) > SVG_MAX_BYTES:
            return f"SVG over {SVG_MAX_BYTES // 1_000_000} MB once inflated"
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return "SVG that cannot be parsed"
    work = svg_work(root, SVG_MAX_WORK)
    if work is None:
        return "SVG with a <use> reference cycle"
    if work > SVG_MAX_WORK:
        return f"SVG drawing over {SVG_MAX_WORK:,} elements once <use> is expanded"
    return ""


_HREFS = ("href", "{http://www.w3.org/1999/xlink}href")


def svg_work(root, limit: int) -> int | None:
    """Elements drawn for `root`, each `<use>` counting what it copies; counting stops
    a little past `limit`. None for a reference cycle. Iterative: no recursion limit."""
    ids = {}
    for el in root.iter():
        if isinstance(el.tag, str) and (i := el.get("id")):
            ids.setdefault(i, el)

    def deps(el) -> list:
        out = [c for c in el if isinstance(c.tag, str)]
        if isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] == "use":
            for attr in _HREFS:
                ref = el.get(attr) or ""
                if ref.startswith("#") and (target := ids.get(ref[1:])) is not None:
                    out.append(target)
                    break
        return out

    cost: dict = {}
    visiting: set = set()
    stack: list = [(root, False)]
    while stack:
        el, done = stack.pop()
        if done:
            cost[el] = min(limit + 1, 1 + sum(cost[d] for d in deps(el)))
            visiting.discard(el)
            continue
        if el in cost:
            continue
        if el in visiting:
            return None
        visiting.add(el)
        stack.append((el, True))
        for d in deps(el):
            if d in visiting:
                return None
            if d not in cost:
                stack.append((d, False))
    return cost[root]
