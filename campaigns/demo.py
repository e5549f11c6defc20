"""Demo data of the campaigns app for `make run` (called by seed_demo; must be idempotent).

Uses the demo people seed_demo made (it creates no users): three active
campaigns with donations, a completed one, a cancelled one and a donor's draft.
Campaigns are found again by name, so a second run adds nothing."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from campaigns import services
from campaigns.models import Campaign

STAFF_EMAIL = "staff@ose.example"

CAMPAIGNS = [
    {
        "name": "Winter blankets for families",
        "description": "Warm blankets, coats and heaters for 300 families before the first "
        "frost. Every 25.00 keeps one child warm through the winter.",
        "target_amount": Decimal("1500.00"),
        "days": (-20, 40),
        "status": "active",
        "organizer": "staff@ose.example",
        "cover": ((20, 83, 116), (183, 121, 31)),
        "update": (
            "The first 100 blankets are delivered",
            "Thanks to you, 100 families received blankets and coats this week. "
            "The heaters are ordered and arrive before the first frost.",
        ),
        "donations": [
            ("amina@ose.example", "120.00", "May it keep the little ones warm.", False),
            ("bilal@ose.example", "75.00", "", True),
            ("khadija@ose.example", "50.00", "From our family to yours.", False),
        ],
    },
    {
        "name": "Clean water wells in rural villages",
        "description": "Drill and maintain five hand-pump wells, each serving about 400 people "
        "with safe drinking water for years to come.",
        "target_amount": Decimal("2500.00"),
        "days": (-45, 75),
        "status": "active",
        "organizer": "staff@ose.example",
        "cover": ((15, 118, 110), (14, 116, 144)),
        "donations": [
            ("bilal@ose.example", "200.00", "Sadaqah jariyah for my parents.", False),
            ("khadija@ose.example", "150.00", "", False),
            ("amina@ose.example", "60.00", "", True),
        ],
    },
    {
        "name": "Ramadan food baskets",
        "description": "Monthly food baskets (rice, flour, oil, dates, lentils) for families "
        "who cannot afford to break their fast.",
        "target_amount": Decimal("800.00"),
        "days": (-5, 25),
        "status": "active",
        "organizer": "staff@ose.example",
        "donations": [("khadija@ose.example", "90.00", "Ramadan Mubarak!", False)],
    },
    {
        "name": "School books for orphans",
        "description": "Books, bags and uniforms for 120 orphaned children for the school year.",
        "target_amount": Decimal("100.00"),
        "days": (-90, -10),
        "status": "completed",
        "organizer": "staff@ose.example",
        "donations": [("amina@ose.example", "100.00", "Knowledge is light.", False)],
    },
    {
        "name": "Mosque roof repair (postponed)",
        "description": "Repairs to the community mosque's roof; postponed to next year.",
        "target_amount": Decimal("12000.00"),
        "days": (-30, 60),
        "status": "cancelled",
        "organizer": "staff@ose.example",
        "donations": [],
    },
    {
        "name": "Neighbourhood iftar tent",
        "description": "A tent serving free iftar every evening of Ramadan to anyone who comes.",
        "target_amount": Decimal("5000.00"),
        "days": (10, 50),
        "status": "draft",
        "organizer": "amina@ose.example",
        "donations": [],
    },
]


def _cover(start: tuple[int, int, int], end: tuple[int, int, int]):
    """A plain left-to-right gradient as an uploaded PNG: demo covers need no files."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    width, height = 1200, 600
    image = Image.new("RGB", (width, height))
    for x in range(width):
        colour = tuple(a + (b - a) * x // (width - 1) for a, b in zip(start, end, strict=True))
        image.paste(colour, (x, 0, x + 1, height))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("cover.png", out.getvalue(), content_type="image/png")


def seed(*, stdout) -> None:
    people = {u.email: u for u in User.objects.filter(email__endswith="@ose.example")}
    staff = people.get(STAFF_EMAIL)
    if staff is None:
        return
    today = timezone.localdate()
    made = 0
    for spec in CAMPAIGNS:
        if Campaign.objects.filter(name=spec["name"]).exists():
            continue
        organizer = people.get(spec["organizer"], staff)
        start_offset, end_offset = spec["days"]
        ended = end_offset < 0
        campaign = services.campaign_create(
            organizer=organizer,
            name=spec["name"],
            description=spec["description"],
            target_amount=spec["target_amount"],
            start_date=today + timedelta(days=start_offset),
            # A campaign that ended is run while open, then given its real end date.
            end_date=today + timedelta(days=1 if ended else end_offset),
        )
        made += 1
        if spec.get("cover"):
            campaign = services.campaign_cover_set(
                campaign=campaign, by=organizer, image=_cover(*spec["cover"])
            )
        if spec["status"] == "draft":
            continue
        campaign = services.campaign_activate(campaign=campaign, by=staff)
        for email, amount, message, anonymous in spec["donations"]:
            donor = people.get(email)
            if donor is None:
                continue
            services.donation_create(
                donor=donor,
                campaign=campaign,
                amount=Decimal(amount),
                message=message,
                is_anonymous=anonymous,
            )
        if spec.get("update"):
            title, body = spec["update"]
            services.campaign_update_create(campaign=campaign, by=organizer, title=title, body=body)
        if spec["status"] == "completed":
            campaign = services.campaign_complete(campaign=campaign, by=staff)
            services.campaign_update(
                campaign=campaign, by=staff, end_date=today + timedelta(days=end_offset)
            )
        elif spec["status"] == "cancelled":
            services.campaign_cancel(campaign=campaign, by=staff)
    if made:
        stdout.write(f"  Campaigns: {made} demo campaign(s) created.")
