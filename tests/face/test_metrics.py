"""Error-rate arithmetic on small distance sets whose results can be counted by hand."""
import numpy as np
import pytest

from aidface.face.metrics import best_accuracy, fnmr_at_fmr, rates_at, roc_auc, threshold_at_fmr

GENUINE = np.array([0.10, 0.20, 0.30, 0.55])
IMPOSTOR = np.array([0.40, 0.50, 0.60, 0.70])


def test_rates_at_threshold():
    rates = rates_at(GENUINE, IMPOSTOR, 0.45)
    assert rates.fmr == 0.25
    assert rates.fnmr == 0.25


def test_best_accuracy_between_pairs():
    accuracy, threshold = best_accuracy(GENUINE, IMPOSTOR)
    assert accuracy == 7 / 8
    assert 0.30 < threshold < 0.40


def test_best_accuracy_separable():
    accuracy, threshold = best_accuracy(np.array([0.1, 0.2]), np.array([0.5, 0.6]))
    assert accuracy == 1.0
    assert threshold == pytest.approx(0.35)


def test_threshold_at_zero_fmr():
    threshold = threshold_at_fmr(IMPOSTOR, 0.0)
    assert threshold < 0.40
    assert rates_at(GENUINE, IMPOSTOR, threshold).fmr == 0.0


def test_fnmr_at_fmr_quarter():
    rates = fnmr_at_fmr(GENUINE, IMPOSTOR, 0.25)
    assert rates.fmr == 0.25
    assert rates.fnmr == 0.25


def test_roc_auc_counts_ordered_pairs():
    # The genuine 0.55 is farther than the impostors 0.40 and 0.50: 14 of 16 combinations are ordered.
    assert roc_auc(GENUINE, IMPOSTOR) == pytest.approx(14 / 16)
