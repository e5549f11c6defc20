"""Donations get their own gap-free receipt numbers (DN-000001...): existing
donations are numbered in the order they were made, and the counter starts after
the last of them."""

from django.db import migrations, models

COUNTER = "donation_receipt"


def number_existing(apps, schema_editor):
    Donation = apps.get_model("campaigns", "Donation")
    Counter = apps.get_model("campaigns", "DonationReceiptCounter")
    number = 0
    for pk in Donation.objects.order_by("created_at", "id").values_list("pk", flat=True):
        number += 1
        Donation.objects.filter(pk=pk).update(receipt_number=number)
    Counter.objects.update_or_create(name=COUNTER, defaults={"value": number})


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_zakat_designation"),
    ]

    operations = [
        migrations.CreateModel(
            name="DonationReceiptCounter",
            fields=[
                ("name", models.CharField(max_length=30, primary_key=True, serialize=False)),
                ("value", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="donation",
            name="receipt_number",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="donation",
            name="receipt_number",
            field=models.PositiveIntegerField(unique=True),
        ),
    ]
