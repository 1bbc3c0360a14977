"""Uploaded documents served one way everywhere (evidence, concept attachments, exchange
documents): a download typed as its bytes, never sniffed, privately cached; a 404 when the file
is gone from the storage."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import Http404

from recap.core.downloads import stored_file_response


def test_a_stored_document_is_a_typed_private_download(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("a.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    response = stored_file_response(
        storage.open(name), filename="plan.pdf", content_type="application/pdf"
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="plan.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"


def test_a_document_gone_from_the_storage_is_a_404(tmp_path):
    class Gone:
        def open(self, mode: str) -> None:
            raise FileNotFoundError("gone")

    with pytest.raises(Http404):
        stored_file_response(Gone(), filename="x.pdf", content_type="application/pdf")


def test_a_generated_file_is_named_safely_and_never_sniffed() -> None:
    from recap.core.downloads import generated_response

    response = generated_response(
        b"%PDF-", filename='Plan "B"\r\nSet-Cookie: x=1.pdf', content_type="application/pdf"
    )
    assert response["Content-Disposition"] == 'attachment; filename="Plan-B-Set-Cookie-x-1.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        generated_response(b"", filename="...", content_type="text/plain")["Content-Disposition"]
        == 'attachment; filename="download"'
    )
