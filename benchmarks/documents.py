"""What deciding an uploaded document's kind costs now that images are decoded whole.

Usage:  .venv/bin/python -m benchmarks.documents [--repeat N]

For a phone photo (JPEG, 4000 × 3000), a scanned page (PNG, 2480 × 3508), a WebP and the
largest image accepted (48 million pixels, PNG), prints the median seconds of
`core.documents.document_kind` (header, verify, full decode, end marker) against the same
file read the old way in the same run (header and `verify()` only: no pixels decoded), the
baseline. Each case runs in a fresh process. Memory is bounded by the pixel cap
(`MAX_PIXELS`, 48 million: at most about 190 MB decoded, RGBA).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = [
    ("phone photo JPEG 4000x3000", "JPEG", (4000, 3000), "RGB"),
    ("scanned page PNG 2480x3508", "PNG", (2480, 3508), "L"),
    ("WebP 3000x2000", "WEBP", (3000, 2000), "RGB"),
    ("largest accepted PNG 8000x6000", "PNG", (8000, 6000), "RGB"),
]

CHILD = """
import io, json, statistics, sys, time
from pathlib import Path
from PIL import Image
path, how, repeat = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
data = path.read_bytes()
if how == "new":
    import django, os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recap.settings.test")
    django.setup()
    from recap.core.documents import document_kind
    run = lambda: document_kind(data, path.name)
else:
    def run():
        with Image.open(io.BytesIO(data)) as im:
            im.size; im.verify()
times = []
for _ in range(repeat):
    t = time.perf_counter(); run(); times.append(time.perf_counter() - t)
print(json.dumps({"median": statistics.median(times)}))
"""


def make(fmt: str, size: tuple[int, int], mode: str, folder: Path) -> Path:
    """A picture with texture (noise over a gradient), so that it compresses as photos do."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    width, height = size
    base = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    plane = np.clip(base + rng.normal(0, 18, (height, width)), 0, 255).astype(np.uint8)
    path = folder / f"{fmt.lower()}-{width}x{height}.{ {'JPEG': 'jpg'}.get(fmt, fmt.lower()) }"
    Image.fromarray(plane, "L").convert(mode).save(path, format=fmt, quality=85)
    return path


def measure(path: Path, how: str, repeat: int) -> dict[str, float]:
    done = subprocess.run(  # noqa: S603 - this interpreter, with our own script
        [sys.executable, "-c", CHILD, str(path), how, str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'case':32} {'file':>8} {'verify only':>12} {'decoded whole':>14}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for label, fmt, size, mode in CASES:
            path = make(fmt, size, mode, Path(tmp))
            old, new = measure(path, "old", args.repeat), measure(path, "new", args.repeat)
            print(
                f"{label:32} {path.stat().st_size / 1e6:6.1f}MB {old['median']:11.3f}s "
                f"{new['median']:13.3f}s"
            )
    print(f"(median of {args.repeat} runs a case; {time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
