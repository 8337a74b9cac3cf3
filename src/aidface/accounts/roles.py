"""Duties of each role, as its home page lists them."""
from aidface.org.models import Level, Role

DUTIES: dict[str, list[str]] = {
    "province_office": [
        "审核全省各学校校区的办学地址和中心点（第二十二条），审核通过后方可用于抽查定位；",
        "对省属直属学校发起例行抽查，对全省任意学校发起定向抽查；",
        "审核直属学校提交的申诉和岗位实习备案；",
        "查看全省的学校、抽查结果和审计日志。",
    ],
    "city_office": [
        "对本市直属学校发起例行抽查，对辖区内任意学校发起定向抽查；",
        "审核直属学校提交的申诉和岗位实习备案；",
        "查看本市辖区内的学校、抽查结果和审计日志。",
    ],
    "county_office": [
        "对本县直属学校发起例行抽查，对辖区内任意学校发起定向抽查；",
        "审核直属学校提交的申诉和岗位实习备案；",
        "查看本县辖区内的学校、抽查结果和审计日志。",
    ],
    Role.SCHOOL_OPERATOR: [
        "导入受助学生名单，组织新增采集和现场抽查；",
        "提交校区地址和中心点，等待省级资助部门审核；",
        "标示请假、培训、岗位实习等原因，提交申诉和岗位实习备案。",
    ],
    Role.PRINCIPAL: [
        "作为学校第一责任人（第四条），查看本校全部数据；",
        "签署本校提交的申诉；",
        "查看本校的审计日志。",
    ],
    Role.TERMINAL: [
        "在绑定的校区为学生进行新增采集（读取身份证并现场比对）；",
        "为手机签到未通过的学生进行现场确认，必要时拍照强制通过；",
        "为即将岗位实习的学生进行离校前人脸确认。",
    ],
    Role.STUDENT: [
        "在抽查开放期间，用手机完成动作活体检测、人脸比对和定位签到；",
        "签到须在学校已审核校区中心点 1500 米范围内完成。",
    ],
}


def duty_key(user) -> str:
    """Return the key into DUTIES: office staff by their office's level, everyone else by role."""
    if user.role == Role.OFFICE_STAFF and user.office_id:
        return {Level.PROVINCE: "province_office", Level.CITY: "city_office", Level.COUNTY: "county_office"}[user.office.level]
    return user.role


def duties_for(user) -> list[str]:
    return DUTIES.get(duty_key(user), [])
