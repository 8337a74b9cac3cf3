"""Geofence decision (Art. 21: within 1500 m of an approved campus centre)."""
import math
from datetime import datetime, timezone

import pytest

from aidface import geo
from aidface.geo import CampusPoint, GeofenceOutcome, GeofencePolicy, LocationFix, decide_geofence

WGS84_A = 6_378_137.0
WGS84_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)

# Campus centre in WGS-84 (a point in Zhengzhou), and the same centre stored as an
# Amap (GCJ-02) point, which is how a school operator usually submits it.
CENTRE = (34.7466, 113.6254)
CENTRE_GCJ = geo.wgs84_to_gcj02(*CENTRE)
CAMPUS_GCJ = CampusPoint(campus_id=7, latitude=CENTRE_GCJ[0], longitude=CENTRE_GCJ[1], coord_system=geo.GCJ02)
BEARINGS = [0, 45, 90, 135, 180, 225, 270, 315, 17, 203]
CAPTURED = datetime(2026, 4, 8, 2, 30, tzinfo=timezone.utc)


def offset_on_ellipsoid(lat: float, lon: float, bearing_deg: float, metres: float) -> tuple[float, float]:
    """Move `metres` along a bearing using the WGS-84 radii of curvature at the start.

    This is independent of the sphere used by geo.distance_m. At 2 km the flat step is
    exact to well under a metre.
    """
    phi = math.radians(lat)
    w = math.sqrt(1 - WGS84_E2 * math.sin(phi) ** 2)
    meridian_radius = WGS84_A * (1 - WGS84_E2) / w**3
    vertical_radius = WGS84_A / w
    north = metres * math.cos(math.radians(bearing_deg))
    east = metres * math.sin(math.radians(bearing_deg))
    return lat + math.degrees(north / meridian_radius), lon + math.degrees(east / (vertical_radius * math.cos(phi)))


def fix_at(bearing: float, metres: float, *, system: str = geo.WGS84, accuracy: float = 30.0) -> LocationFix:
    lat, lon = offset_on_ellipsoid(*CENTRE, bearing, metres)
    if system == geo.GCJ02:
        lat, lon = geo.wgs84_to_gcj02(lat, lon)
    elif system == geo.BD09:
        lat, lon = geo.wgs84_to_bd09(lat, lon)
    return LocationFix(latitude=lat, longitude=lon, accuracy_m=accuracy, coord_system=system, captured_at=CAPTURED)


@pytest.mark.parametrize("system", [geo.WGS84, geo.GCJ02, geo.BD09])
@pytest.mark.parametrize("bearing", BEARINGS)
def test_fix_1400m_inside(bearing, system):
    decision = decide_geofence(fix_at(bearing, 1400.0, system=system), [CAMPUS_GCJ])
    assert decision.outcome is GeofenceOutcome.INSIDE


@pytest.mark.parametrize("system", [geo.WGS84, geo.GCJ02, geo.BD09])
@pytest.mark.parametrize("bearing", BEARINGS)
def test_fix_1600m_outside(bearing, system):
    decision = decide_geofence(fix_at(bearing, 1600.0, system=system), [CAMPUS_GCJ])
    assert decision.outcome is GeofenceOutcome.OUTSIDE
    assert decision.reason == "outside_radius"


@pytest.mark.parametrize("system", [geo.WGS84, geo.GCJ02, geo.BD09])
@pytest.mark.parametrize("bearing", BEARINGS)
def test_distance_same_in_every_system(bearing, system):
    decision = decide_geofence(fix_at(bearing, 1400.0, system=system), [CAMPUS_GCJ])
    # 0.5 % sphere-versus-ellipsoid tolerance on 1400 m, plus conversion error.
    assert decision.distance_m == pytest.approx(1400.0, abs=8.0)


@pytest.mark.parametrize("bearing", BEARINGS)
def test_distance_agrees_across_systems(bearing):
    distances = [decide_geofence(fix_at(bearing, 1600.0, system=s), [CAMPUS_GCJ]).distance_m for s in (geo.WGS84, geo.GCJ02, geo.BD09)]
    assert max(distances) - min(distances) < 0.05


def test_unconverted_bd_fix_would_fail():
    # Comparing raw BD-09 numbers with a GCJ-02 campus would misplace the fix by about
    # 0.9 km, which is why the decision converts both.
    fix = fix_at(45, 1400.0, system=geo.BD09)
    raw = geo.distance_m(fix.latitude, fix.longitude, CAMPUS_GCJ.latitude, CAMPUS_GCJ.longitude)
    assert raw > 1500.0


def fix_north_on_sphere(metres: float) -> LocationFix:
    """A fix due north of CENTRE at exactly `metres` on the sphere geo.distance_m uses."""
    lat = CENTRE[0] + math.degrees(metres / geo.EARTH_MEAN_RADIUS_M)
    return LocationFix(latitude=lat, longitude=CENTRE[1], accuracy_m=10.0, coord_system=geo.WGS84, captured_at=CAPTURED)


@pytest.mark.parametrize(
    ("metres", "shown"),
    [(1600.0, "1.6 公里"), (1549.0, "1.55 公里"), (2300.0, "2.3 公里"), (9994.0, "9.99 公里"), (12_345.0, "12.3 公里"), (123_400.0, "123 公里")],
)
def test_outside_message_names_distance(metres, shown):
    decision = decide_geofence(fix_north_on_sphere(metres), [CAMPUS_GCJ])
    assert decision.message == f"不在校园定位范围内（距最近校区 {shown}），请在校内重试。"


def test_retry_message_in_metres():
    decision = decide_geofence(LocationFix(34.7466, 113.6254, 850.4, geo.WGS84, CAPTURED), [CAMPUS_GCJ])
    assert decision.message.startswith("定位精度不足（约 850 米，需在 200 米以内）")


def test_inside_reports_campus_and_position():
    decision = decide_geofence(fix_at(90, 300.0), [CAMPUS_GCJ])
    assert decision.inside
    assert decision.nearest_campus_id == 7
    assert geo.distance_m(*decision.wgs84, *offset_on_ellipsoid(*CENTRE, 90, 300.0)) < 0.01


def test_nearest_of_several_campuses():
    far = CampusPoint(campus_id=1, latitude=34.6197, longitude=112.4540, coord_system=geo.WGS84)
    bd_lat, bd_lon = geo.wgs84_to_bd09(*offset_on_ellipsoid(*CENTRE, 0, 3000.0))
    north_bd = CampusPoint(campus_id=2, latitude=bd_lat, longitude=bd_lon, coord_system=geo.BD09)
    decision = decide_geofence(fix_at(0, 2000.0), [far, CAMPUS_GCJ, north_bd])
    assert decision.nearest_campus_id == 2
    assert decision.distance_m == pytest.approx(1000.0, abs=5.0)
    assert decision.inside


def test_accuracy_circle_crossing_radius_outside():
    # 1400 m + 150 m accuracy = 1550 m > 1500 m.
    decision = decide_geofence(fix_at(0, 1400.0, accuracy=150.0), [CAMPUS_GCJ])
    assert decision.outcome is GeofenceOutcome.OUTSIDE
    assert decision.reason == "accuracy_crosses_radius"
    assert "定位误差约 150 米" in decision.message


def test_distance_alone_switch_inside():
    policy = GeofencePolicy(include_accuracy=False)
    decision = decide_geofence(fix_at(0, 1400.0, accuracy=150.0), [CAMPUS_GCJ], policy=policy)
    assert decision.outcome is GeofenceOutcome.INSIDE


def test_distance_alone_switch_still_outside_beyond_radius():
    policy = GeofencePolicy(include_accuracy=False)
    decision = decide_geofence(fix_at(0, 1600.0, accuracy=5.0), [CAMPUS_GCJ], policy=policy)
    assert decision.outcome is GeofenceOutcome.OUTSIDE


def test_accuracy_exactly_at_edge_inside():
    decision = decide_geofence(fix_at(0, 1000.0, accuracy=200.0), [CAMPUS_GCJ])
    assert decision.outcome is GeofenceOutcome.INSIDE


@pytest.mark.parametrize("metres", [0.0, 1400.0, 5000.0])
def test_poor_accuracy_asks_retry(metres):
    decision = decide_geofence(fix_at(0, metres, accuracy=350.0), [CAMPUS_GCJ])
    assert decision.outcome is GeofenceOutcome.RETRY
    assert decision.reason == "accuracy_too_low"
    assert decision.distance_m == pytest.approx(metres, abs=30.0)
    assert "约 350 米" in decision.message


def test_retry_limit_from_policy():
    decision = decide_geofence(fix_at(0, 100.0, accuracy=350.0), [CAMPUS_GCJ], policy=GeofencePolicy(max_accuracy_m=500.0))
    assert decision.outcome is GeofenceOutcome.INSIDE


def test_radius_from_policy():
    decision = decide_geofence(fix_at(0, 1600.0, accuracy=10.0), [CAMPUS_GCJ], policy=GeofencePolicy(radius_m=2000.0))
    assert decision.outcome is GeofenceOutcome.INSIDE


def fix_with(**changes) -> LocationFix:
    fields = {"latitude": 34.75, "longitude": 113.63, "accuracy_m": 20.0, "coord_system": geo.WGS84, "captured_at": CAPTURED}
    fields.update(changes)
    return LocationFix(**fields)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"latitude": None}, "missing_coordinates"),
        ({"longitude": None}, "missing_coordinates"),
        ({"latitude": None, "longitude": None}, "missing_coordinates"),
        ({"coord_system": None}, "missing_coord_system"),
        ({"coord_system": ""}, "missing_coord_system"),
        ({"coord_system": "gps"}, "unknown_coord_system"),
        ({"coord_system": "WGS84"}, "unknown_coord_system"),
        ({"accuracy_m": None}, "missing_accuracy"),
        ({"latitude": 91.0}, "out_of_range"),
        ({"latitude": -90.5}, "out_of_range"),
        ({"longitude": 180.5}, "out_of_range"),
        ({"longitude": -181.0}, "out_of_range"),
        ({"accuracy_m": -1.0}, "out_of_range"),
        ({"latitude": math.nan}, "out_of_range"),
        ({"longitude": math.inf}, "out_of_range"),
        ({"accuracy_m": math.nan}, "out_of_range"),
        ({"latitude": "34.75"}, "out_of_range"),
        ({"latitude": True}, "out_of_range"),
    ],
)
def test_invalid_fix(changes, reason):
    decision = decide_geofence(fix_with(**changes), [CAMPUS_GCJ])
    assert decision.outcome is GeofenceOutcome.INVALID
    assert decision.reason == reason
    assert decision.distance_m is None
    assert decision.message


def test_valid_fix_baseline():
    # The unchanged fix used by the invalid cases is itself accepted.
    assert decide_geofence(fix_with(), [CAMPUS_GCJ]).outcome is GeofenceOutcome.INSIDE


def test_no_campus_invalid():
    decision = decide_geofence(fix_with(), [])
    assert decision.outcome is GeofenceOutcome.INVALID
    assert decision.reason == "no_campus"


def test_campus_with_unknown_system_raises():
    campus = CampusPoint(campus_id=3, latitude=34.7, longitude=113.6, coord_system="cgcs2000")
    with pytest.raises(ValueError, match="cgcs2000"):
        decide_geofence(fix_with(), [campus])


def test_campuses_from_generator():
    decision = decide_geofence(fix_at(0, 100.0), (c for c in [CAMPUS_GCJ]))
    assert decision.inside
