"""The tier-contact table gets a model so its contact link can be RESTRICT (a contact that a
tier names cannot be deleted). Same table and columns: only Django's state changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("escalation", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="EscalationTierContact",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "escalationtier",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to="escalation.escalationtier",
                            ),
                        ),
                        (
                            "contact",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.RESTRICT,
                                related_name="+",
                                to="contacts.contact",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "escalation_escalationtier_contacts",
                        "unique_together": {("escalationtier", "contact")},
                    },
                ),
                migrations.AlterField(
                    model_name="escalationtier",
                    name="contacts",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="escalation_tiers",
                        through="escalation.EscalationTierContact",
                        to="contacts.contact",
                    ),
                ),
            ],
        ),
    ]
