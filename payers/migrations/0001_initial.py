from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="Payer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(max_length=40, unique=True)),
                ("name", models.CharField(max_length=120)),
                ("em_credentials", models.JSONField(default=list, help_text="Credentials allowed to report E/M codes (EM-1).")),
                ("pharm_mgmt_90863_credentials", models.JSONField(default=list, help_text="Credentials allowed to report 90863 (CB-4).")),
                ("prolonged_code", models.CharField(blank=True, help_text="99417 or G2212; empty: no prolonged code (EM-6).", max_length=8)),
                ("video_modifier", models.CharField(blank=True, help_text="95, GT or empty (TH-2).", max_length=4)),
                ("audio_only_covered", models.BooleanField(default=True, help_text="TH-3")),
                ("audio_modifier", models.CharField(default="93", max_length=4)),
                ("modifier_25_with_addon", models.BooleanField(default=False, help_text="Modifier 25 on an E/M billed with a psychotherapy add-on.")),
                ("accepted_z_codes", models.JSONField(blank=True, default=list, help_text="Z-code prefixes accepted on psychotherapy lines (DG-3).")),
                ("telehealth_in_person_waiver_until", models.DateField(blank=True, help_text="TH-4: in-person requirement waived until this date.", null=True)),
                ("payer_id", models.CharField(blank=True, max_length=20, verbose_name="payer id (837P)")),
                ("claim_filing_indicator", models.CharField(choices=[("MB", "Medicare Part B"), ("MC", "Medicaid"), ("CI", "Commercial insurance"), ("BL", "Blue Cross/Blue Shield"), ("HM", "Health maintenance organization"), ("CH", "TRICARE"), ("09", "Self-pay")], default="CI", max_length=2)),
                ("timely_filing_days", models.PositiveIntegerField(default=365)),
                ("active", models.BooleanField(default=True)),
            ],
            options={"ordering": ["name"]},
        ),
    ]
