"""The demo organisation that `aidface seed_demo` loads.

School names and school codes are invented (marked 演示) and belong to no real school;
campus addresses and centre points are real places in Henan. NOTE: the points were written
from memory of public maps and are approximate (a few hundred metres). Each is given in the
coordinate system named with it, so the BD-09 one includes Baidu's offset.
"""
from dataclasses import dataclass, field
from decimal import Decimal

# One password for every demo account, so that a person trying the system can log in as any
# role. It passes the project's password validators. It is public, so a real installation must not keep the demo accounts.
DEMO_PASSWORD = "Zizhu-Demo-2026"


@dataclass(frozen=True)
class DemoOffice:
    region_code: str
    name: str


@dataclass(frozen=True)
class DemoCampus:
    name: str
    address: str
    latitude: Decimal
    longitude: Decimal
    coord_system: str
    # "approved", "submitted", "rejected", or "changed": approved, then moved and waiting for review.
    state: str
    new_address: str = ""
    new_latitude: Decimal | None = None
    new_longitude: Decimal | None = None
    review_comment: str = ""


@dataclass(frozen=True)
class DemoSchool:
    code: str
    name: str
    region_code: str
    office_region_code: str
    principal_name: str
    campuses: list[DemoCampus] = field(default_factory=list)


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    office_region_code: str = ""
    school_code: str = ""
    campus_name: str = ""


OFFICES = [
    DemoOffice("410000", "河南省学生资助管理中心"),
    DemoOffice("410100", "郑州市学生资助管理中心"),
    DemoOffice("410300", "洛阳市学生资助管理中心"),
    DemoOffice("410105", "郑州市金水区学生资助管理中心"),
    DemoOffice("410122", "中牟县学生资助管理中心"),
    DemoOffice("410307", "洛阳市偃师区学生资助管理中心"),
]

SCHOOLS = [
    DemoSchool(
        code="4141019001",
        name="河南省演示交通职业学校",
        region_code="410105",
        office_region_code="410000",
        principal_name="王建国",
        campuses=[
            DemoCampus(
                name="金水校区",
                address="河南省郑州市金水区金水路与花园路交叉口东北",
                latitude=Decimal("34.767900"),
                longitude=Decimal("113.680600"),
                coord_system="wgs84",
                state="approved",
            ),
            DemoCampus(
                name="郑东校区",
                address="河南省郑州市郑东新区商务外环路与商务内环路之间（会展中心以北）",
                latitude=Decimal("34.772200"),
                longitude=Decimal("113.734300"),
                coord_system="gcj02",
                state="submitted",
            ),
        ],
    ),
    DemoSchool(
        code="4141019002",
        name="郑州市演示财经学校",
        region_code="410103",
        office_region_code="410100",
        principal_name="李秀英",
        campuses=[
            DemoCampus(
                name="二七校区",
                address="河南省郑州市二七区二七广场以南解放路",
                latitude=Decimal("34.759500"),
                longitude=Decimal("113.677700"),
                coord_system="bd09",
                state="approved",
            ),
        ],
    ),
    DemoSchool(
        code="4141019003",
        name="中牟县演示职业教育中心",
        region_code="410122",
        office_region_code="410122",
        principal_name="张明",
        campuses=[
            DemoCampus(
                name="城关校区",
                address="河南省郑州市中牟县城关镇青年路",
                latitude=Decimal("34.719000"),
                longitude=Decimal("113.976000"),
                coord_system="wgs84",
                state="changed",
                new_address="河南省郑州市中牟县官渡大道与建设路交叉口",
                new_latitude=Decimal("34.724100"),
                new_longitude=Decimal("113.986200"),
            ),
            DemoCampus(
                name="官渡实训基地",
                address="河南省郑州市中牟县官渡镇",
                latitude=Decimal("34.730000"),
                longitude=Decimal("114.121000"),
                coord_system="wgs84",
                state="rejected",
                review_comment="地址只写到镇，请补充到街道门牌，并在地图上重新选取实训基地大门位置。",
            ),
        ],
    ),
    DemoSchool(
        code="4141039004",
        name="洛阳市演示机电学校",
        region_code="410305",
        office_region_code="410300",
        principal_name="赵丽",
        campuses=[
            DemoCampus(
                name="涧西校区",
                address="河南省洛阳市涧西区建设路与中州西路之间",
                latitude=Decimal("34.666700"),
                longitude=Decimal("112.398600"),
                coord_system="wgs84",
                state="approved",
            ),
            DemoCampus(
                name="龙门校区",
                address="河南省洛阳市洛龙区龙门大道与开元大道交叉口",
                latitude=Decimal("34.620800"),
                longitude=Decimal("112.455400"),
                coord_system="gcj02",
                state="submitted",
            ),
        ],
    ),
    DemoSchool(
        code="4141039005",
        name="偃师区演示职业中等专业学校",
        region_code="410307",
        office_region_code="410307",
        principal_name="刘洋",
        campuses=[
            DemoCampus(
                name="槐庙校区",
                address="河南省洛阳市偃师区商都路与槐新街交叉口",
                latitude=Decimal("34.727300"),
                longitude=Decimal("112.789100"),
                coord_system="gcj02",
                state="approved",
            ),
        ],
    ),
]

USERS = [
    DemoUser("province_staff", "省资助中心·陈静", "office_staff", office_region_code="410000"),
    DemoUser("zhengzhou_staff", "郑州市资助中心·孙磊", "office_staff", office_region_code="410100"),
    DemoUser("luoyang_staff", "洛阳市资助中心·周敏", "office_staff", office_region_code="410300"),
    DemoUser("zhongmou_staff", "中牟县资助中心·吴强", "office_staff", office_region_code="410122"),
    DemoUser("jinshui_staff", "金水区资助中心·郑红", "office_staff", office_region_code="410105"),
    DemoUser("yanshi_staff", "偃师区资助中心·冯刚", "office_staff", office_region_code="410307"),
    DemoUser("zhongmou_operator", "中牟职教中心·马丽", "school_operator", school_code="4141019003"),
    DemoUser("zhongmou_principal", "中牟职教中心·张明", "principal", school_code="4141019003"),
    DemoUser("zhongmou_terminal", "中牟职教中心·城关校区终端机", "terminal", school_code="4141019003", campus_name="城关校区"),
    # A student logs in with the ID number: this account belongs to the first demo student below.
    DemoUser("410122200903120131", "中牟职教中心·王浩然", "student", school_code="4141019003"),
    DemoUser("province_school_operator", "省交通职校·何平", "school_operator", school_code="4141019001"),
]


@dataclass(frozen=True)
class DemoStudent:
    name: str
    id_number: str
    gender: str
    class_name: str
    aid_status: str = "aided"


# Roster of the 中牟 demo school. The ID numbers are invented (valid check characters,
# 中牟县 region code) and belong to nobody. The first one has the demo student login.
DEMO_ROSTER_SCHOOL = "4141019003"
DEMO_STUDENTS = [
    DemoStudent("王浩然", "410122200903120131", "male", "机电1班"),
    DemoStudent("李雨桐", "410122200811050244", "female", "机电1班"),
    DemoStudent("张子豪", "410122200907210353", "male", "机电1班"),
    DemoStudent("刘欣怡", "410122200809160460", "female", "会计1班"),
    DemoStudent("陈俊杰", "410122200902030572", "male", "会计1班", aid_status="proposed"),
    DemoStudent("赵梓涵", "410122200812280682", "female", "会计1班", aid_status="not_aided"),
]
