"""No uploaded file is kept past the size any import reads.

Django streams a large upload to a temporary file before any view sees it, so without this a
single request could fill the disk. This handler, first in `FILE_UPLOAD_HANDLERS`, stops
keeping a file's bytes past `RECAP_UPLOAD_MAX_BYTES`, reads the rest of the request away
without storing it, and marks the request so the page can say why (`upload_too_large`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest


class SizeLimitUploadHandler(FileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.RECAP_UPLOAD_MAX_BYTES:
            if self.request is not None:
                self.request.upload_too_large = True  # type: ignore[attr-defined]
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handler keeps the file


def upload_too_large(request: HttpRequest) -> bool:
    return bool(getattr(request, "upload_too_large", False))
