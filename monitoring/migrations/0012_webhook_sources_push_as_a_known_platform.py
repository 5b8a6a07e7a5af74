"""Webhook sources saved before their `platform` setting was checked: one naming no known
platform pushes as `webhook` (items naming a platform of their own are checked as they come)."""

from django.db import migrations

# The platforms a pushed item may carry when this migration was written (Platform less demo).
PUSHED_PLATFORMS = {"x", "reddit", "news", "mastodon", "bluesky", "webhook", "import"}


def reset_unknown(apps, schema_editor) -> None:
    Source = apps.get_model("monitoring", "Source")
    for source in Source.objects.filter(platform="webhook"):
        if source.settings.get("platform", "webhook") not in PUSHED_PLATFORMS:
            source.settings = {**source.settings, "platform": "webhook"}
            source.save(update_fields=["settings"])


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0011_mention_raw_json")]

    operations = [migrations.RunPython(reset_unknown, migrations.RunPython.noop)]
