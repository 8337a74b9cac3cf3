"""Coordinate systems and the campus geofence (Art. 21: check-in passes only within
1500 m of an approved campus centre).

Phones report WGS-84. Chinese web maps use GCJ-02 (Amap, Tencent), a published
obfuscation that shifts points by a few hundred metres inside mainland China, and
Baidu uses BD-09, a further shift on top of GCJ-02. Every point carries its system tag,
and the geofence converts both the fix and the campus to WGS-84 before measuring.

Coordinates are decimal degrees, distances metres. Functions take and return
(latitude, longitude) in that order, unlike many map APIs that put longitude first.
No Django import: the check-in service calls this with plain values.
"""
import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Iterable

# System tags, the same strings as aidface.org.models.CoordSystem.
WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
COORD_SYSTEMS = frozenset({WGS84, GCJ02, BD09})

# Mean radius R1 = (2a + b) / 3 of the WGS-84 ellipsoid. A sphere of this radius gives
# great-circle distances within about 0.5 % of the ellipsoidal geodesic, so about 8 m
# at the 1500 m geofence radius.
EARTH_MEAN_RADIUS_M = 6_371_008.8

# Parameters of the GCJ-02 formulas: the Krasovsky 1940 ellipsoid's semi-major axis
# and first eccentricity squared, as used by the published formulas.
_GCJ_A = 6_378_245.0
_GCJ_EE = 0.00669342162296594323
# BD-09 rotates and scales GCJ-02 about the origin with this angular factor.
_BD_X_PI = math.pi * 3000.0 / 180.0

# Inverse conversions iterate until the step is below this, in degrees (about 0.1 mm).
_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_STEPS = 30

# Mainland China as (south, north, west, east) boxes, minus neighbouring territory
# inside them. GCJ-02 applies only inside.
# NOTE: the boxes follow the border to within tens of kilometres. A fix near a land
# border may get or miss the shift, which matters nowhere near a Henan campus. Hong Kong
# and Macau fall inside, as in the common map apps.
_MAINLAND_BOXES = (
    (34.3, 49.2, 73.5, 97.5),  # Xinjiang, western Gansu
    (26.7, 36.5, 78.3, 97.5),  # Tibet, Qinghai
    (21.1, 42.6, 97.5, 122.6),  # Yunnan to the coast, Hebei, Beijing, Liaoning's west
    (18.1, 21.1, 108.6, 111.2),  # Hainan, Leizhou peninsula
    (42.6, 45.0, 112.0, 126.0),  # central Inner Mongolia, Jilin
    (39.5, 53.6, 122.6, 135.1),  # Liaoning's east, Jilin, Heilongjiang
    (45.0, 53.6, 115.5, 122.6),  # Hulunbuir
)
_FOREIGN_BOXES = (
    (21.8, 25.4, 119.95, 122.1),  # Taiwan
    (37.6, 42.0, 124.5, 130.8),  # North Korea
    (39.5, 49.2, 73.5, 80.2),  # Kazakhstan, Kyrgyzstan
    (34.3, 39.5, 73.5, 74.8),  # Tajikistan, Afghanistan, Pakistan
    (45.5, 49.2, 91.0, 97.5),  # western Mongolia
    (26.7, 28.4, 80.0, 92.0),  # Nepal, Bhutan, Sikkim
    (49.9, 53.6, 115.5, 119.5),  # Russia west of the Argun
    (50.3, 53.6, 127.0, 135.1),  # Russia north of the Amur
    (48.5, 50.3, 130.6, 135.1),  # Russia, Jewish Autonomous Oblast
    (42.3, 45.0, 131.2, 135.1),  # Russia, Primorsky Krai
)


def in_mainland_china(latitude: float, longitude: float) -> bool:
    """Tell whether GCJ-02 shifts this point (see the NOTE on the boxes above)."""

    def inside(boxes: tuple[tuple[float, float, float, float], ...]) -> bool:
        return any(s <= latitude <= n and w <= longitude <= e for s, n, w, e in boxes)

    return inside(_MAINLAND_BOXES) and not inside(_FOREIGN_BOXES)


def _gcj_shift_deg(latitude: float, longitude: float) -> tuple[float, float]:
    """Return the GCJ-02 offset (dlat, dlon) in degrees at a WGS-84 point in mainland China."""
    x = longitude - 105.0
    y = latitude - 35.0
    pi = math.pi

    # Both sums are in metres and share the first sine term.
    ripple_x = (20.0 * math.sin(6.0 * pi * x) + 20.0 * math.sin(2.0 * pi * x)) * 2.0 / 3.0
    north_m = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    north_m += ripple_x
    north_m += (20.0 * math.sin(pi * y) + 40.0 * math.sin(pi * y / 3.0)) * 2.0 / 3.0
    north_m += (160.0 * math.sin(pi * y / 12.0) + 320.0 * math.sin(pi * y / 30.0)) * 2.0 / 3.0

    east_m = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    east_m += ripple_x
    east_m += (20.0 * math.sin(pi * x) + 40.0 * math.sin(pi * x / 3.0)) * 2.0 / 3.0
    east_m += (150.0 * math.sin(pi * x / 12.0) + 300.0 * math.sin(pi * x / 30.0)) * 2.0 / 3.0

    # Metres to degrees with the meridian (M) and prime-vertical (N) radii of curvature.
    phi = math.radians(latitude)
    w2 = 1.0 - _GCJ_EE * math.sin(phi) ** 2
    meridian_radius = _GCJ_A * (1.0 - _GCJ_EE) / (w2 * math.sqrt(w2))
    vertical_radius = _GCJ_A / math.sqrt(w2)
    dlat = math.degrees(north_m / meridian_radius)
    dlon = math.degrees(east_m / (vertical_radius * math.cos(phi)))
    return dlat, dlon


def wgs84_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    """Convert a WGS-84 point to GCJ-02. Outside mainland China the point is unchanged."""
    if not in_mainland_china(latitude, longitude):
        return latitude, longitude
    dlat, dlon = _gcj_shift_deg(latitude, longitude)
    return latitude + dlat, longitude + dlon


def gcj02_to_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    """Convert a GCJ-02 point to WGS-84 by fixed-point iteration, to about 0.1 mm.

    The shift changes by well under 1 cm per metre of position, so each step cuts the
    error by a factor of over 100 and three or four steps reach the tolerance.
    """
    if not in_mainland_china(latitude, longitude):
        return latitude, longitude
    return _invert(wgs84_to_gcj02, latitude, longitude)


def gcj02_to_bd09(latitude: float, longitude: float) -> tuple[float, float]:
    """Convert a GCJ-02 point to BD-09 (Baidu), with the published rotation and offset."""
    radius = math.hypot(longitude, latitude) + 0.00002 * math.sin(latitude * _BD_X_PI)
    theta = math.atan2(latitude, longitude) + 0.000003 * math.cos(longitude * _BD_X_PI)
    return radius * math.sin(theta) + 0.006, radius * math.cos(theta) + 0.0065


def bd09_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    """Convert a BD-09 point to GCJ-02.

    The published closed-form inverse is off by up to about 0.2 m over China, so its
    result seeds the same iteration as gcj02_to_wgs84.
    """
    x = longitude - 0.0065
    y = latitude - 0.006
    radius = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    seed = (radius * math.sin(theta), radius * math.cos(theta))
    return _invert(gcj02_to_bd09, latitude, longitude, seed=seed)


def wgs84_to_bd09(latitude: float, longitude: float) -> tuple[float, float]:
    """Convert a WGS-84 point to BD-09 through GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(latitude, longitude))


def bd09_to_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    """Convert a BD-09 point to WGS-84 through GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(latitude, longitude))


def to_wgs84(latitude: float, longitude: float, coord_system: str) -> tuple[float, float]:
    """Convert a point tagged with its system to WGS-84. Raises ValueError on an unknown tag."""
    if coord_system == WGS84:
        return latitude, longitude
    if coord_system == GCJ02:
        return gcj02_to_wgs84(latitude, longitude)
    if coord_system == BD09:
        return bd09_to_wgs84(latitude, longitude)
    raise ValueError(f"unknown coordinate system {coord_system!r}; expected one of {sorted(COORD_SYSTEMS)}")


def _invert(
    forward, latitude: float, longitude: float, *, seed: tuple[float, float] | None = None
) -> tuple[float, float]:
    """Find p with forward(p) == (latitude, longitude) by stepping p against the residual."""
    lat, lon = seed if seed is not None else (latitude, longitude)
    for _ in range(_INVERSE_MAX_STEPS):
        mapped_lat, mapped_lon = forward(lat, lon)
        step_lat = mapped_lat - latitude
        step_lon = mapped_lon - longitude
        lat -= step_lat
        lon -= step_lon
        if abs(step_lat) < _INVERSE_TOLERANCE_DEG and abs(step_lon) < _INVERSE_TOLERANCE_DEG:
            break
    return lat, lon


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in metres between two WGS-84 points.

    Haversine on a sphere of the WGS-84 mean radius (EARTH_MEAN_RADIUS_M), which stays
    within about 0.5 % of the ellipsoidal distance and is well conditioned at short range.
    """
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2.0
    half_dlambda = math.radians(lon2 - lon1) / 2.0
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2.0 * EARTH_MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# The geofence decision -------------------------------------------------------------


class GeofenceOutcome(StrEnum):
    INSIDE = "inside"
    OUTSIDE = "outside"
    RETRY = "retry"  # the fix is too imprecise to decide, so the student tries again
    INVALID = "invalid"  # the fix or the campus list cannot be used at all


@dataclass(frozen=True)
class LocationFix:
    """A position as the phone reported it. Any field may be missing from a bad request."""

    latitude: float | None
    longitude: float | None
    accuracy_m: float | None  # uncertainty radius in metres, the browser's coords.accuracy
    coord_system: str | None
    # Not judged here: the check-in stores it, and a time far from the server's is a fraud signal.
    captured_at: datetime | None = None


@dataclass(frozen=True)
class CampusPoint:
    """An approved campus centre in the system it was approved in."""

    campus_id: int
    latitude: float
    longitude: float
    coord_system: str
    name: str = ""


@dataclass(frozen=True)
class GeofencePolicy:
    """Geofence limits, with the province's defaults (Art. 21)."""

    radius_m: float = 1500.0
    max_accuracy_m: float = 200.0
    # True: the whole accuracy circle must lie within the radius. False: the distance alone decides.
    include_accuracy: bool = True


@dataclass(frozen=True)
class GeofenceDecision:
    """The result of one geofence check, with a plain Chinese message for the student.

    `reason` is a short English code for logs and the attempt record. `distance_m` and
    `nearest_campus_id` are set whenever the fix could be measured (also on retry).
    `wgs84` is the fix converted to WGS-84, for storage and the identical-fix signal.
    """

    outcome: GeofenceOutcome
    reason: str
    message: str
    distance_m: float | None = None
    nearest_campus_id: int | None = None
    wgs84: tuple[float, float] | None = None

    @property
    def inside(self) -> bool:
        return self.outcome is GeofenceOutcome.INSIDE


def decide_geofence(
    fix: LocationFix,
    campuses: Iterable[CampusPoint],
    *,
    policy: GeofencePolicy = GeofencePolicy(),
) -> GeofenceDecision:
    """Decide whether a location fix lies within the radius of the nearest approved campus.

    Inside means distance + accuracy <= radius, or distance <= radius when the policy
    leaves the accuracy out. A fix less precise than policy.max_accuracy_m gets the
    retry outcome instead of a pass or a failure. A fix with missing or out-of-range
    values or an unknown system tag is invalid, because the function never guesses a
    position. Raises ValueError when a campus carries an unknown system tag.
    """
    problem = _fix_problem(fix)
    if problem is not None:
        return GeofenceDecision(GeofenceOutcome.INVALID, problem[0], problem[1])
    campus_list = list(campuses)
    if not campus_list:
        return GeofenceDecision(GeofenceOutcome.INVALID, "no_campus", "学校还没有经审核通过的校区位置，无法定位签到，请联系学校管理员。")

    position = to_wgs84(fix.latitude, fix.longitude, fix.coord_system)
    nearest_id, distance = _nearest_campus(position, campus_list)
    measured = {"distance_m": distance, "nearest_campus_id": nearest_id, "wgs84": position}
    accuracy = fix.accuracy_m
    if accuracy > policy.max_accuracy_m:
        message = (
            f"定位精度不足（约 {_format_distance(accuracy)}，需在 {_format_distance(policy.max_accuracy_m)}以内），"
            "请到室外开阔处、打开手机定位服务后重试。"
        )
        return GeofenceDecision(GeofenceOutcome.RETRY, "accuracy_too_low", message, **measured)

    margin = accuracy if policy.include_accuracy else 0.0
    if distance + margin <= policy.radius_m:
        return GeofenceDecision(GeofenceOutcome.INSIDE, "inside", "定位在校园范围内。", **measured)
    if distance <= policy.radius_m:
        # The centre of the fix is within the radius but its accuracy circle is not.
        message = (
            f"无法确认在校园定位范围内（距最近校区 {_format_distance(distance)}，"
            f"定位误差约 {_format_distance(accuracy)}），请向校园中心靠近或到室外开阔处重试。"
        )
        return GeofenceDecision(GeofenceOutcome.OUTSIDE, "accuracy_crosses_radius", message, **measured)
    message = f"不在校园定位范围内（距最近校区 {_format_distance(distance)}），请在校内重试。"
    return GeofenceDecision(GeofenceOutcome.OUTSIDE, "outside_radius", message, **measured)


def _fix_problem(fix: LocationFix) -> tuple[str, str] | None:
    """Return (reason, message) when the fix cannot be measured, else None."""
    if fix.latitude is None or fix.longitude is None:
        return "missing_coordinates", "未收到定位坐标，请允许本页面使用位置信息后重试。"
    if not fix.coord_system:
        return "missing_coord_system", "定位数据缺少坐标系标识，请刷新页面后重试。"
    if fix.coord_system not in COORD_SYSTEMS:
        return "unknown_coord_system", "定位数据的坐标系无法识别，请刷新页面后重试。"
    if fix.accuracy_m is None:
        return "missing_accuracy", "定位数据缺少精度信息，请刷新页面后重试。"
    values = (fix.latitude, fix.longitude, fix.accuracy_m)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        return "out_of_range", "定位数据无效，请刷新页面后重新定位。"
    if not (-90.0 <= fix.latitude <= 90.0 and -180.0 <= fix.longitude <= 180.0) or fix.accuracy_m < 0:
        return "out_of_range", "定位数据超出有效范围，请刷新页面后重新定位。"
    return None


def _nearest_campus(position: tuple[float, float], campuses: list[CampusPoint]) -> tuple[int, float]:
    best_id, best_distance = None, math.inf
    for campus in campuses:
        centre = to_wgs84(campus.latitude, campus.longitude, campus.coord_system)
        distance = distance_m(*position, *centre)
        if distance < best_distance:
            best_id, best_distance = campus.campus_id, distance
    return best_id, best_distance


def _format_distance(metres: float) -> str:
    """Format a distance for a message: whole metres below 1 km, else kilometres.

    Below 10 km it keeps two decimals, so 1549 m reads 1.55 公里 and not a misleading
    1.5 公里 next to a 1.5 km radius. Trailing zeros go, so 2300 m reads 2.3 公里.
    """
    if metres < 1000.0:
        return f"{round(metres)} 米"
    kilometres = metres / 1000.0
    if kilometres < 10.0:
        text = f"{kilometres:.2f}".rstrip("0").rstrip(".")
    elif kilometres < 100.0:
        text = f"{kilometres:.1f}".rstrip("0").rstrip(".")
    else:
        text = f"{round(kilometres)}"
    return f"{text} 公里"
