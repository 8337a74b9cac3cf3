"""Student logins for the phone check-in page, set up by the school operator.

A student logs in with the ID number (final X in upper case) and the initial password
the school sets, and must change that password at the first login
(`ForcePasswordChangeMiddleware`). Setting the password again resets a forgotten one
and requires a new change.
"""
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from aidface.audit.services import record
from aidface.checks.errors import CheckError
from aidface.org.models import Role, User
from aidface.roster.idnumber import normalise
from aidface.roster.models import Student

logger = logging.getLogger(__name__)

# A class of students rarely exceeds this; larger requests are split by the page.
MAX_STUDENTS_PER_REQUEST = 500


@dataclass(frozen=True)
class AccountsResult:
    created: int
    updated: int


def check_may_manage_accounts(user: User) -> None:
    if not (user.is_active and user.role == Role.SCHOOL_OPERATOR and user.school_id):
        raise PermissionDenied("只有学校管理员可以设置学生登录密码。")


def student_username(student: Student) -> str:
    """Return the login name of a student: the ID number with an upper-case final X."""
    return normalise(student.id_number)


def set_initial_password(*, user: User, students: Iterable[Student], password: str) -> AccountsResult:
    """Create or update the student logins of `students` with `password`, to be changed at first login.

    Every student must be on the operator's own school roster. Raises PermissionDenied
    otherwise and CheckError with a Chinese message for an unacceptable password or a
    login name already used by another account. All students change together or none.
    """
    check_may_manage_accounts(user)
    students = list(students)
    if not students:
        raise CheckError("no_students", "请先选择学生")
    if len(students) > MAX_STUDENTS_PER_REQUEST:
        raise CheckError("too_many_students", f"一次最多为 {MAX_STUDENTS_PER_REQUEST} 名学生设置密码，请按班级分批设置")
    if any(student.school_id != user.school_id for student in students):
        raise PermissionDenied("只能为本校名册中的学生设置登录密码。")
    try:
        validate_password(password)
    except ValidationError as error:
        raise CheckError("password_invalid", "初始密码不符合要求：" + "；".join(error.messages)) from None

    # NOTE: one hash (one salt) serves every student of a batch, because the password
    # hasher is deliberately slow and a class has dozens of students. Identical hashes
    # disclose nothing the operator did not already hand out, and each student replaces
    # the password at the first login.
    hashed = make_password(password)
    created = updated = 0
    with transaction.atomic():
        for student in Student.objects.select_for_update().filter(pk__in=[student.pk for student in students]).order_by("pk"):
            account, is_new = _store_account(student, hashed=hashed)
            created += is_new
            updated += not is_new
            record(
                user=user,
                action="student_account.set_password",
                target=account,
                target_repr=student.name,
                school=student.school,
                detail={"student_id": student.pk, "created": is_new},
            )

    logger.info("student logins set by user=%s: created=%s updated=%s", user.pk, created, updated)
    return AccountsResult(created=created, updated=updated)


def _store_account(student: Student, *, hashed: str) -> tuple[User, bool]:
    username = student_username(student)
    taken = User.objects.filter(username=username)
    if student.account_id:
        taken = taken.exclude(pk=student.account_id)
    if taken.exists():
        raise CheckError(
            "username_taken", f"学生{student.name}的身份证号已被另一个账号用作用户名，请联系资助部门核查"
        )

    account = student.account if student.account_id else None
    if account is not None and account.role != Role.STUDENT:
        raise CheckError("account_not_student", f"学生{student.name}关联的账号不是学生账号，请联系资助部门核查")
    is_new = account is None
    if is_new:
        account = User(role=Role.STUDENT)
    account.username = username
    account.school_id = student.school_id
    account.display_name = student.name
    account.password = hashed
    account.must_change_password = True
    account.is_active = True
    account.save()
    if is_new:
        student.account = account
        student.save(update_fields=["account"])
    return account, is_new
