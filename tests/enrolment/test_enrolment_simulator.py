"""The ID-card reader simulator serves the reader's JSON on 127.0.0.1 for the terminal page."""
import base64
import json
import urllib.request

import pytest

import enrolment_faces


@pytest.fixture
def simulator(chip):
    from aidface.enrolment.simulator import ReaderSimulator, SimulatedCard

    value = enrolment_faces.id_number(birth="20060315")
    running = ReaderSimulator(SimulatedCard(name="陈晓明", id_number=value, photo=chip)).start()
    yield running
    running.stop()


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.headers, json.loads(response.read())


def test_simulator_serves_card(simulator, chip):
    _, card = fetch(simulator.url)
    assert card["name"] == "陈晓明"
    assert card["birth_date"] == "2006-03-15"
    assert card["valid_until"] == "长期"
    assert base64.b64decode(card["photo"]) == chip


def test_simulator_allows_page_origin(simulator):
    headers, _ = fetch(simulator.url)
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_simulator_binds_localhost(simulator):
    assert simulator.url.startswith("http://127.0.0.1:")


def test_simulator_card_passes_server_checks(simulator):
    from datetime import date

    from aidface.enrolment.card import parse_card

    _, card = fetch(simulator.url)
    assert parse_card(card, today=date(2026, 3, 10)).id_number == card["id_number"]
