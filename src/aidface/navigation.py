"""The navigation bar: the pages shown to each role.

Each app appends its `NavItem`s to `NAV_ITEMS` with a small edit here. Items whose
URL name does not resolve are skipped, so an entry may land before its page does.
"""
import logging
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from aidface.org.models import Role

logger = logging.getLogger(__name__)

ALL_ROLES = frozenset(Role.values)
OFFICE = frozenset({Role.OFFICE_STAFF})
SCHOOL_STAFF = frozenset({Role.SCHOOL_OPERATOR, Role.PRINCIPAL})


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]


NAV_ITEMS: list[NavItem] = [
    NavItem("首页", "home", ALL_ROLES),
    NavItem("资助部门", "org:office_list", OFFICE),
    NavItem("学校", "org:school_list", OFFICE | SCHOOL_STAFF),
    NavItem("校区", "org:campus_list", OFFICE | SCHOOL_STAFF),
    NavItem("用户", "org:user_list", OFFICE | SCHOOL_STAFF),
    NavItem("学生名册", "roster:students", OFFICE | SCHOOL_STAFF),
    NavItem("新增采集", "enrolment:status", OFFICE | SCHOOL_STAFF),
    NavItem("佐证申诉", "enrolment:appeals", OFFICE | SCHOOL_STAFF),
    NavItem("抽查", "checks:list", OFFICE | SCHOOL_STAFF),
    NavItem("例行抽查安排", "checks:dashboard", OFFICE),
    NavItem("采集终端", "enrolment:terminal", frozenset({Role.TERMINAL, Role.SCHOOL_OPERATOR})),
    NavItem("学生账号", "checks:student_accounts", frozenset({Role.SCHOOL_OPERATOR})),
    NavItem("手机签到", "checks:phone", frozenset({Role.STUDENT})),
    NavItem("监管规则", "policy:overview", OFFICE | SCHOOL_STAFF),
    NavItem("疑似一人多籍", "duplicates:case_list", OFFICE),
    NavItem("本校疑似一人多籍", "duplicates:school_cases", SCHOOL_STAFF),
    NavItem("抽查结果申诉", "appeals:list", OFFICE | SCHOOL_STAFF),
    NavItem("受助资格", "eligibility:overview", OFFICE | SCHOOL_STAFF),
    NavItem("数据导出与核对", "reports:index", OFFICE | SCHOOL_STAFF),
    NavItem("强制通过复核", "checks:forced_pass_list", OFFICE | SCHOOL_STAFF),
    NavItem("签到作弊风险", "checks:fraud_signal_list", OFFICE),
    NavItem("月度抽查结果", "checks:month_results", OFFICE | SCHOOL_STAFF),
    NavItem("标示通过", "checks:marks", OFFICE | SCHOOL_STAFF),
    NavItem("现场确认终端", "checks:terminal", frozenset({Role.TERMINAL})),
    NavItem("岗位实习", "internships:list", OFFICE | SCHOOL_STAFF),
    NavItem("实习确认终端", "internships:terminal", frozenset({Role.TERMINAL})),
    NavItem("审计日志", "audit:log", OFFICE | {Role.PRINCIPAL}),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    active: bool


def links_for(user, current_path: str = "") -> list[NavLink]:
    """Return the navigation links the user's role may see; superusers see every item."""
    if not getattr(user, "is_authenticated", False):
        return []

    links = []
    for item in NAV_ITEMS:
        if not (user.is_superuser or user.role in item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            logger.debug("navigation item %s skipped: URL name not found", item.url_name)
            continue
        links.append(NavLink(item.label, url, False))

    # Only the longest matching URL is active, so /checks/marks/ marks 标示通过 and not
    # also 抽查 at /checks/.
    matches = [link for link in links if link.url != "/" and current_path.startswith(link.url)]
    if current_path == "/":
        matches = [link for link in links if link.url == "/"]
    if matches:
        best = max(matches, key=lambda link: len(link.url))
        links = [NavLink(link.label, link.url, link is best) for link in links]
    return links


def navigation(request: HttpRequest) -> dict:
    """Template context processor adding `nav_links` for the logged-in user."""
    user = getattr(request, "user", None)
    return {"nav_links": links_for(user, request.path)}
