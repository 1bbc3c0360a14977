"""What keeping documents on S3-compatible object storage costs against the local disk, through
the same service and view: a concept's document uploaded (`pipeline.concepts.attachment_add`:
kind read from the bytes, row checked, file written, audited) and downloaded as a person gets
it (`core.downloads.document_response` through the test client), on a fresh SQLite database.

Usage: .venv/bin/python -m benchmarks.storage [--documents N] [--kib K]   (default: 30, 256; a concept holds at most 30)
The object store is moto in server mode on this machine (HTTP on the loopback, no network
latency), so the figures say what the storage API and boto3 add, not what a real region's
round trips would. Baseline, in the same run: the local disk (`MEDIA_ROOT`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
VAR = tempfile.mkdtemp(prefix="recap-bench-")
os.environ["RECAP_VAR_DIR"] = VAR
os.environ["DJANGO_SETTINGS_MODULE"] = "recap.settings.dev"

import django  # noqa: E402

django.setup()

import boto3  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from recap.pipeline.concepts import attachment_add  # noqa: E402
from recap.settings.base import document_storage  # noqa: E402
from recap.testing import World, concept_at, make_world  # noqa: E402

KEYS = {"access_key": "bench", "secret_key": "bench", "region_name": "us-east-1"}


def pdf_of(kib: int) -> bytes:
    """A PDF of about `kib` KiB (a comment pads it), which the kind check accepts."""
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n"
    return head + b"%" + b"x" * (kib * 1024) + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def run(
    world: World, label: str, storages: dict[str, Any], documents: int, data: bytes
) -> dict[str, float]:
    with override_settings(STORAGES=storages):
        editor = world.users["editor_a"]
        concept = concept_at(world.city_a, f"Bench {label}", "drafted")
        ups, downs = [], []
        client = Client(HTTP_HOST="localhost")
        client.force_login(editor)
        docs = []
        for i in range(documents):
            start = time.perf_counter()
            docs.append(
                attachment_add(
                    actor=editor,
                    concept=concept,
                    role="study",
                    title=f"Study {i}",
                    data=data,
                    filename=f"study-{i}.pdf",
                )
            )
            ups.append(time.perf_counter() - start)
        for doc in docs:
            start = time.perf_counter()
            response = client.get(f"{concept.get_absolute_url()}documents/{doc.pk}/")
            body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
            downs.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
            assert body == data, "the download is not the upload"
    return {"upload": statistics.median(ups) * 1000, "download": statistics.median(downs) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=30)
    parser.add_argument("--kib", type=int, default=256)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    world = make_world()
    data = pdf_of(args.kib)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.resource(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
        region_name=KEYS["region_name"],
    ).Bucket("bench").create()
    s3 = document_storage({"RECAP_S3_BUCKET": "bench", "RECAP_S3_ENDPOINT_URL": endpoint})
    s3["OPTIONS"].update(KEYS)
    from django.conf import settings

    disk = {**settings.STORAGES, "default": document_storage({})}
    try:
        print(f"{args.documents} documents of {args.kib} KiB; median ms per document")
        print(f"{'storage':<22}{'upload':>10}{'download':>10}")
        base = run(world, "disk", disk, args.documents, data)
        print(f"{'local disk (baseline)':<22}{base['upload']:>10.1f}{base['download']:>10.1f}")
        other = run(world, "s3", {**settings.STORAGES, "default": s3}, args.documents, data)
        print(f"{'S3 (moto, loopback)':<22}{other['upload']:>10.1f}{other['download']:>10.1f}")
        print(
            f"{'ratio':<22}{other['upload'] / base['upload']:>9.1f}x"
            f"{other['download'] / base['download']:>9.1f}x"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
