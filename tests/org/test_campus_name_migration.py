"""Migration 0003 renames existing same-name campuses of a school before adding the unique constraint."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("org", "0002_load_henan_regions")]
AFTER = [("org", "0003_campus_unique_name_per_school")]


@pytest.fixture
def old_schema(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_migration_renames_duplicates(old_schema):
    apps = old_schema
    office = apps.get_model("org", "AidOffice").objects.create(
        name="河南省学生资助管理中心", level="province", region_id="410000"
    )
    school = apps.get_model("org", "School").objects.create(
        code="4141000999", name="测试学校", region_id="410122", supervising_office=office
    )
    Campus = apps.get_model("org", "Campus")
    point = {"address": "地址", "latitude": "34.720000", "longitude": "113.980000", "coord_system": "wgs84"}
    first = Campus.objects.create(school=school, name="试验校区", **point)
    second = Campus.objects.create(school=school, name="试验校区", **point)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    Campus = executor.loader.project_state(AFTER).apps.get_model("org", "Campus")

    assert Campus.objects.get(pk=first.pk).name == "试验校区"
    assert Campus.objects.get(pk=second.pk).name == f"试验校区（校区 {second.pk}）"
