"""Load Henan's regions (GB/T 2260) so that every database has them.

The loader reads the current data file and updates rows in place, so a later change of the
list ships as a new migration that runs the same loader. It never deletes a region missing
from the file, because offices and schools may still refer to it.
"""
from django.db import migrations


def load_regions(apps, schema_editor):
    from aidface.org.regions import read_region_rows

    Region = apps.get_model("org", "Region")
    for row in read_region_rows():
        Region.objects.update_or_create(
            code=row.code,
            defaults={"name": row.name, "level": row.level, "parent_id": row.parent_code},
        )


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]

    operations = [migrations.RunPython(load_regions, migrations.RunPython.noop)]
