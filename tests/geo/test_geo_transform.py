"""WGS-84 / GCJ-02 / BD-09 conversions."""
import math

import pytest

from aidface import geo

# A grid over Henan (31.4-36.4 N, 110.3-116.7 E) and its cities.
HENAN_GRID = [(31.4 + 0.5 * i, 110.3 + 0.64 * j) for i in range(11) for j in range(11)]
HENAN_CITIES = {
    "Zhengzhou": (34.7466, 113.6254),
    "Luoyang": (34.6197, 112.4540),
    "Kaifeng": (34.7972, 114.3074),
    "Anyang": (36.0976, 114.3924),
    "Nanyang": (32.9908, 112.5283),
    "Xinyang": (32.1470, 114.0913),
    "Shangqiu": (34.4144, 115.6564),
    "Sanmenxia": (34.7726, 111.2003),
}
OTHER_MAINLAND = {
    "Beijing": (39.9042, 116.4074),
    "Shanghai": (31.2304, 121.4737),
    "Guangzhou": (23.1291, 113.2644),
    "Urumqi": (43.8256, 87.6168),
    "Hotan": (37.1107, 79.9225),
    "Lhasa": (29.6520, 91.1721),
    "Harbin": (45.8038, 126.5350),
    "Hailar": (49.2116, 119.7658),
    "Kunming": (25.0389, 102.7183),
    "Haikou": (20.0440, 110.1999),
    "Sanya": (18.2528, 109.5119),
    "Hohhot": (40.8426, 111.7492),
}
ABROAD = {
    "Taipei": (25.0330, 121.5654),
    "Seoul": (37.5665, 126.9780),
    "Pyongyang": (39.0392, 125.7625),
    "Tokyo": (35.6762, 139.6503),
    "Ulaanbaatar": (47.8864, 106.9057),
    "Hanoi": (21.0278, 105.8342),
    "Almaty": (43.2220, 76.8512),
    "Kathmandu": (27.7172, 85.3240),
    "Vladivostok": (43.1198, 131.8869),
    "Singapore": (1.3521, 103.8198),
    "London": (51.5074, -0.1278),
    "Sydney": (-33.8688, 151.2093),
}


def test_wgs_to_gcj_matches_published_value():
    # Published example output of the wandergis/coordtransform JavaScript library
    # (test/app.js) for the input lon 116.404, lat 39.915.
    lat, lon = geo.wgs84_to_gcj02(39.915, 116.404)
    assert lat == pytest.approx(39.91640428150164, abs=1e-12)
    assert lon == pytest.approx(116.41024449916938, abs=1e-12)


def test_gcj_to_bd_matches_published_value():
    lat, lon = geo.gcj02_to_bd09(39.915, 116.404)
    assert lat == pytest.approx(39.92133699351021, abs=1e-12)
    assert lon == pytest.approx(116.41036949371029, abs=1e-12)


def test_inverses_near_published_one_step_values():
    # The library's inverses are single closed-form steps, so they are only close. Ours
    # iterate and must land within a metre of them.
    assert geo.distance_m(*geo.gcj02_to_wgs84(39.915, 116.404), 39.91359571849836, 116.39775550083061) < 1.0
    assert geo.distance_m(*geo.bd09_to_gcj02(39.915, 116.404), 39.90865673957631, 116.39762729119315) < 1.0


@pytest.mark.parametrize("name", sorted(HENAN_CITIES))
def test_gcj_shift_in_henan_is_hundreds_of_metres(name):
    lat, lon = HENAN_CITIES[name]
    shift = geo.distance_m(lat, lon, *geo.wgs84_to_gcj02(lat, lon))
    assert 300.0 < shift < 800.0


@pytest.mark.parametrize("name", sorted(HENAN_CITIES))
def test_gcj_shift_in_henan_points_east(name):
    # In central China the GCJ-02 shift points mostly east.
    lat, lon = HENAN_CITIES[name]
    gcj_lat, gcj_lon = geo.wgs84_to_gcj02(lat, lon)
    east_m = math.radians(gcj_lon - lon) * geo.EARTH_MEAN_RADIUS_M * math.cos(math.radians(lat))
    north_m = math.radians(gcj_lat - lat) * geo.EARTH_MEAN_RADIUS_M
    assert east_m > 300.0
    assert abs(north_m) < east_m


@pytest.mark.parametrize("name", sorted(HENAN_CITIES))
def test_bd_shift_from_gcj_in_henan(name):
    # BD-09 adds about 0.0065 degrees east and 0.006 degrees north to GCJ-02, about 0.9 km.
    lat, lon = HENAN_CITIES[name]
    gcj = geo.wgs84_to_gcj02(lat, lon)
    bd = geo.gcj02_to_bd09(*gcj)
    assert 0.004 < bd[0] - gcj[0] < 0.008
    assert 0.005 < bd[1] - gcj[1] < 0.008


@pytest.mark.parametrize("name", sorted(OTHER_MAINLAND))
def test_gcj_shifts_elsewhere_in_mainland(name):
    lat, lon = OTHER_MAINLAND[name]
    assert geo.distance_m(lat, lon, *geo.wgs84_to_gcj02(lat, lon)) > 50.0


@pytest.mark.parametrize("name", sorted(ABROAD))
def test_gcj_zero_outside_mainland(name):
    lat, lon = ABROAD[name]
    assert geo.wgs84_to_gcj02(lat, lon) == (lat, lon)


@pytest.mark.parametrize("name", sorted(ABROAD))
def test_gcj_inverse_zero_outside_mainland(name):
    lat, lon = ABROAD[name]
    assert geo.gcj02_to_wgs84(lat, lon) == (lat, lon)


def test_gcj_shift_varies_smoothly():
    # Two points 10 m apart get shifts that differ by centimetres, so a campus and a
    # nearby fix shift together and their GCJ-02 distance stays close to the true one.
    lat, lon = HENAN_CITIES["Zhengzhou"]
    near_lat = lat + 10.0 / 111_195.0
    a = geo.wgs84_to_gcj02(lat, lon)
    b = geo.wgs84_to_gcj02(near_lat, lon)
    assert abs(geo.distance_m(*a, *b) - geo.distance_m(lat, lon, near_lat, lon)) < 0.1


@pytest.mark.parametrize("point", HENAN_GRID + list(HENAN_CITIES.values()))
def test_wgs_gcj_round_trip(point):
    assert geo.distance_m(*point, *geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(*point))) < 0.01


@pytest.mark.parametrize("point", HENAN_GRID + list(HENAN_CITIES.values()))
def test_gcj_wgs_round_trip(point):
    # The other direction: a GCJ-02 point read off a map, to WGS-84 and back.
    assert geo.distance_m(*point, *geo.wgs84_to_gcj02(*geo.gcj02_to_wgs84(*point))) < 0.01


@pytest.mark.parametrize("point", HENAN_GRID + list(HENAN_CITIES.values()))
def test_gcj_bd_round_trip(point):
    assert geo.distance_m(*point, *geo.bd09_to_gcj02(*geo.gcj02_to_bd09(*point))) < 0.01


@pytest.mark.parametrize("point", HENAN_GRID + list(HENAN_CITIES.values()))
def test_wgs_bd_round_trip(point):
    assert geo.distance_m(*point, *geo.bd09_to_wgs84(*geo.wgs84_to_bd09(*point))) < 0.01


@pytest.mark.parametrize("point", list(OTHER_MAINLAND.values()))
def test_round_trip_across_mainland(point):
    assert geo.distance_m(*point, *geo.bd09_to_wgs84(*geo.wgs84_to_bd09(*point))) < 0.01


def test_to_wgs84_by_tag():
    lat, lon = HENAN_CITIES["Luoyang"]
    gcj = geo.wgs84_to_gcj02(lat, lon)
    bd = geo.wgs84_to_bd09(lat, lon)
    assert geo.to_wgs84(lat, lon, geo.WGS84) == (lat, lon)
    assert geo.distance_m(*geo.to_wgs84(*gcj, geo.GCJ02), lat, lon) < 0.01
    assert geo.distance_m(*geo.to_wgs84(*bd, geo.BD09), lat, lon) < 0.01


def test_to_wgs84_unknown_tag():
    with pytest.raises(ValueError, match="unknown coordinate system 'cgcs2000'"):
        geo.to_wgs84(34.7, 113.6, "cgcs2000")
