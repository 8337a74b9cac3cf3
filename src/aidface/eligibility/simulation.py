"""A whole spring semester of a demo province, run through the services the pages use.

`simulate_semester` builds a city office with two direct schools and enrols students
from real photos at the school terminals. Each month it runs two routine checks and one
targeted check with phone and terminal check-ins, marks and appeals, and locks the month
as the nightly job does. One forced pass, one internship and one duplicate identity per
group of twelve students are planted. Finally it recomputes eligibility after the
semester appeal window.

Every student plays one role of `ROLES` (student i plays ROLES[i % 12]); `expected_reasons`
states what each role must end with, which the summary and the tests compare against.
Each step passes its simulated moment as `now`, so the calendar rules apply as they would
on that day.
"""
from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from aidface.eligibility.models import Reason
from aidface.eligibility.simulation_faces import Person, camera_frame, chip_photo, is_impostor_for, pick_people, turn_frames
from aidface.policy.calendar import SHANGHAI, Term

logger = logging.getLogger(__name__)

ROLES = (
    "phone_regular",      # normal in March and April by phone
    "terminal_regular",   # normal in March and May at the terminal
    "few_passing",        # normal in March only (routine and targeted)
    "forced_pass",        # normal in March, forced pass in April after a phone and a terminal failure
    "semester_appeal",    # leave marks only; the semester appeal is approved
    "marks_only",         # leave and training marks only; the semester appeal is rejected
    "monthly_appeal",     # failed in March, appeal approved; leave mark in April
    "late_enrolment",     # enrolled in May, after the 04-20 deadline
    "not_enrolled",       # never enrolled
    "internship",         # filed and confirmed internship over the whole routine window
    "targeted_override",  # normal in March and April, absent from April's targeted check
    "duplicate",          # enrols with the face of the phone_regular student of its group
)
# Roles whose student checks in with a genuine face, and roles that only enrol.
CHECKING_IN = frozenset({"phone_regular", "terminal_regular", "few_passing", "forced_pass", "internship", "targeted_override"})
ENROL_ONLY = frozenset({"semester_appeal", "marks_only", "monthly_appeal", "late_enrolment"})
FEW = Reason.FEW_PASSING_MONTHS
NO_NORMAL = Reason.NO_NORMAL_ATTENDANCE
EXPECTED_REASONS: dict[str, tuple[str, ...]] = {
    "phone_regular": (Reason.DUPLICATE_IDENTITY,),
    "terminal_regular": (),
    "few_passing": (FEW,),
    "forced_pass": (),
    "semester_appeal": (),
    "marks_only": (NO_NORMAL,),
    "monthly_appeal": (),
    "late_enrolment": (FEW, NO_NORMAL, Reason.ENROLLED_LATE),
    "not_enrolled": (FEW, NO_NORMAL, Reason.NOT_ENROLLED),
    "internship": (),
    "targeted_override": (FEW,),
    "duplicate": (FEW, NO_NORMAL, Reason.DUPLICATE_IDENTITY),
}
PASSWORD = "Moni-Mima-2026"
PDF_DOCUMENT = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
CHECK_MINUTES = 120


def role_of(index: int) -> str:
    return ROLES[index % len(ROLES)]


def expected_reasons(index: int, students: int) -> tuple[str, ...]:
    """The reasons the student at `index` must end with; a phone_regular student without a duplicate partner keeps the aid."""
    role = role_of(index)
    if role == "phone_regular" and index + ROLES.index("duplicate") >= students:
        return ()
    return tuple(code for code in Reason.values if code in EXPECTED_REASONS[role])


def expected_summary(students: int) -> tuple[int, Counter]:
    """Return (eligible students, cancelled students per reason) that a run with `students` students must produce."""
    eligible = 0
    reasons: Counter = Counter()
    for index in range(students):
        codes = expected_reasons(index, students)
        if not codes:
            eligible += 1
        reasons.update(codes)
    return eligible, reasons


@dataclass
class SimStudent:
    index: int
    role: str
    student: object
    person: Person | None
    school_index: int

    @property
    def account(self):
        return self.student.account


@dataclass
class SimulationReport:
    semester: object
    students: int
    eligible: int
    cancelled: int
    by_reason: dict[str, int]
    # index → reason codes as stored.
    reasons_by_index: dict[int, tuple[str, ...]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Simulation:
    """One run; `run()` returns the report. Every write goes through the apps' services."""

    def __init__(self, *, faces_dir: Path, students: int, seed: int, year: int, stdout=None) -> None:
        if students < len(ROLES):
            raise ValueError(f"--students must be at least {len(ROLES)} so that every role is played")
        self.faces_dir = faces_dir
        self.count = students
        self.year = year
        self.rng = random.Random(seed)
        self.seed = seed
        self.stdout = stdout
        self.frame_seed = 0
        self.notes: list[str] = []

    # -- output ---------------------------------------------------------------

    def say(self, text: str) -> None:
        """Print a progress line to the command's output, or log it when there is none."""
        if self.stdout is not None:
            self.stdout.write(text)
        else:
            logger.info("simulation: %s", text)

    # -- the run --------------------------------------------------------------

    def run(self) -> SimulationReport:
        roles = [role_of(index) for index in range(self.count)]
        self.say(f"selecting real faces for {self.count} students from {self.faces_dir} (seed {self.seed})")
        full, enrol_only = pick_people(
            self.faces_dir,
            checking_in=sum(role in CHECKING_IN for role in roles),
            enrol_only=sum(role in ENROL_ONLY for role in roles),
            rng=self.rng,
        )
        self.build_province()
        self.build_students(roles, full, enrol_only)

        y = self.year
        self.internship_before_term()
        self.enrol_all(at(y, 3, 3))
        self.decide_duplicate_cases(at(y, 3, 5))

        self.month(3)
        self.month(4)
        self.month(5)
        self.semester_appeal(filed=at(y, 6, 12), decided=at(y, 6, 15))
        return self.finish(at(y, 7, 2))

    # -- organisation ---------------------------------------------------------

    def build_province(self) -> None:
        from aidface.org.models import AidOffice, Campus, CampusStatus, CoordSystem, Level, Region, Role, School, User
        from aidface.policy.services import set_override

        if School.objects.filter(code__startswith="41429900").exists():
            raise ValueError("this database already contains a simulated province (schools 41429900xx); run the simulation on an empty database")

        province, _ = AidOffice.objects.get_or_create(
            region=Region.objects.get(pk="410000"), defaults={"name": "河南省学生资助管理中心", "level": Level.PROVINCE}
        )
        city, _ = AidOffice.objects.get_or_create(
            region=Region.objects.get(pk="410200"),
            defaults={"name": "开封市学生资助管理中心", "level": Level.CITY, "parent": province},
        )
        self.province_staff = User.objects.create_user(
            username="sim_province", password=PASSWORD, role=Role.OFFICE_STAFF, office=province, display_name="省级模拟工作人员"
        )
        self.city_staff = User.objects.create_user(
            username="sim_city", password=PASSWORD, role=Role.OFFICE_STAFF, office=city, display_name="市级模拟工作人员"
        )
        self.province, self.city = province, city

        # Still photos cannot blink or open the mouth, so the demo province requires only the two turns.
        set_override(user=self.province_staff, office=province, key="liveness_actions", value=["turn_left", "turn_right"])

        self.schools = []
        self.campuses = []
        self.terminals = []
        self.operators = []
        self.principals = []
        points = (("34.797500", "114.307600"), ("34.780300", "114.350200"))
        for number, (latitude, longitude) in enumerate(points, start=1):
            school = School.objects.create(
                code=f"41429900{number:02d}", name=f"开封市模拟职业中专第{number}校", region_id="410200", supervising_office=city
            )
            campus = Campus.objects.create(
                school=school, name="主校区", address=f"河南省开封市模拟路{number}号", latitude=latitude, longitude=longitude,
                coord_system=CoordSystem.WGS84, status=CampusStatus.APPROVED, approved_address=f"河南省开封市模拟路{number}号",
                approved_latitude=latitude, approved_longitude=longitude, approved_coord_system=CoordSystem.WGS84,
            )
            self.schools.append(school)
            self.campuses.append(campus)
            self.operators.append(User.objects.create_user(
                username=f"sim_operator_{number}", password=PASSWORD, role=Role.SCHOOL_OPERATOR, school=school))
            self.principals.append(User.objects.create_user(
                username=f"sim_principal_{number}", password=PASSWORD, role=Role.PRINCIPAL, school=school))
            self.terminals.append(User.objects.create_user(
                username=f"sim_terminal_{number}", password=PASSWORD, role=Role.TERMINAL, school=school, campus=campus))
        self.say(f"demo office: {city.name}, {len(self.schools)} direct schools with approved campuses")

    def build_students(self, roles: list[str], full: list[Person], enrol_only: list[Person]) -> None:
        from aidface.checks.accounts import set_initial_password
        from aidface.roster.idnumber import check_character
        from aidface.roster.models import AidStatus, Gender, Student

        full_people = iter(full)
        other_people = iter(enrol_only)
        self.sim: list[SimStudent] = []
        for index, role in enumerate(roles):
            first_17 = f"410202{2007:04d}{1 + index % 12:02d}{1 + index % 28:02d}{index:03d}"
            id_number = first_17 + check_character(first_17)
            school_index = index % len(self.schools)
            student = Student.objects.create(
                school=self.schools[school_index],
                name=f"模拟学生{index + 1:03d}",
                id_number=id_number,
                gender=Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE,
                student_number=f"G{id_number}",
                grade="2025级",
                class_name=f"模拟{school_index + 1}班",
                major="机电技术应用",
                aid_status=AidStatus.AIDED,
            )
            if role in CHECKING_IN:
                person = next(full_people)
            elif role in ENROL_ONLY:
                person = next(other_people)
            elif role == "duplicate":
                person = self.sim[index - ROLES.index("duplicate")].person
            else:
                person = None
            self.sim.append(SimStudent(index=index, role=role, student=student, person=person, school_index=school_index))

        for school_index, operator in enumerate(self.operators):
            students = [item.student for item in self.sim if item.school_index == school_index]
            set_initial_password(user=operator, students=students, password=PASSWORD)
        for item in self.sim:
            item.student.refresh_from_db()
        self.say(f"roster: {len(self.sim)} aid students, phone logins set up")

    def of_role(self, role: str) -> list[SimStudent]:
        return [item for item in self.sim if item.role == role]

    def impostor_for(self, target: SimStudent) -> Person:
        """Another simulated person whose face is clearly not the target's."""
        group = target.index - target.index % len(ROLES)
        candidates = [item.person for item in self.sim if item.person is not None and item.person is not target.person]
        candidates.sort(key=lambda person: 0 if any(
            item.person is person and item.index >= group and item.role in ENROL_ONLY for item in self.sim) else 1)
        for person in candidates:
            if is_impostor_for(person, target.person):
                return person
        raise ValueError(f"no impostor found for student {target.index}")

    def next_seed(self) -> int:
        self.frame_seed += 1
        return self.frame_seed

    # -- enrolment ------------------------------------------------------------

    def enrol(self, item: SimStudent, now: datetime) -> str:
        from aidface.enrolment import services as enrolment
        from aidface.enrolment.simulator import SimulatedCard

        terminal = self.terminals[item.school_index]
        person = item.person
        card = SimulatedCard(
            name=item.student.name, id_number=item.student.id_number, photo=chip_photo(person.gallery_photo),
            issuing_authority="开封市公安局", valid_from="2023-01-01",
        )
        started = enrolment.start_from_card(terminal=terminal, card_data=card.as_json(), now=now)
        enrolment.record_consent(terminal=terminal, enrolment=started.enrolment, student_consents=True, now=now)
        challenge = enrolment.issue_challenge(terminal=terminal, enrolment=started.enrolment, rng=self.rng, now=now)
        frames = turn_frames(person, frontal=person.gallery_photo, seed=self.next_seed())
        result = enrolment.submit_capture(
            terminal=terminal, enrolment=started.enrolment, nonce=challenge.nonce, frames=frames, now=now + timedelta(seconds=5)
        )
        if result.outcome != "passed":
            raise RuntimeError(f"enrolment of student {item.index} ({person.name}) failed: {result.outcome} {result.messages}")
        return result.state

    def enrol_all(self, now: datetime) -> None:
        states = Counter()
        for item in self.sim:
            if item.role in {"not_enrolled", "late_enrolment", "internship", "duplicate"}:
                continue
            states[self.enrol(item, now)] += 1
        # The duplicate enrols a day later with the face of its group's phone_regular student.
        for item in self.of_role("duplicate"):
            states[self.enrol(item, now + timedelta(days=1))] += 1
        counts = ", ".join(f"{state}={count}" for state, count in sorted(states.items()))
        self.say(f"enrolment by {now:%m-%d}: {counts}")

    def decide_duplicate_cases(self, now: datetime) -> None:
        """Confirm the planted duplicate pairs as the city office would, and clear any other (false) match."""
        from aidface.duplicates.models import CaseStatus, DuplicateCase
        from aidface.duplicates.services import clear_case, confirm_case

        planted = set()
        for item in self.of_role("duplicate"):
            partner = self.sim[item.index - ROLES.index("duplicate")]
            planted.add(frozenset({item.student.pk, partner.student.pk}))
        confirmed = cleared = 0
        for case in DuplicateCase.objects.filter(status=CaseStatus.OPEN, student__school__in=self.schools).order_by("pk"):
            staff = self.city_staff if case.office_id == self.city.pk else self.province_staff
            if frozenset({case.student_id, case.matched_student_id}) in planted:
                confirm_case(user=staff, case=case, comment="模拟：同一人以两个身份采集，已核实")
                confirmed += 1
            else:
                clear_case(user=staff, case=case, comment="模拟：经核实为不同的人")
                cleared += 1
                self.notes.append(f"false duplicate match cleared: case {case.pk}")
        self.say(f"duplicate cases: {confirmed} confirmed, {cleared} cleared as different people")

    # -- internship -----------------------------------------------------------

    def internship_before_term(self) -> None:
        from aidface.internships import confirmation, services as internships

        y = self.year
        for item in self.of_role("internship"):
            self.enrol(item, at(y, 2, 15))
            operator = self.operators[item.school_index]
            record = internships.create_record(
                user=operator,
                school=self.schools[item.school_index],
                raw={
                    "name": item.student.name, "id_number": item.student.id_number, "grade": "2025级",
                    "class_name": item.student.class_name, "company": "开封市模拟机械有限公司",
                    "address": "河南省开封市金明大道1号", "supervisor_name": "李工", "supervisor_phone": "13900000000",
                    "start_date": f"{y}-03-01", "end_date": f"{y}-05-31",
                },
                now=at(y, 2, 16),
            )
            internships.file_record(user=operator, record=record, now=at(y, 2, 17))
            terminal = self.terminals[item.school_index]
            challenge = confirmation.issue_confirmation_challenge(terminal=terminal, record=record, rng=self.rng, now=at(y, 2, 20))
            frames = turn_frames(item.person, frontal=item.person.capture_photo, seed=self.next_seed())
            result = confirmation.confirm_departure(
                terminal=terminal, record=record, nonce=challenge.nonce, frames=frames, now=at(y, 2, 20) + timedelta(seconds=5)
            )
            if not result.passed:
                raise RuntimeError(f"pre-departure confirmation of student {item.index} failed: {result.messages}")
        self.say(f"internships filed and confirmed: {len(self.of_role('internship'))}")

    # -- checks ---------------------------------------------------------------

    def launch_routine(self, day: date):
        from aidface.checks.launching import launch_routine_check
        from aidface.checks.participants import ensure_participants

        check = launch_routine_check(
            user=self.city_staff, day=day, start_time=time(9, 0), random_time_today=False, duration_minutes=CHECK_MINUTES,
            now=datetime.combine(day, time(8, 0), tzinfo=SHANGHAI), rng=self.rng,
        )
        ensure_participants(check, now=check.starts_at + timedelta(minutes=1))
        return check

    def launch_targeted(self, day: date, items: list[SimStudent]):
        from aidface.checks.launching import launch_targeted_check
        from aidface.checks.participants import ensure_participants

        starts_at = datetime.combine(day, time(14, 0), tzinfo=SHANGHAI)
        check = launch_targeted_check(
            user=self.province_staff, school_ids=sorted({self.schools[item.school_index].pk for item in items}),
            starts_at=starts_at, duration_minutes=60, sample_method="named", sample_size=None,
            named_student_ids=[item.student.pk for item in items], seed=f"sim-{self.seed}-{day:%m%d}",
            now=starts_at - timedelta(hours=2),
        )
        ensure_participants(check, now=starts_at + timedelta(minutes=1))
        return check

    def participant(self, check, item: SimStudent):
        from aidface.checks.models import Participant

        return Participant.objects.get(check_record=check, student=item.student)

    def phone(self, check, item: SimStudent, *, person: Person | None = None, minutes: int = 10):
        from aidface import geo
        from aidface.checks.checkin import check_in_by_phone, issue_check_in_challenge

        person = person or item.person
        frontal = person.capture_photo or person.gallery_photo
        now = check.starts_at + timedelta(minutes=minutes)
        participant = self.participant(check, item)
        challenge = issue_check_in_challenge(user=item.account, participant=participant, channel="phone", rng=self.rng, now=now)
        campus = self.campuses[item.school_index]
        fix = geo.LocationFix(
            latitude=float(campus.approved_latitude) + 0.001, longitude=float(campus.approved_longitude) + 0.001,
            accuracy_m=25.0, coord_system="wgs84", captured_at=now,
        )
        return check_in_by_phone(
            user=item.account, participant=participant, nonce=challenge.nonce,
            frames=turn_frames(person, frontal=frontal, seed=self.next_seed()), fix=fix,
            device_id=f"sim-phone-{item.student.pk}", now=now + timedelta(seconds=5),
        )

    def terminal(self, check, item: SimStudent, *, person: Person | None = None, minutes: int = 30):
        from aidface.checks.checkin import check_in_at_terminal, issue_check_in_challenge

        person = person or item.person
        frontal = person.capture_photo or person.gallery_photo
        now = check.starts_at + timedelta(minutes=minutes)
        terminal = self.terminals[item.school_index]
        participant = self.participant(check, item)
        challenge = issue_check_in_challenge(user=terminal, participant=participant, channel="terminal", rng=self.rng, now=now)
        return check_in_at_terminal(
            terminal=terminal, participant=participant, nonce=challenge.nonce,
            frames=turn_frames(person, frontal=frontal, seed=self.next_seed()), now=now + timedelta(seconds=5),
        )

    def expect(self, result, passed: bool, what: str) -> None:
        if result.passed != passed:
            raise RuntimeError(f"{what}: expected {'pass' if passed else 'failure'}, got {result.outcome} {result.messages}")

    def month(self, month: int) -> None:
        from aidface.checks.fallback import force_pass
        from aidface.checks.marks import mark_student
        from aidface.checks.results import lock_due_months

        y = self.year
        first = self.launch_routine(date(y, month, 10))
        counts = Counter()

        if month == 3:
            for item in self.of_role("phone_regular") + self.of_role("few_passing") + self.of_role("forced_pass") + self.of_role("targeted_override"):
                self.expect(self.phone(first, item), True, f"March phone check-in of student {item.index}")
                counts["phone passed"] += 1
            for item in self.of_role("terminal_regular"):
                self.expect(self.terminal(first, item), True, f"March terminal check-in of student {item.index}")
                counts["terminal passed"] += 1
            for item in self.of_role("monthly_appeal"):
                self.expect(self.phone(first, item, person=self.impostor_for(item)), False, f"March impostor of student {item.index}")
                counts["phone failed"] += 1
            targeted = self.launch_targeted(date(y, 3, 17), self.of_role("few_passing"))
            for item in self.of_role("few_passing"):
                self.expect(self.terminal(targeted, item), True, f"March targeted check-in of student {item.index}")
                counts["targeted passed"] += 1
        elif month == 4:
            for item in self.of_role("phone_regular") + self.of_role("targeted_override"):
                self.expect(self.phone(first, item), True, f"April phone check-in of student {item.index}")
                counts["phone passed"] += 1
            for item in self.of_role("forced_pass"):
                impostor = self.impostor_for(item)
                self.expect(self.phone(first, item, person=impostor), False, f"April phone attempt of student {item.index}")
                result = self.terminal(first, item, person=impostor)
                self.expect(result, False, f"April terminal attempt of student {item.index}")
                if result.next_step != "forced_pass":
                    raise RuntimeError(f"terminal offered {result.next_step!r} instead of a forced pass for student {item.index}")
                force_pass(
                    terminal=self.terminals[item.school_index], participant=self.participant(first, item),
                    evidence_photo=camera_frame(impostor.gallery_photo, seed=self.next_seed()),
                    now=first.starts_at + timedelta(minutes=32),
                )
                counts["forced pass"] += 1
            self.launch_targeted(date(y, 4, 15), self.of_role("targeted_override"))
            counts["targeted absent"] += len(self.of_role("targeted_override"))
        else:
            self.launch_targeted(date(y, 5, 19), self.of_role("marks_only"))
            counts["targeted absent"] += len(self.of_role("marks_only"))

        second = self.launch_routine(date(y, month, 24))
        if month == 5:
            for item in self.of_role("terminal_regular"):
                self.expect(self.terminal(second, item), True, f"May terminal check-in of student {item.index}")
                counts["terminal passed"] += 1

        mark_day = at(y, month, 28)
        marks = {3: [("semester_appeal", "leave"), ("marks_only", "leave")],
                 4: [("semester_appeal", "training"), ("marks_only", "training"), ("monthly_appeal", "leave")]}
        for role, reason in marks.get(month, []):
            for item in self.of_role(role):
                mark_student(user=self.operators[item.school_index], student=item.student, year=y, month=month,
                             reason=reason, note="模拟：请假/实训，附证明材料", now=mark_day)
                counts[f"marked {reason}"] += 1

        if month == 4:
            self.monthly_appeal()
        if month == 5:
            for item in self.of_role("late_enrolment"):
                self.enrol(item, at(y, 5, 6))
                counts["late enrolment"] += 1

        lock_due_months(now=at(y, month + 1, 1, 0, 10))
        self.say(f"{y}-{month:02d}: 2 routine checks and 1 targeted check; {dict(counts)}; month locked")

    # -- appeals --------------------------------------------------------------

    def _appeal(self, *, target_key: str, items: list[SimStudent], filed: datetime, decided: datetime,
                approve: set[int]) -> None:
        from aidface.appeals import services as appeals

        by_school: dict[int, list[SimStudent]] = {}
        for item in items:
            by_school.setdefault(item.school_index, []).append(item)
        for school_index, school_items in sorted(by_school.items()):
            appeal = appeals.draft_appeal(
                user=self.principals[school_index], target_key=target_key,
                reasons={item.student.pk: "模拟：学生因病住院，附医院证明" for item in school_items},
                document=PDF_DOCUMENT, document_name="申诉正式行文.pdf", now=filed,
            )
            for item in appeal.items.all():
                approved = item.student_id in approve
                appeals.decide_items(
                    user=self.city_staff, appeal=appeal, item_ids=[item.pk], approve=approved,
                    comment="" if approved else "模拟：证明材料不足，驳回", now=decided,
                )

    def monthly_appeal(self) -> None:
        items = self.of_role("monthly_appeal")
        y = self.year
        self._appeal(target_key=f"month:{y}-03", items=items, filed=at(y, 4, 5), decided=at(y, 4, 8),
                     approve={item.student.pk for item in items})
        self.say(f"monthly appeal of March: {len(items)} students approved")

    def semester_appeal(self, *, filed: datetime, decided: datetime) -> None:
        approved = self.of_role("semester_appeal")
        rejected = self.of_role("marks_only")
        self._appeal(target_key=f"semester:{self.year}-{Term.SPRING.value}", items=approved + rejected, filed=filed,
                     decided=decided, approve={item.student.pk for item in approved})
        self.say(f"semester appeal: {len(approved)} approved, {len(rejected)} rejected")

    # -- result ---------------------------------------------------------------

    def finish(self, now: datetime) -> SimulationReport:
        from aidface.appeals.services import expire_due_appeals
        from aidface.eligibility.models import SemesterEligibility
        from aidface.eligibility.services import recompute_eligibility
        from aidface.roster.services import ensure_semester

        expire_due_appeals(now=now)
        semester = ensure_semester(year=self.year, term=Term.SPRING)
        summary = recompute_eligibility(semester=semester, school_ids=[school.pk for school in self.schools], now=now)
        stored = dict(
            SemesterEligibility.objects.filter(semester=semester, school__in=self.schools).values_list("student_id", "reasons")
        )
        return SimulationReport(
            semester=semester,
            students=summary.students,
            eligible=summary.eligible,
            cancelled=summary.cancelled,
            by_reason=dict(summary.by_reason),
            reasons_by_index={item.index: tuple(stored.get(item.student.pk, ())) for item in self.sim},
            notes=self.notes,
        )


def run_simulation(*, faces_dir: Path, students: int, seed: int, year: int, stdout=None) -> SimulationReport:
    """Run the whole semester; each service commits its own step, as the pages' requests do."""
    return Simulation(faces_dir=faces_dir, students=students, seed=seed, year=year, stdout=stdout).run()
