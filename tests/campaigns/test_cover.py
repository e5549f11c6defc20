"""Campaign cover images: checked by content, re-encoded, stored under MEDIA_ROOT;
anything else is a 400 naming `image` and leaves nothing behind."""

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns import services
from campaigns.models import Campaign
from staff.models import AuditEvent
from tests.campaigns.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def jpeg_with_exif(size=(120, 80), orientation=6) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: rotate 90° clockwise to view
    exif[0x010F] = "SecretCam"  # Make
    exif[0x9286] = "taken at home"  # UserComment
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bytes(size=(64, 48), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 60) if mode == "RGB" else (10, 120, 60, 128)).save(
        out, format="PNG"
    )
    return out.getvalue()


def webp_bytes(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(out, format="WEBP")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims widthxheight pixels: a decompression bomb
    (decoding would need gigabytes), a few dozen bytes on the wire."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def upload(data: bytes, name: str = "cover.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "campaigns" / "covers"
    return {p.name for p in root.glob("*")} if root.exists() else set()


def post_cover(client, campaign, data, name="cover.jpg", content_type="image/jpeg"):
    return client.post(
        f"/api/v1/campaigns/{campaign.pk}/cover",
        {"image": upload(data, name, content_type)},
        format="multipart",
    )


@pytest.fixture
def organizer_client(api_client, user):
    api_client.force_authenticate(user)
    return api_client


@pytest.fixture
def campaign(user):
    return make_campaign(organizer=user)


def test_the_organizer_sets_a_cover_reencoded_upright_and_without_metadata(
    organizer_client, campaign
):
    response = post_cover(organizer_client, campaign, jpeg_with_exif(size=(120, 80)))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(campaign.pk)
    assert body["cover_url"].startswith(settings.MEDIA_URL)
    assert body["cover_thumbnail_url"].startswith(settings.MEDIA_URL)
    campaign.refresh_from_db()
    with Image.open(campaign.cover.path) as stored:
        assert stored.format == "JPEG"
        # Orientation 6 applied: 120x80 becomes 80x120, and nothing of the EXIF is left.
        assert stored.size == (80, 120)
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info
    assert b"SecretCam" not in Path(campaign.cover.path).read_bytes()
    with Image.open(campaign.cover_thumbnail.path) as thumb:
        assert max(thumb.size) <= 480


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (png_bytes(), "cover.png", "image/png"),
        (webp_bytes(), "cover.webp", "image/webp"),
        (png_bytes(mode="RGBA"), "cover.png", "image/png"),
    ],
)
def test_png_and_webp_are_accepted(organizer_client, campaign, data, name, content_type):
    response = post_cover(organizer_client, campaign, data, name, content_type)

    assert response.status_code == 200, response.content
    campaign.refresh_from_db()
    assert campaign.cover
    assert Path(campaign.cover.path).exists()


def test_a_new_cover_replaces_the_old_files(
    organizer_client, campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_cover(organizer_client, campaign, png_bytes(), "a.png", "image/png")
    campaign.refresh_from_db()
    old = Path(campaign.cover.path)
    with django_capture_on_commit_callbacks(execute=True):
        post_cover(organizer_client, campaign, png_bytes((30, 30)), "b.png", "image/png")

    campaign.refresh_from_db()
    assert not old.exists()
    assert Path(campaign.cover.path).exists()


def _six_mb_png() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (1500, 1400), os.urandom(1500 * 1400 * 3)).save(
        out, format="PNG", compress_level=0
    )
    data = out.getvalue()
    assert len(data) > 6 * 1024 * 1024 - 200_000
    return data


@pytest.mark.parametrize(
    ("data", "name", "content_type", "says"),
    [
        (
            b"<!doctype html><script>alert(1)</script>",
            "cover.jpg",
            "image/jpeg",
            "JPEG, PNG or WebP",
        ),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "cover.gif", "image/gif", "JPEG, PNG or WebP"),
        (jpeg_with_exif()[:200], "broken.jpg", "image/jpeg", "JPEG, PNG or WebP"),
        (b"", "empty.jpg", "image/jpeg", "empty"),
        (png_header_only(100_000, 100_000), "bomb.png", "image/png", "too large to process"),
        (png_header_only(10_000, 10_000), "bomb2.png", "image/png", "too large to process"),
    ],
    ids=["html-named-jpg", "gif", "truncated", "empty", "bomb-error", "bomb-warning"],
)
def test_anything_but_a_sound_image_is_a_400_and_nothing_is_stored(
    organizer_client, campaign, data, name, content_type, says
):
    before = stored_files()

    response = post_cover(organizer_client, campaign, data, name, content_type)

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "validation_error"
    assert says in " ".join(body["details"]["image"])
    campaign.refresh_from_db()
    assert not campaign.cover
    assert stored_files() == before


def test_a_six_megabyte_image_is_a_400_and_nothing_is_stored(organizer_client, campaign):
    before = stored_files()

    response = post_cover(organizer_client, campaign, _six_mb_png(), "big.png", "image/png")

    assert response.status_code == 400
    assert "5 MB" in " ".join(response.json()["details"]["image"])
    campaign.refresh_from_db()
    assert not campaign.cover
    assert stored_files() == before


def test_the_pixel_limit_is_a_setting(organizer_client, campaign, settings):
    settings.COVER_MAX_PIXELS = 1000

    response = post_cover(organizer_client, campaign, png_bytes((64, 48)), "c.png", "image/png")

    assert response.status_code == 400
    assert "too large to process" in " ".join(response.json()["details"]["image"])


def test_no_file_is_a_400(organizer_client, campaign):
    response = organizer_client.post(f"/api/v1/campaigns/{campaign.pk}/cover", {}, format="json")

    assert response.status_code == 400
    assert response.json()["details"]["image"]


def test_only_the_organizer_or_a_campaign_manager_sets_a_cover(api_client, campaign, other_user):
    api_client.force_authenticate(other_user)
    refused = post_cover(api_client, campaign, png_bytes(), "c.png", "image/png")
    api_client.force_authenticate(None)
    anonymous = post_cover(api_client, campaign, png_bytes(), "c.png", "image/png")
    plain_staff = UserFactory(is_staff=True, roles=[])
    api_client.force_authenticate(plain_staff)
    staff_without_role = post_cover(api_client, campaign, png_bytes(), "c.png", "image/png")

    assert refused.status_code == 403
    assert refused.json()["error"] == "permission_denied"
    assert anonymous.status_code == 401
    assert staff_without_role.status_code == 403
    assert not Campaign.objects.get(pk=campaign.pk).cover


def test_a_campaign_manager_sets_someone_elses_cover_and_it_is_audited(api_client, campaign):
    manager = UserFactory(is_staff=True, roles=["campaign_manager"])
    api_client.force_authenticate(manager)

    response = post_cover(api_client, campaign, png_bytes(), "c.png", "image/png")

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="campaign.cover_set")
    assert event.actor == manager
    assert event.subject_id == str(campaign.pk)


def test_someone_elses_draft_is_404(api_client, other_user):
    draft = make_campaign(status="draft")
    api_client.force_authenticate(other_user)

    assert post_cover(api_client, draft, png_bytes(), "c.png", "image/png").status_code == 404


def test_the_service_refuses_before_storing_anything(campaign, other_user):
    before = stored_files()

    with pytest.raises(services.CampaignEditDenied):
        services.campaign_cover_set(
            campaign=campaign, by=other_user, image=upload(png_bytes(), "c.png")
        )

    assert stored_files() == before


def test_the_cover_is_shown_and_served_on_the_page(client, user, campaign, settings):
    settings.SERVE_MEDIA = True
    client.force_login(user)

    response = client.post(
        f"/campaigns/{campaign.pk}/cover/",
        {"image": upload(png_bytes(), "c.png", "image/png")},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    served = client.get(campaign.cover_url)
    listing = client.get("/campaigns/").content.decode()

    assert f'src="{campaign.cover_url}"' in page
    assert served.status_code == 200
    assert served["X-Content-Type-Options"] == "nosniff"
    assert f'src="{campaign.cover_thumbnail_url}"' in listing


def test_a_bad_upload_on_the_page_shows_the_error_beside_the_form(client, user, campaign):
    client.force_login(user)

    response = client.post(
        f"/campaigns/{campaign.pk}/cover/",
        {"image": upload(b"<html>not an image</html>", "c.jpg", "image/jpeg")},
    )

    assert response.status_code == 400
    assert "Upload a JPEG, PNG or WebP image." in response.content.decode()


def test_media_is_not_served_unless_asked(client, settings):
    settings.SERVE_MEDIA = False

    assert client.get("/media/campaigns/covers/x.jpg").status_code == 404


def test_others_do_not_see_the_organizer_forms(client, other_user, campaign):
    client.force_login(other_user)

    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()

    assert "Upload cover" not in html
    assert "Post an update" not in html


def _admin_change(client, campaign, **extra):
    data = {
        "name": campaign.name,
        "description": campaign.description,
        "target_amount": str(campaign.target_amount),
        "start_date": campaign.start_date.isoformat(),
        "end_date": campaign.end_date.isoformat(),
        "donations-TOTAL_FORMS": "0",
        "donations-INITIAL_FORMS": "0",
        "donations-MIN_NUM_FORMS": "0",
        "donations-MAX_NUM_FORMS": "0",
        **extra,
    }
    return client.post(f"/admin/campaigns/campaign/{campaign.pk}/change/", data)


def test_staff_set_a_cover_in_the_admin(client, campaign):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    response = _admin_change(client, campaign, new_cover=upload(png_bytes(), "c.png", "image/png"))

    assert response.status_code == 302, response.content.decode()[:2000]
    campaign.refresh_from_db()
    assert campaign.cover
    assert AuditEvent.objects.filter(action="campaign.cover_set", actor=admin_user).exists()
    page = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert campaign.cover_thumbnail_url in page


def test_a_bad_cover_in_the_admin_is_a_form_error(client, campaign):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    before = stored_files()

    response = _admin_change(
        client, campaign, new_cover=upload(b"<html></html>", "c.jpg", "image/jpeg")
    )

    assert response.status_code == 200
    assert "Upload a JPEG, PNG or WebP image." in response.content.decode()
    assert stored_files() == before


def _image(mode: str, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (40, 30)).save(out, format=fmt, **options)
    return out.getvalue()


def _animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (20, 20), (i * 60, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:])
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "extension"),
    [
        (_image("I;16", "PNG"), "jpg"),
        (_image("1", "PNG"), "jpg"),
        (_image("P", "PNG"), "jpg"),
        (_image("P", "PNG", transparency=0), "png"),
        (_image("LA", "PNG"), "png"),
        (_image("CMYK", "JPEG"), "jpg"),
        (_image("L", "JPEG"), "jpg"),
        (_animated("WEBP"), "jpg"),
        (_animated("PNG"), "jpg"),
    ],
    ids=["16-bit", "1-bit", "palette", "palette-transparent", "grey-alpha", "cmyk", "grey",
         "animated-webp", "apng"],
)  # fmt: skip
def test_every_image_mode_is_reencoded_not_refused(data, extension):
    from campaigns.images import process_cover

    cover = process_cover(upload(data, "x.png", "image/png"))

    assert cover.extension == extension
    with Image.open(io.BytesIO(cover.image)) as stored:
        assert stored.format == ("PNG" if extension == "png" else "JPEG")
        assert stored.mode in ("RGB", "L", "RGBA", "LA")


def test_cover_urls_without_a_cover_and_with_one_deferred(campaign):
    loaded = Campaign.objects.get(pk=campaign.pk)
    assert (loaded.cover_url, loaded.cover_thumbnail_url) == (None, None)
    assert "cover" not in loaded.__dict__ or isinstance(loaded.__dict__["cover"], str)
    deferred = Campaign.objects.defer("cover", "cover_thumbnail").get(pk=campaign.pk)
    assert (deferred.cover_url, deferred.cover_thumbnail_url) == (None, None)
