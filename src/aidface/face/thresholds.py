"""Calibrated distance thresholds of the default descriptor model.

The model is dlib's ResNet descriptor scaled to unit length (descriptor.DlibResnet
defaults), so these values do not apply to raw dlib
descriptors, whose customary 0.6 would let a large share of East Asian impostors
through. A probe is accepted when its distance is at most the threshold. The enrolment
and check-in values were calibrated on the East Asian set: 434 genuine and 434 same-gender impostor pairs,
and galleries of 3 photos per person. The benchmark page (docs/benchmarks.md) lists the
rates they give there and on LFW.
"""

# Live capture against the ID-card chip photo (enrolment, one reference): the largest
# two-decimal value that keeps false matches at most 1% on the East Asian pairs.
ENROLMENT_THRESHOLD = 0.32
# Live capture against the mean of the enrolled live references (check-in): the largest
# two-decimal value that keeps false matches at most 1% per attempt on 3-photo galleries.
CHECK_IN_THRESHOLD = 0.29
# Frames of one liveness sequence against each other (aidface.face.liveness): a person is
# seen throughout when no two of the frames picked for the identity check are farther
# apart. Measured with bench/bench_liveness_identity.py: frames of one recording that
# face the camera are at most 0.264 apart (blink clip 0.132, talking clip 0.261,
# head-turn clip 0.264), and two photos of one man from different occasions, one of them
# shouting, 0.330. Frames of two different people in the clips and photos are at least
# 0.448 apart. The value sits nearer the same-person side (0.03 above 0.330, 0.088 below
# 0.448) because East Asian impostor photo pairs crowd this range: 4.9% of them are
# within 0.36 and 18% within 0.40.
SEQUENCE_IDENTITY_THRESHOLD = 0.36
