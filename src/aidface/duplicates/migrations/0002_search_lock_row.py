from django.db import migrations


def create_lock_row(apps, schema_editor):
    # Created here so that two first searches do not race to insert it.
    apps.get_model("duplicates", "SearchLock").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("duplicates", "0001_initial")]

    operations = [migrations.RunPython(create_lock_row, migrations.RunPython.noop)]
