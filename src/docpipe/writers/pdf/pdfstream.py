"""A PDF written as it is built: objects go out one part at a time, so the pack of a
thousand briefings is never held as one object graph in memory (qpdf keeps ~2 KB per
object, and a tagged briefing has ~200 of them).

`Writer` appends objects to a binary stream: stream objects at once, the others batched
into compressed object streams (PDF 1.5), then a cross-reference stream at the end.
`Copier` copies the objects of one source PDF (opened with pikepdf) into it, renumbered:
each object is unparsed by qpdf and its references rewritten, and a reference a source
should make to an object of the pack is written in the source as the name
`/DPref.N` (N: the pack's object number), which becomes `N 0 R`.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from typing import BinaryIO

#: Tokens of an unparsed object: a literal string (qpdf escapes its parentheses), a hex
#: string, a reference, or a placeholder name; anything else is copied as it is.
_TOKENS = re.compile(rb"(\((?:\\.|[^\\)])*\))|(<[0-9A-Fa-f\s]*>)|(\d+) (\d+) R|/DPref\.(\d+)",
                     re.S)
PLACEHOLDER = "/DPref.{}"


def placeholder(number: int):
    """A name that stands, in a source PDF, for object `number` of the pack."""
    import pikepdf

    return pikepdf.Name(PLACEHOLDER.format(number))


class Writer:
    """Objects numbered by `reserve`, written by `add` in any order; `close` writes the
    pending object stream, the cross-reference stream and the trailer."""

    BATCH = 200  # objects per object stream (an index fits one byte in the xref)

    def __init__(self, out: BinaryIO, version: str = "1.7"):
        self.out = out
        self.next = 1
        self.offsets: dict[int, int] = {}  # number -> byte offset (type 1 entries)
        self.packed: dict[int, tuple[int, int]] = {}  # number -> (object stream, index)
        self.batch: list[tuple[int, bytes]] = []
        self.digest = hashlib.md5(usedforsecurity=False)
        self._write(f"%PDF-{version}\n%\xe2\xe3\xcf\xd3\n".encode("latin-1"))

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.digest.update(data)

    def tell(self) -> int:
        return self.out.tell()

    def reserve(self) -> int:
        self.next += 1
        return self.next - 1

    def add(self, number: int, body: bytes) -> None:
        """A non-stream object: compressed with the others of its batch."""
        self.batch.append((number, body))
        if len(self.batch) >= self.BATCH:
            self._flush_batch()

    def add_stream(self, number: int, dictionary: bytes, data: bytes) -> None:
        """A stream object; `dictionary` is `<< … >>` without /Length (added here)."""
        self.offsets[number] = self.tell()
        head = dictionary.rstrip()
        assert head.endswith(b">>")
        head = head[:-2] + b" /Length %d >>" % len(data)
        self._write(b"%d 0 obj\n%s\nstream\n" % (number, head) + data +
                    b"\nendstream\nendobj\n")

    def _flush_batch(self) -> None:
        if not self.batch:
            return
        number = self.reserve()
        header, bodies, offset = [], [], 0
        for index, (num, body) in enumerate(self.batch):
            header.append(b"%d %d" % (num, offset))
            bodies.append(body)
            offset += len(body) + 1
            self.packed[num] = (number, index)
        head = b" ".join(header) + b"\n"
        data = zlib.compress(head + b"\n".join(bodies) + b"\n", 9)
        self.add_stream(number, b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode >>"
                        % (len(self.batch), len(head)), data)
        self.batch = []

    def close(self, root: int, info: int | None) -> None:
        """The cross-reference stream and trailer; the /ID is a digest of the file."""
        self._flush_batch()
        xref = self.reserve()
        size = self.next
        ident = self.digest.hexdigest().encode()
        self.offsets[xref] = self.tell()
        last = max(self.offsets.values())
        wide = max(1, (last.bit_length() + 7) // 8)  # offsets' bytes
        columns = wide + 2
        rows, previous = bytearray(), bytes(columns)
        for number in range(size):
            if number in self.offsets:
                row = b"\x01" + self.offsets[number].to_bytes(wide, "big") + b"\x00"
            elif number in self.packed:
                stream, index = self.packed[number]
                row = b"\x02" + stream.to_bytes(wide, "big") + index.to_bytes(1, "big")
            else:
                row = b"\x00" + (0).to_bytes(wide, "big") + b"\xff"
            # PNG "Up" prediction: each byte less the one above, so the rows compress
            rows += b"\x02" + bytes((a - b) & 0xFF for a, b in zip(row, previous, strict=True))
            previous = row
        data = zlib.compress(bytes(rows), 9)
        info_ref = b" /Info %d 0 R" % info if info else b""
        start = self.offsets[xref]
        self._write(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 %d 1] /Root %d 0 R%s "
                    b"/ID [<%s> <%s>] /Filter /FlateDecode /DecodeParms << /Predictor 12 "
                    b"/Columns %d >> /Length %d >>\nstream\n"
                    % (xref, size, wide, root, info_ref, ident, ident, columns, len(data))
                    + data +
                    b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start)


def unparse_scalar(value) -> bytes:
    """A value pikepdf hands over as a Python object (int, Decimal, bool, None)."""
    if value is None:
        return b"null"
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return str(value).encode()
    return format(value, "f").rstrip("0").rstrip(".").encode() or b"0"


def unparse(value) -> bytes:
    """Any value, resolved (for templates read from a source)."""
    if hasattr(value, "unparse"):
        return value.unparse(resolved=True)
    return unparse_scalar(value)


class Copier:
    """Copies objects of one source PDF into `writer`: each object reachable from what
    is copied gets a number of the pack (`numbers` may fix some: the pages, whose
    numbers are reserved in advance), and is written once."""

    def __init__(self, writer: Writer, src, numbers: dict | None = None):
        self.writer, self.src = writer, src
        self.numbers: dict[tuple[int, int], int] = dict(numbers or {})
        self.written: set[tuple[int, int]] = set()
        self.todo: list = []

    def number(self, objgen: tuple[int, int]) -> int:
        num = self.numbers.get(objgen)
        if num is None:
            num = self.numbers[objgen] = self.writer.reserve()
        if objgen not in self.written:
            self.written.add(objgen)
            self.todo.append(objgen)
        return num

    def ref(self, obj) -> bytes:
        """`obj` (of the source) as it is written in the pack: a reference to its copy
        if it is an indirect object, else its value, references rewritten."""
        if not hasattr(obj, "is_indirect"):  # pikepdf gives numbers and booleans as such
            return unparse_scalar(obj)
        if obj.is_indirect:
            return b"%d 0 R" % self.number(obj.objgen)
        return self.unparse(obj)

    def unparse(self, obj) -> bytes:
        def swap(m: re.Match) -> bytes:
            if m[3] is not None:
                return b"%d 0 R" % self.number((int(m[3]), int(m[4])))
            if m[5] is not None:
                return b"%s 0 R" % m[5]
            return m[0]

        return _TOKENS.sub(swap, obj.unparse(resolved=False))

    def flush(self) -> None:
        """Write every object referred to so far (and what they refer to)."""
        import pikepdf

        while self.todo:
            objgen = self.todo.pop()
            obj = self.src.get_object(objgen)
            num = self.numbers[objgen]
            # unparse() shows an indirect object as its reference: a direct copy of its
            # outer level (whose values still refer to the source's objects) shows it
            if isinstance(obj, pikepdf.Stream):
                raw = obj.read_raw_bytes()
                d = pikepdf.Dictionary({k: v for k, v in obj.stream_dict.items()
                                        if k not in ("/Length", "/DL")})
                self.writer.add_stream(num, self.unparse(d), raw)
            elif isinstance(obj, pikepdf.Dictionary):
                self.writer.add(num, self.unparse(pikepdf.Dictionary(dict(obj.items()))))
            elif isinstance(obj, pikepdf.Array):
                self.writer.add(num, self.unparse(pikepdf.Array(list(obj))))
            else:
                self.writer.add(num, obj.unparse(resolved=True))
