"""Chinese names of audit actions for the log page.

Each app adds the actions it records with a small edit here. An action without a
name is shown by its code.
"""

ACTION_LABELS: dict[str, str] = {
    "auth.login": "登录",
    "auth.logout": "退出登录",
    "auth.lockout": "账号锁定",
    "auth.password_change": "修改密码",
    "audit.view": "查看审计日志",
    "office.create": "设立资助部门",
    "office.edit": "修改资助部门",
    "school.create": "登记学校",
    "school.edit": "修改学校信息",
    "campus.submit": "提交校区审核",
    "campus.edit": "修改校区",
    "campus.approve": "校区审核通过",
    "campus.reject": "驳回校区",
    "user.create": "创建用户",
    "roster.view": "查看学生名册",
    "roster.import": "导入学生名册",
    "roster.export": "导出学生名册",
    "roster.upload": "上传名册文件",
    "roster.preview": "预览名册导入",
    "roster.discard": "放弃名册导入",
    "policy.set": "修改监管规则",
    "policy.clear": "恢复上级监管规则",
    "enrolment.view": "查看新增采集记录",
    "enrolment.card_read": "读取身份证",
    "enrolment.consent": "确认同意采集",
    "enrolment.capture": "现场采集人脸",
    "enrolment.provisional": "登记暂时录入",
    "enrolment.evidence": "拍摄手持身份证照片",
    "enrolment.appeal_file": "提交佐证申诉",
    "enrolment.appeal_view": "查看佐证申诉",
    "enrolment.appeal_approve": "佐证申诉通过",
    "enrolment.appeal_reject": "驳回佐证申诉",
    "enrolment.reset": "重置采集",
    "enrolment.photo_view": "查看采集照片",
    "enrolment.duplicate_review": "审核疑似一人多籍的采集",
    "duplicate_case.open": "发现疑似一人多籍",
    "duplicate_case.list": "查看疑似一人多籍列表",
    "duplicate_case.school_list": "查看本校疑似一人多籍",
    "duplicate_case.view": "查看疑似一人多籍案件",
    "duplicate_case.photo_view": "查看疑似一人多籍照片",
    "duplicate_case.confirm": "确认一人多籍",
    "duplicate_case.clear": "排除一人多籍",
    "face_index.rebuild": "重建人脸索引",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
