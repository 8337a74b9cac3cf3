"""Check-in on the phone and at the terminal with real photos, a real gallery and real geofence maths.

The student is enrolled from three photos of one man. The check-in frames are other
camera frames of that man turning his head, and they pass the turns-only liveness policy.
"""
import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import checks_support
import enrolment_faces

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = checks_support.MARCH_CHECK + timedelta(minutes=30)
# The campus centre of the org_tree fixture, in WGS-84.
CAMPUS = (34.748, 113.022)
METRES_PER_DEGREE_LATITUDE = 6_371_008.8 * 3.141592653589793 / 180


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + metres / METRES_PER_DEGREE_LATITUDE, point[1]


def wgs84_fix(point: tuple[float, float], *, accuracy: float = 20.0, coord_system: str | None = "wgs84"):
    from aidface.geo import LocationFix

    return LocationFix(latitude=point[0], longitude=point[1], accuracy_m=accuracy, coord_system=coord_system)


def converted_fix(point: tuple[float, float], coord_system: str, *, accuracy: float = 20.0):
    from aidface import geo

    convert = {"wgs84": lambda lat, lon: (lat, lon), "gcj02": geo.wgs84_to_gcj02, "bd09": geo.wgs84_to_bd09}
    latitude, longitude = convert[coord_system](*point)
    return geo.LocationFix(latitude=latitude, longitude=longitude, accuracy_m=accuracy, coord_system=coord_system)


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


@pytest.fixture
def turns_only(org_tree):
    from aidface.policy.models import PolicyOverride

    return PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])


@pytest.fixture
def campus(org_tree):
    return checks_support.approve_campus(org_tree.campus)


@pytest.fixture
def student(org_tree, person):
    from aidface.org.models import Role, User

    student = checks_support.make_student(org_tree.county_school)
    student.account = User.objects.create(
        username=student.id_number, role=Role.STUDENT, school=org_tree.county_school, display_name=student.name
    )
    student.save(update_fields=["account"])
    checks_support.enrol_from_photos(student, [person.chip_source, person.frontal, person.right])
    return student


@pytest.fixture
def check(org_tree, student, campus, turns_only):
    return checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )


@pytest.fixture
def participant(check, student):
    return check.participants.get(student=student)


def phone_check_in(participant, person, fix, *, now=NOW, device_id="device-1", nonce=None):
    from aidface.checks import checkin

    user = participant.student.account
    if nonce is None:
        nonce = checkin.issue_check_in_challenge(user=user, participant=participant, channel="phone", now=now).nonce
    return checkin.check_in_by_phone(
        user=user,
        participant=participant,
        nonce=nonce,
        frames=enrolment_faces.turn_frames(person),
        fix=fix,
        device_id=device_id,
        now=now + timedelta(seconds=8),
    )


def test_phone_check_in_passes(participant, person):
    from aidface.audit.models import AuditEntry
    from aidface.checks.models import CheckIn, ParticipantStatus
    from aidface.crypto import decrypt

    result = phone_check_in(participant, person, wgs84_fix(north_of(CAMPUS, 300)), device_id="3f1c-phone")

    assert result.passed, result.messages
    assert result.next_step == "done"
    assert result.counted
    assert result.attempts_left == 2
    assert result.distance_m == pytest.approx(300, abs=2)
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.PASSED
    assert participant.phone_attempts == 1
    assert participant.decided_at is not None

    check_in = CheckIn.objects.get(pk=result.check_in_id)
    assert check_in.outcome == "passed"
    assert check_in.face_distance <= check_in.threshold
    assert check_in.coord_system == "wgs84"
    assert check_in.campus_id == participant.school.campuses.get().pk
    assert check_in.device_hash == hashlib.sha256(b"3f1c-phone").hexdigest()
    photo = check_in.photo
    assert photo.kind == "live"
    assert len(photo.sha256) == 64
    assert len(photo.perceptual_hash) == 16
    assert decrypt(bytes(photo.content), associated_data=photo.associated_data)[:2] == b"\xff\xd8"

    entry = AuditEntry.objects.filter(action="check_in.phone").get()
    assert entry.outcome == "success"
    assert entry.target_id == str(check_in.pk)
    assert entry.detail["outcome"] == "passed"
    assert entry.detail["participant_status"] == "passed"
    assert entry.school_id == participant.school_id
    assert participant.student.id_number not in str(entry.detail)


def test_another_persons_face_fails(org_tree, faces_dir, person, campus, turns_only):
    from aidface.checks.models import CheckIn, ParticipantStatus
    from aidface.org.models import Role, User

    stranger_folder = faces_dir / "asian" / "gallery" / "lfw_Hu_Jintao"
    student = checks_support.make_student(org_tree.county_school, name="胡同学", sequence="246")
    student.account = User.objects.create(username=student.id_number, role=Role.STUDENT, school=org_tree.county_school)
    student.save(update_fields=["account"])
    checks_support.enrol_from_photos(student, [stranger_folder / "1.jpg", stranger_folder / "6.jpg", stranger_folder / "12.jpg"])
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )

    result = phone_check_in(check.participants.get(), person, wgs84_fix(CAMPUS))

    assert not result.passed
    assert result.outcome == "face_mismatch"
    assert result.counted
    assert result.attempts_left == 2
    assert result.next_step == "retry"
    assert any("人脸比对未通过" in message for message in result.messages)
    assert "手机签到还可尝试 2 次" in result.messages
    check_in = CheckIn.objects.get(pk=result.check_in_id)
    assert check_in.face_distance > check_in.threshold
    assert check.participants.get().status == ParticipantStatus.FAILED


def test_outside_1600_m_fails_with_distance(participant, person):
    from aidface.audit.models import AuditEntry
    from aidface.checks.models import CheckIn

    result = phone_check_in(participant, person, wgs84_fix(north_of(CAMPUS, 1600)))

    assert result.outcome == "outside_geofence"
    assert not result.passed
    assert result.counted
    assert result.distance_m == pytest.approx(1600, abs=10)
    assert "不在校园定位范围内（距最近校区 1.6 公里），请在校内重试。" in result.messages
    check_in = CheckIn.objects.get(pk=result.check_in_id)
    assert check_in.geofence_distance_m == pytest.approx(1600, abs=10)
    assert check_in.face_distance <= check_in.threshold
    entry = AuditEntry.objects.get(action="check_in.phone")
    assert entry.outcome == "failure"
    assert entry.detail["reasons"] == ["outside_radius"]


def test_inside_1400_m_passes(participant, person):
    result = phone_check_in(participant, person, wgs84_fix(north_of(CAMPUS, 1400), accuracy=30))

    assert result.passed, result.messages
    assert result.distance_m == pytest.approx(1400, abs=10)


def test_fraud_signal_failure_keeps_result(participant, person, monkeypatch, caplog):
    from aidface.checks import fraud
    from aidface.checks.models import CheckIn

    def broken(check_in):
        raise RuntimeError("signal store unavailable")

    monkeypatch.setattr(fraud, "record_signals", broken)
    result = phone_check_in(participant, person, wgs84_fix(north_of(CAMPUS, 100), accuracy=30))

    assert result.passed, result.messages
    assert CheckIn.objects.filter(participant=participant, outcome="passed").count() == 1
    assert "fraud signals after check_in" in caplog.text


@pytest.mark.parametrize("coord_system", ["wgs84", "gcj02", "bd09"])
def test_fix_systems_decide_alike_against_gcj02_campus(org_tree, participant, coord_system):
    """A campus approved in GCJ-02 and fixes sent in any system measure the same ground distance."""
    from aidface import geo
    from aidface.checks.checkin import decide_location
    from aidface.policy.selectors import effective_policy_for_school

    centre = geo.wgs84_to_gcj02(*CAMPUS)
    checks_support.approve_campus(
        org_tree.campus, latitude=f"{centre[0]:.6f}", longitude=f"{centre[1]:.6f}", coord_system="gcj02"
    )
    policy = effective_policy_for_school(org_tree.county_school)

    inside = decide_location(participant, fix=converted_fix(north_of(CAMPUS, 1400), coord_system), policy=policy)
    outside = decide_location(participant, fix=converted_fix(north_of(CAMPUS, 1600), coord_system), policy=policy)

    assert inside.outcome is geo.GeofenceOutcome.INSIDE
    assert inside.distance_m == pytest.approx(1400, abs=10)
    assert outside.outcome is geo.GeofenceOutcome.OUTSIDE
    assert "1.6 公里" in outside.message


def test_bd09_fix_passes_against_gcj02_campus(org_tree, participant, person):
    from aidface import geo

    centre = geo.wgs84_to_gcj02(*CAMPUS)
    checks_support.approve_campus(
        org_tree.campus, latitude=f"{centre[0]:.6f}", longitude=f"{centre[1]:.6f}", coord_system="gcj02"
    )

    result = phone_check_in(participant, person, converted_fix(north_of(CAMPUS, 1400), "bd09"))

    assert result.passed, result.messages
    assert result.distance_m == pytest.approx(1400, abs=10)


def test_unconverted_gcj02_fix_read_as_wgs84_is_off():
    """The shift the tags correct is hundreds of metres here, so a lost tag would matter."""
    from aidface import geo

    shifted = geo.wgs84_to_gcj02(*CAMPUS)
    assert geo.distance_m(*CAMPUS, *shifted) > 300


@pytest.mark.parametrize(
    "fix_values, code_message",
    [
        ({"latitude": None, "longitude": None, "coord_system": "wgs84"}, "未收到定位坐标"),
        ({"latitude": CAMPUS[0], "longitude": None, "coord_system": "wgs84"}, "未收到定位坐标"),
        ({"latitude": CAMPUS[0], "longitude": CAMPUS[1], "coord_system": None}, "缺少坐标系标识"),
        ({"latitude": CAMPUS[0], "longitude": CAMPUS[1], "coord_system": ""}, "缺少坐标系标识"),
        ({"latitude": CAMPUS[0], "longitude": CAMPUS[1], "coord_system": "ip"}, "坐标系无法识别"),
    ],
)
def test_fix_without_coordinates_or_tag_refused(participant, person, fix_values, code_message):
    from aidface.checks import checkin
    from aidface.checks.models import CheckIn, CheckInChallenge
    from aidface.geo import LocationFix

    user = participant.student.account
    challenge = checkin.issue_check_in_challenge(user=user, participant=participant, channel="phone", now=NOW)
    with pytest.raises(checkin.CheckInError) as raised:
        checkin.check_in_by_phone(
            user=user,
            participant=participant,
            nonce=challenge.nonce,
            frames=[],
            fix=LocationFix(accuracy_m=20.0, **fix_values),
            device_id="d",
            now=NOW + timedelta(seconds=8),
        )

    assert raised.value.code == "location_invalid"
    assert code_message in raised.value.message
    assert not CheckIn.objects.exists()
    participant.refresh_from_db()
    assert participant.phone_attempts == 0
    assert CheckInChallenge.objects.get(nonce=challenge.nonce).used_at is None


def test_poor_accuracy_retry_not_counted(participant, person):
    from aidface.checks.models import CheckIn, ParticipantStatus

    result = phone_check_in(participant, person, wgs84_fix(CAMPUS, accuracy=500))

    assert result.outcome == "location_retry"
    assert not result.counted
    assert result.next_step == "retry"
    assert result.attempts_left == 3
    assert any("定位精度不足" in message for message in result.messages)
    assert "本次不计入手机签到次数，请重试" in result.messages
    participant.refresh_from_db()
    assert participant.phone_attempts == 0
    assert participant.status == ParticipantStatus.PENDING
    assert CheckIn.objects.get(pk=result.check_in_id).number == 1


def test_check_in_after_close_refused(participant, person):
    from aidface.checks import checkin

    closed = participant.check_record.ends_at + timedelta(minutes=1)
    with pytest.raises(checkin.CheckInError) as raised:
        checkin.issue_check_in_challenge(user=participant.student.account, participant=participant, channel="phone", now=closed)
    assert raised.value.code == "check_closed"
    assert raised.value.message == "本次抽查已于 2026年03月17日 14:00 结束，不能再签到"


def test_check_in_submitted_after_close_refused(participant, person):
    """A challenge issued while open does not carry a check-in past the close."""
    from aidface.checks import checkin
    from aidface.checks.models import CheckIn

    user = participant.student.account
    ends_at = participant.check_record.ends_at
    challenge = checkin.issue_check_in_challenge(
        user=user, participant=participant, channel="phone", now=ends_at - timedelta(seconds=20)
    )
    with pytest.raises(checkin.CheckInError) as raised:
        checkin.check_in_by_phone(
            user=user, participant=participant, nonce=challenge.nonce, frames=enrolment_faces.turn_frames(person),
            fix=wgs84_fix(CAMPUS), device_id="d", now=ends_at + timedelta(seconds=1),
        )  # fmt: skip
    assert raised.value.code == "check_closed"
    assert not CheckIn.objects.exists()


def test_cancelled_check_refused(participant):
    from aidface.checks import checkin

    check = participant.check_record
    check.cancelled_at = NOW - timedelta(minutes=5)
    check.cancelled_by = check.launched_by
    check.save()
    with pytest.raises(checkin.CheckInError) as raised:
        checkin.issue_check_in_challenge(user=participant.student.account, participant=participant, channel="phone", now=NOW)
    assert raised.value.code == "check_cancelled"


def test_phone_attempt_after_limit_refused(participant, person):
    from aidface.checks import checkin
    from aidface.checks.models import ParticipantStatus

    participant.phone_attempts = 2
    participant.status = ParticipantStatus.FAILED
    participant.save()

    last = phone_check_in(participant, person, wgs84_fix(north_of(CAMPUS, 2000)))
    assert last.outcome == "outside_geofence"
    assert last.attempts_left == 0
    assert last.next_step == "go_to_terminal"
    assert "手机签到次数已用完，请到学校终端机进行现场确认" in last.messages

    with pytest.raises(checkin.CheckInError) as raised:
        checkin.issue_check_in_challenge(user=participant.student.account, participant=participant, channel="phone", now=NOW)
    assert raised.value.code == "phone_attempts_used"
    assert raised.value.next_step == "go_to_terminal"
    assert "请到学校终端机进行现场确认" in raised.value.message


def test_nonce_reuse_refused(participant, person):
    from aidface.checks import checkin
    from aidface.checks.models import CheckIn

    user = participant.student.account
    nonce = checkin.issue_check_in_challenge(user=user, participant=participant, channel="phone", now=NOW).nonce
    first = phone_check_in(participant, person, wgs84_fix(CAMPUS, accuracy=500), nonce=nonce)
    assert first.outcome == "location_retry"

    with pytest.raises(checkin.CheckInError) as raised:
        phone_check_in(participant, person, wgs84_fix(CAMPUS), nonce=nonce)
    assert raised.value.code == "nonce_reused"
    assert CheckIn.objects.count() == 1


def test_unknown_nonce_refused(participant, person):
    from aidface.checks import checkin

    with pytest.raises(checkin.CheckInError) as raised:
        phone_check_in(participant, person, wgs84_fix(CAMPUS), nonce="not-issued")
    assert raised.value.code == "challenge_unknown"


def test_expired_challenge_refused_without_attempt(participant, person):
    from aidface.checks import checkin
    from aidface.checks.models import CheckIn

    user = participant.student.account
    challenge = checkin.issue_check_in_challenge(user=user, participant=participant, channel="phone", now=NOW)
    with pytest.raises(checkin.CheckInError) as raised:
        checkin.check_in_by_phone(
            user=user, participant=participant, nonce=challenge.nonce, frames=enrolment_faces.turn_frames(person),
            fix=wgs84_fix(CAMPUS), device_id="d", now=NOW + timedelta(minutes=5),
        )  # fmt: skip
    assert raised.value.code == "challenge_expired"
    assert raised.value.message == "动作验证已超时，请重新开始签到"
    assert not CheckIn.objects.exists()


def test_locked_month_refused(org_tree, student, campus, turns_only):
    """A check opened late on the last day of March cannot take check-ins once March locked."""
    from aidface.checks import checkin

    check = checks_support.make_check(
        office=org_tree.gongyi,
        schools=[org_tree.county_school],
        students=[student],
        launched_by=org_tree.users["county"],
        starts_at=datetime(2026, 3, 31, 22, 0, tzinfo=SHANGHAI),
    )
    participant = check.participants.get()
    after_midnight = datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI)
    with pytest.raises(checkin.CheckInError) as raised:
        checkin.issue_check_in_challenge(user=student.account, participant=participant, channel="phone", now=after_midnight)
    assert raised.value.code == "month_locked"
    assert "2026年3月" in raised.value.message


def test_other_student_may_not_check_in(org_tree, participant):
    from django.core.exceptions import PermissionDenied

    from aidface.checks import checkin

    for user in (org_tree.users["student"], org_tree.users["operator"], org_tree.users["terminal"]):
        with pytest.raises(PermissionDenied):
            checkin.issue_check_in_challenge(user=user, participant=participant, channel="phone", now=NOW)


def test_passed_participant_refused_again(participant, person):
    from aidface.checks import checkin

    assert phone_check_in(participant, person, wgs84_fix(CAMPUS)).passed
    with pytest.raises(checkin.CheckInError) as raised:
        checkin.issue_check_in_challenge(user=participant.student.account, participant=participant, channel="phone", now=NOW)
    assert raised.value.code == "already_decided"


def test_school_without_approved_campus_refused(org_tree, student, turns_only, person):
    from aidface.checks import checkin

    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )
    with pytest.raises(checkin.CheckInError) as raised:
        phone_check_in(check.participants.get(), person, wgs84_fix(CAMPUS))
    assert raised.value.code == "location_invalid"
    assert "没有经审核通过的校区" in raised.value.message


def test_terminal_check_in_passes(org_tree, participant, person):
    from aidface.audit.models import AuditEntry
    from aidface.checks import checkin
    from aidface.checks.models import CheckIn, ParticipantStatus

    terminal = org_tree.users["terminal"]
    challenge = checkin.issue_check_in_challenge(user=terminal, participant=participant, channel="terminal", now=NOW)
    result = checkin.check_in_at_terminal(
        terminal=terminal, participant=participant, nonce=challenge.nonce,
        frames=enrolment_faces.turn_frames(person), now=NOW + timedelta(seconds=8),
    )  # fmt: skip

    assert result.passed, result.messages
    assert result.attempts_left is None
    check_in = CheckIn.objects.get(pk=result.check_in_id)
    assert check_in.channel == "terminal"
    assert check_in.campus_id == org_tree.campus.pk
    assert check_in.terminal_id == terminal.pk
    assert check_in.latitude is None
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.PASSED
    assert participant.terminal_attempts == 1
    assert AuditEntry.objects.get(action="check_in.terminal").user_id == terminal.pk


def test_terminal_failure_offers_forced_pass(org_tree, participant, person, faces_dir):
    from aidface.checks import checkin
    from aidface.face.liveness import Frame

    terminal = org_tree.users["terminal"]
    challenge = checkin.issue_check_in_challenge(user=terminal, participant=participant, channel="terminal", now=NOW)
    # Frames of the man facing the camera only: the turns are missing, so liveness fails.
    frames = [
        Frame(data=enrolment_faces.camera_frame(person.frontal, seed=index), captured_ms=index * 200.0)
        for index in range(10)
    ]
    result = checkin.check_in_at_terminal(
        terminal=terminal, participant=participant, nonce=challenge.nonce, frames=frames, now=NOW + timedelta(seconds=8)
    )
    assert result.outcome == "liveness_failed"
    assert result.next_step == "forced_pass"


def test_terminal_on_unapproved_campus_refused(org_tree, student, turns_only):
    from aidface.checks import checkin

    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )
    with pytest.raises(checkin.CheckInError) as raised:
        checkin.issue_check_in_challenge(
            user=org_tree.users["terminal"], participant=check.participants.get(), channel="terminal", now=NOW
        )
    assert raised.value.code == "campus_not_approved"
