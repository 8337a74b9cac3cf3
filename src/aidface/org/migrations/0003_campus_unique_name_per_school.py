from django.db import migrations, models


def rename_duplicate_campuses(apps, schema_editor):
    """Give every later campus of a (school, name) pair a distinct name so the constraint can be added.

    The first campus keeps its name; each later one becomes "<name>（校区 <id>）", so the
    school can see which one to rename or correct. NOTE: this rename writes no audit entry.
    """
    Campus = apps.get_model("org", "Campus")
    seen = set()
    for campus in Campus.objects.order_by("school_id", "name", "id"):
        key = (campus.school_id, campus.name)
        if key not in seen:
            seen.add(key)
            continue
        suffix = f"（校区 {campus.pk}）"
        campus.name = campus.name[: 128 - len(suffix)] + suffix
        campus.save(update_fields=["name"])


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0002_load_henan_regions"),
    ]

    operations = [
        migrations.RunPython(rename_duplicate_campuses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="campus",
            constraint=models.UniqueConstraint(fields=("school", "name"), name="org_campus_unique_name_per_school"),
        ),
    ]
