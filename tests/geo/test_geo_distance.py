"""Great-circle distance."""
import math

import pytest

from aidface import geo

WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)


def meridian_arc_m(lat1: float, lat2: float, steps: int = 2000) -> float:
    """Length of the WGS-84 meridian between two latitudes, by Simpson's rule over M(phi)."""
    a, b = math.radians(lat1), math.radians(lat2)
    h = (b - a) / steps

    def radius(phi: float) -> float:
        return WGS84_A * (1 - WGS84_E2) / (1 - WGS84_E2 * math.sin(phi) ** 2) ** 1.5

    total = radius(a) + radius(b)
    total += sum((4 if i % 2 else 2) * radius(a + i * h) for i in range(1, steps))
    return abs(total * h / 3)


def test_distance_zero_for_same_point():
    assert geo.distance_m(34.7466, 113.6254, 34.7466, 113.6254) == 0.0


def test_distance_symmetric():
    assert geo.distance_m(34.7466, 113.6254, 34.6197, 112.4540) == geo.distance_m(34.6197, 112.4540, 34.7466, 113.6254)


def test_distance_quarter_meridian_on_sphere():
    assert geo.distance_m(0.0, 0.0, 90.0, 0.0) == pytest.approx(math.pi / 2 * geo.EARTH_MEAN_RADIUS_M, rel=1e-12)


def test_distance_antipodes():
    assert geo.distance_m(34.7, 113.6, -34.7, -66.4) == pytest.approx(math.pi * geo.EARTH_MEAN_RADIUS_M, rel=1e-9)


@pytest.mark.parametrize("metres", [100.0, 1400.0, 1500.0, 1600.0, 10_000.0])
def test_distance_close_to_ellipsoid_meridian_in_henan(metres):
    # Along the meridian the ellipsoid's arc length is an independent reference. The
    # sphere must stay within 0.5 % of it, which is under 8 m at the 1500 m radius.
    lat = 34.7466
    dlat = metres / 110_900.0  # roughly one degree of latitude at 35 N
    reference = meridian_arc_m(lat, lat + dlat)
    assert geo.distance_m(lat, 113.6254, lat + dlat, 113.6254) == pytest.approx(reference, rel=0.005)


def test_distance_along_parallel_short_range():
    # At short range a great circle and the parallel agree: 1 km east at 35 N.
    lat = 35.0
    dlon = math.degrees(1000.0 / (geo.EARTH_MEAN_RADIUS_M * math.cos(math.radians(lat))))
    assert geo.distance_m(lat, 113.0, lat, 113.0 + dlon) == pytest.approx(1000.0, abs=0.01)


def test_distance_zhengzhou_luoyang():
    # About 108 km: the equirectangular approximation agrees to 0.1 % at this range.
    (lat1, lon1), (lat2, lon2) = (34.7466, 113.6254), (34.6197, 112.4540)
    mid = math.radians((lat1 + lat2) / 2)
    x = math.radians(lon2 - lon1) * math.cos(mid)
    y = math.radians(lat2 - lat1)
    approx = geo.EARTH_MEAN_RADIUS_M * math.hypot(x, y)
    assert 105_000 < approx < 111_000
    assert geo.distance_m(lat1, lon1, lat2, lon2) == pytest.approx(approx, rel=0.001)


def test_distance_tiny_separation_well_conditioned():
    # 1 cm apart: haversine keeps precision where the spherical law of cosines would not.
    lat = 34.7466
    dlat = math.degrees(0.01 / geo.EARTH_MEAN_RADIUS_M)
    assert geo.distance_m(lat, 113.6254, lat + dlat, 113.6254) == pytest.approx(0.01, rel=1e-6)
