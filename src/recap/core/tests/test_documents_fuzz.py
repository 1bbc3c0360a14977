"""The document check under damaged input (issue #19): a few thousand mutated PDF, Office and
image files each get a kind or a sentence, never an exception from a library; an image with no
pixel data, or garbage for pixels, is refused the same way whether or not the process has drawn a
PDF (WeasyPrint switches Pillow to accepting truncated images on import)."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable

import pytest

from recap.core.documents import DocumentRefused, document_kind

from .test_documents import MINIMAL_PDF, docx, image, xlsx


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


#: Signature, IHDR (1 × 1, 8-bit RGB) and IEND: 45 bytes, a PNG with no image data at all.
PNG_WITHOUT_DATA = (
    b"\x89PNG\r\n\x1a\n"
    + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    + _chunk(b"IEND", b"")
)


def _png_with_garbage_pixels() -> bytes:
    """A 64 × 64 PNG whose IDAT inflates to too few bytes of garbage: well formed chunk by chunk,
    correct checksums, an IEND at the end, only the pixels are wrong."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0))
    data = _chunk(b"IDAT", zlib.compress(b"\x07" * 300))
    return b"\x89PNG\r\n\x1a\n" + header + data + _chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: PNG_WITHOUT_DATA, "empty.png"),
        (_png_with_garbage_pixels, "noise.png"),
    ],
)
def test_an_image_without_real_pixels_is_refused(make: Callable[[], bytes], name: str) -> None:
    # (A JPEG has no checksum: noise in its scan decodes to some picture, and libjpeg says
    # nothing; only a JPEG cut short or with broken markers can be refused.)
    data = make()
    with pytest.raises(DocumentRefused, match="damaged"):
        document_kind(data, name)


SEEDS: dict[str, tuple[Callable[[], bytes], str]] = {
    "pdf": (lambda: MINIMAL_PDF, "f.pdf"),
    "xlsx": (xlsx, "f.xlsx"),
    "docx": (docx, "f.docx"),
    "png": (lambda: image("PNG", (48, 32)), "f.png"),
    "jpeg": (lambda: image("JPEG", (48, 32)), "f.jpg"),
    "webp": (lambda: image("WEBP", (48, 32)), "f.webp"),
}


def _mutants(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    """Bit flips, overwritten runs, cuts, duplications and inserted bytes; the first bytes kept
    in most, so the file still reaches its kind's own reader."""
    out = []
    for _ in range(count):
        mutant = bytearray(data)
        for _step in range(rng.randint(1, 4)):
            where = rng.randrange(8 if len(mutant) > 16 else 0, max(len(mutant), 9))
            move = rng.randrange(6)
            if move == 0:
                mutant[where % len(mutant)] ^= 1 << rng.randrange(8)
            elif move == 1:
                mutant[where : where + 8] = bytes(rng.randrange(256) for _ in range(8))
            elif move == 2:
                del mutant[where:]
            elif move == 3:
                mutant[where:where] = mutant[where : where + rng.randint(1, 64)]
            elif move == 4:
                mutant[where:where] = bytes([rng.choice((0, 0xFF, 0x7F))]) * rng.randint(1, 32)
            else:
                mutant[where : where + 4] = struct.pack(">I", rng.choice((0, 2**31 - 1, 2**32 - 1)))
        out.append(bytes(mutant))
    return out


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_mutated_files_get_a_kind_or_a_sentence(kind: str) -> None:
    make, name = SEEDS[kind]
    rng = random.Random(f"recap-{kind}")  # noqa: S311 - the same mutants on every run
    refusals = []
    for mutant in _mutants(make(), rng, 600):
        try:
            found = document_kind(mutant, name)
        except DocumentRefused as exc:
            refusals.append(str(exc))
        else:
            assert found == kind
    assert all(sentence.endswith(".") for sentence in refusals)
    assert refusals  # the mutations do damage: the check is really exercised


SCRIPT = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recap.settings.test")
django.setup()
from PIL import ImageFile
from recap.core.pdf import render_pdf
from recap.core.documents import DocumentRefused, document_kind
assert render_pdf("<p>hello</p>").startswith(b"%PDF")
print("after-pdf", ImageFile.LOAD_TRUNCATED_IMAGES)
try:
    document_kind(bytes.fromhex(os.environ["NOISE"]), "noise.png")
    print("accepted")
except DocumentRefused as exc:
    print("refused", exc)
"""


def test_a_process_that_has_drawn_a_pdf_refuses_garbage_images_too() -> None:
    import os

    run = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**os.environ, "NOISE": _png_with_garbage_pixels().hex()},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "after-pdf False" in run.stdout
    assert "refused The file is damaged" in run.stdout
