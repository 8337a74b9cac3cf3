"""Verification error rates from genuine and impostor distances.

A pair is accepted as the same person when its distance is at most the threshold.
FMR (false-match rate) is the share of impostor pairs accepted; FNMR (false-non-match
rate) is the share of genuine pairs rejected.
"""
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Rates:
    """Error rates at one threshold, as fractions in 0..1."""

    threshold: float
    fmr: float
    fnmr: float

    def as_dict(self) -> dict:
        return asdict(self)


def rates_at(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> Rates:
    """Return FMR and FNMR when pairs with distance <= threshold are accepted."""
    fmr = float(np.mean(impostor <= threshold)) if len(impostor) else 0.0
    fnmr = float(np.mean(genuine > threshold)) if len(genuine) else 0.0
    return Rates(threshold=float(threshold), fmr=fmr, fnmr=fnmr)


def best_accuracy(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """Return the highest accuracy over all thresholds and the threshold that gives it.

    The threshold is the midpoint between the two distances it separates, so it does not
    sit exactly on a measured pair.
    """
    distances = np.concatenate([genuine, impostor])
    labels = np.concatenate([np.ones(len(genuine), bool), np.zeros(len(impostor), bool)])
    order = np.argsort(distances, kind="stable")
    sorted_distances = distances[order]
    sorted_labels = labels[order]

    # Accepting the first i pairs: correct = genuine among them + impostors after them.
    genuine_accepted = np.concatenate([[0], np.cumsum(sorted_labels)])
    impostor_rejected = len(impostor) - np.concatenate([[0], np.cumsum(~sorted_labels)])
    correct = genuine_accepted + impostor_rejected
    best = int(np.argmax(correct))

    if best == 0:
        threshold = float(sorted_distances[0]) - 1e-6
    elif best == len(sorted_distances):
        threshold = float(sorted_distances[-1])
    else:
        threshold = float(sorted_distances[best - 1] + sorted_distances[best]) / 2
    return float(correct[best]) / len(distances), threshold


def roc_auc(genuine: np.ndarray, impostor: np.ndarray) -> float:
    """Return the probability that a random genuine pair is closer than a random impostor pair."""
    if not len(genuine) or not len(impostor):
        return float("nan")
    impostor_sorted = np.sort(impostor)
    farther = len(impostor) - np.searchsorted(impostor_sorted, genuine, side="right")
    ties = np.searchsorted(impostor_sorted, genuine, side="right") - np.searchsorted(
        impostor_sorted, genuine, side="left"
    )
    return float((farther.sum() + 0.5 * ties.sum()) / (len(genuine) * len(impostor)))


def threshold_at_fmr(impostor: np.ndarray, target_fmr: float) -> float:
    """Return the largest threshold whose FMR is at most `target_fmr`.

    With target 0 this is just below the closest impostor pair.
    """
    impostor_sorted = np.sort(impostor)
    allowed = int(np.floor(target_fmr * len(impostor_sorted) + 1e-9))
    if allowed >= len(impostor_sorted):
        return float(impostor_sorted[-1])
    # Accept strictly fewer than `allowed + 1` impostors: stop just below that distance.
    return float(np.nextafter(impostor_sorted[allowed], -np.inf))


def fnmr_at_fmr(genuine: np.ndarray, impostor: np.ndarray, target_fmr: float) -> Rates:
    """Return the rates at the largest threshold that keeps FMR at most `target_fmr`."""
    return rates_at(genuine, impostor, threshold_at_fmr(impostor, target_fmr))
