"""Evaluation on a small subset of the real pairs and galleries, plus the slow full runs."""
import json

import pytest
from django.core.management import call_command

from aidface.face import thresholds
from aidface.face.evaluate import EvaluationOptions, evaluate_gallery, evaluate_pairs, read_pairs

SUBSET_PAIRS = 8


def _subset_file(faces_dir, tmp_path, count: int = SUBSET_PAIRS):
    """Write the first `count` genuine and `count` impostor East Asian pairs with absolute paths."""
    pairs = read_pairs(faces_dir / "asian" / "pairs.tsv")
    chosen = [pair for pair in pairs if pair[2]][:count] + [pair for pair in pairs if not pair[2]][:count]
    path = tmp_path / "pairs.tsv"
    lines = ["left\tright\tsame"] + [f"{left}\t{right}\t{int(same)}" for left, right, same in chosen]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def subset_report(faces_dir, tmp_path_factory):
    return evaluate_pairs(_subset_file(faces_dir, tmp_path_factory.mktemp("pairs")))


def test_subset_impostors_rejected(subset_report):
    assert subset_report["at_enrolment_threshold"]["fmr"] == 0.0


def test_subset_genuine_closer_than_impostors(subset_report):
    assert subset_report["accuracy"] == 1.0


def test_subset_report_fields(subset_report):
    assert subset_report["genuine"] == SUBSET_PAIRS
    assert subset_report["impostor"] == SUBSET_PAIRS
    assert subset_report["failures_to_read"] == []
    assert subset_report["at_enrolment_threshold"]["threshold"] == thresholds.ENROLMENT_THRESHOLD


def test_small_gallery_mode(faces_dir, tmp_path):
    for identity in ("cnceleb_002", "cnceleb_003", "cnceleb_007", "cnceleb_008"):
        (tmp_path / identity).symlink_to(faces_dir / "asian" / "gallery" / identity)
    report = evaluate_gallery(tmp_path, references=3)
    assert report["genuine_attempts"] == 16
    assert report["impostor_attempts"] == 48
    assert report["at_check_in_threshold"]["fmr"] == 0.0


def test_face_eval_command_json(faces_dir, tmp_path):
    output = tmp_path / "report.json"
    call_command("face_eval", pairs=_subset_file(faces_dir, tmp_path, count=3), json=output, stdout=open("/dev/null", "w"))
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["accuracy"] == 1.0
    assert report["pairs"] == 6


@pytest.mark.slow
def test_lfw_pairs_accuracy(faces_dir):
    report = evaluate_pairs(faces_dir / "pairs.tsv", options=EvaluationOptions(workers=2))
    assert report["accuracy"] >= 0.985


@pytest.mark.slow
def test_lfw_fold_one_accuracy(faces_dir):
    report = evaluate_pairs(faces_dir / "pairs_lfw_view2_fold01.tsv", options=EvaluationOptions(workers=2))
    assert report["accuracy"] >= 0.990


@pytest.mark.slow
def test_asian_enrolment_threshold_fmr(faces_dir):
    report = evaluate_pairs(faces_dir / "asian" / "pairs.tsv", options=EvaluationOptions(workers=2))
    assert report["at_enrolment_threshold"]["fmr"] <= 0.01


@pytest.mark.slow
def test_asian_gallery_three_references(faces_dir):
    report = evaluate_gallery(faces_dir / "asian" / "gallery", references=3, options=EvaluationOptions(workers=2))
    assert report["at_fmr_1_percent"]["fnmr"] <= 0.05
    assert report["at_check_in_threshold"]["fmr"] <= 0.01
