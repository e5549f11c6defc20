"""Where applicants' supporting documents live: outside the public media space.

The files are bank statements, medical letters, IDs. They are written under
PRIVATE_MEDIA_ROOT, which no URL maps to (`base_url` is None, so a stray
`.url` raises instead of leaking a path), and they are read only through the
view that checks the viewer is the applicant or zakat staff
(distribution.views.document_download)."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    # Read the setting on every use (not once at import), so a deployment or a
    # test that moves PRIVATE_MEDIA_ROOT moves the files with it.
    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("Private documents have no public URL; use the document view.")


private_storage = PrivateStorage()
