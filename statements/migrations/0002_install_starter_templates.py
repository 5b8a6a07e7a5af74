"""Install the starter templates in every workspace that has no template yet. They used to
be installed when someone first opened a statements page (a write on GET); new workspaces
now get them when they are created, and this gives them to the ones made before."""

from django.db import migrations

from statements.starter_templates import STARTERS


def install_starters(apps, schema_editor) -> None:
    Workspace = apps.get_model("workspaces", "Workspace")
    StatementTemplate = apps.get_model("statements", "StatementTemplate")
    empty = Workspace.objects.exclude(
        pk__in=StatementTemplate.objects.values("workspace_id")
    ).values_list("pk", flat=True)
    # STARTERS is today's list: pass only the fields this migration's model has, so a field
    # added to the starters later cannot break it (the newer migration fills that field).
    fields = {field.name for field in StatementTemplate._meta.get_fields()}
    StatementTemplate.objects.bulk_create(
        [
            StatementTemplate(
                workspace_id=workspace_id,
                is_starter=True,
                **{key: value for key, value in starter.items() if key in fields},
            )
            for workspace_id in empty
            for starter in STARTERS
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0001_initial"),
        ("workspaces", "0002_user_preference"),
    ]

    operations = [migrations.RunPython(install_starters, migrations.RunPython.noop)]
