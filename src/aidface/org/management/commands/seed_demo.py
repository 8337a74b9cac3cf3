"""`aidface seed_demo`: load the demo organisation, one account per role and a small roster.

Running it again changes nothing: every object is looked up by its natural key (office by
region, school by code, campus by school and name, user by user name) and created only when
missing. Existing accounts keep their passwords.
"""
from django.core.management.base import BaseCommand
from django.db import transaction

from aidface.org import services
from aidface.org.demo_data import (
    DEMO_PASSWORD,
    DEMO_ROSTER_SCHOOL,
    DEMO_STUDENTS,
    OFFICES,
    SCHOOLS,
    USERS,
    DemoCampus,
)
from aidface.org.models import AidOffice, Campus, Region, School, User


class Command(BaseCommand):
    help = "载入演示数据：省、市、县资助部门，五所学校及其校区，每种角色一个演示账号（可重复运行）。"

    def handle(self, *args, **options):
        with transaction.atomic():
            created = self._seed()

        self.stdout.write(f"演示数据已就绪（本次新建 {created} 条记录）。")
        self.stdout.write("演示账号（密码均为 %s，已存在的账号保留原密码）：" % DEMO_PASSWORD)
        for demo_user in USERS:
            user = User.objects.select_related("office", "school").get(username=demo_user.username)
            unit = user.office or user.school
            self.stdout.write(f"  {user.username:<26} {user.role_label}  {unit}")

    def _seed(self) -> int:
        created = 0
        for demo_office in OFFICES:
            if not AidOffice.objects.filter(region=demo_office.region_code).exists():
                region = Region.objects.get(code=demo_office.region_code)
                services.create_office(actor=None, region=region, name=demo_office.name)
                created += 1

        for demo_user in [u for u in USERS if u.role == "office_staff"]:
            created += self._ensure_user(demo_user)
        province_reviewer = User.objects.get(username="province_staff")

        for demo_school in SCHOOLS:
            school = School.objects.filter(code=demo_school.code).first()
            if school is None:
                school = services.create_school(
                    actor=None,
                    code=demo_school.code,
                    name=demo_school.name,
                    region=Region.objects.get(code=demo_school.region_code),
                    supervising_office=AidOffice.objects.get(region=demo_school.office_region_code),
                    principal_name=demo_school.principal_name,
                )
                created += 1
            for demo_user in [u for u in USERS if u.school_code == demo_school.code and u.role != "terminal"]:
                created += self._ensure_user(demo_user)
            for demo_campus in demo_school.campuses:
                if not Campus.objects.filter(school=school, name=demo_campus.name).exists():
                    self._add_campus(school, demo_campus, province_reviewer)
                    created += 1

        for demo_user in [u for u in USERS if u.role == "terminal"]:
            created += self._ensure_user(demo_user)
        created += self._ensure_roster()
        return created

    def _ensure_roster(self) -> int:
        """Add the demo school's roster and link the demo student login to its record."""
        from aidface.roster.models import Student

        school = School.objects.get(code=DEMO_ROSTER_SCHOOL)
        created = 0
        for demo in DEMO_STUDENTS:
            account = User.objects.filter(username=demo.id_number, role="student").first()
            student, was_created = Student.objects.get_or_create(
                id_number=demo.id_number,
                defaults={
                    "school": school,
                    "name": demo.name,
                    "gender": demo.gender,
                    "grade": "2025级",
                    "class_name": demo.class_name,
                    "major": "机电技术应用" if demo.class_name.startswith("机电") else "会计事务",
                    "aid_status": demo.aid_status,
                },
            )
            created += int(was_created)
            if account is not None and student.account_id is None:
                student.account = account
                student.save(update_fields=["account"])
                # Like every student login, the demo one changes its password at first login.
                account.must_change_password = True
                account.save(update_fields=["must_change_password"])
        return created

    def _add_campus(self, school: School, demo: DemoCampus, reviewer: User) -> None:
        """Walk the campus through the real approval services up to its demo state."""
        operator = User.objects.filter(school=school, role="school_operator").first()
        campus = services.submit_campus(
            actor=operator,
            school=school,
            name=demo.name,
            address=demo.address,
            latitude=demo.latitude,
            longitude=demo.longitude,
            coord_system=demo.coord_system,
        )
        if demo.state in {"approved", "changed"}:
            campus = services.approve_campus(actor=reviewer, campus=campus)
        if demo.state == "rejected":
            services.reject_campus(actor=reviewer, campus=campus, comment=demo.review_comment)
        if demo.state == "changed":
            # The edit needs the school's operator; the demo's changed campus belongs to a
            # school that has one.
            services.edit_campus(
                actor=operator,
                campus=campus,
                name=demo.name,
                address=demo.new_address,
                latitude=demo.new_latitude,
                longitude=demo.new_longitude,
                coord_system=demo.coord_system,
            )

    def _ensure_user(self, demo) -> int:
        if User.objects.filter(username=demo.username).exists():
            return 0
        office = AidOffice.objects.get(region=demo.office_region_code) if demo.office_region_code else None
        school = School.objects.get(code=demo.school_code) if demo.school_code else None
        campus = Campus.objects.get(school=school, name=demo.campus_name) if demo.campus_name else None
        services.create_user(
            actor=None,
            username=demo.username,
            password=DEMO_PASSWORD,
            role=demo.role,
            display_name=demo.display_name,
            office=office,
            school=school,
            campus=campus,
        )
        return 1
