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
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
