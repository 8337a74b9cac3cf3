"""The liveness actions policy value: parsed, checked, and only the province may set it."""
import pytest


def parse(raw):
    from aidface.policy.limits import parse_value

    return parse_value("liveness_actions", raw)


def test_actions_parsed_in_canonical_order():
    assert parse(["turn_right", "turn_left"]) == ("turn_left", "turn_right")


def test_actions_parsed_from_text():
    assert parse("blink, open_mouth") == ("blink", "open_mouth")


def test_single_action_rejected():
    from aidface.policy.limits import PolicyValueError

    with pytest.raises(PolicyValueError):
        parse(["blink"])


def test_unknown_action_rejected():
    from aidface.policy.limits import PolicyValueError

    with pytest.raises(PolicyValueError):
        parse(["blink", "nod"])


@pytest.mark.django_db
def test_county_cannot_change_actions(org_tree):
    from aidface.policy.limits import PolicyValueError
    from aidface.policy.services import set_override

    with pytest.raises(PolicyValueError):
        set_override(user=org_tree.users["county"], office=org_tree.gongyi, key="liveness_actions", value=["turn_left", "turn_right"])


@pytest.mark.django_db
def test_province_override_reaches_school(org_tree):
    from aidface.policy.selectors import effective_policy_for_school
    from aidface.policy.services import set_override

    set_override(user=org_tree.users["province"], office=org_tree.province, key="liveness_actions", value="turn_left,turn_right")
    assert effective_policy_for_school(org_tree.county_school).liveness_actions == ("turn_left", "turn_right")
