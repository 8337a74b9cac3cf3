from django.apps import AppConfig


class FacetoolsConfig(AppConfig):
    """Management commands that evaluate and benchmark the face engine; no models."""

    name = "aidface.facetools"
    label = "facetools"
    verbose_name = "人脸引擎工具"
