"""Storing a student's gallery and handing it to the duplicate-face search.

A gallery is the chip photo's descriptor (when the chip photo has a usable face) plus
the descriptors of the good live frames of the capture. It is kept encrypted and is the
reference of every later check-in.
"""
from datetime import datetime

import numpy as np
from django.utils import timezone

from aidface.enrolment import storage
from aidface.enrolment.models import Enrolment, EnrolmentState, FaceTemplate
from aidface.face import templates


def build_gallery(
    *, chip: np.ndarray | None, live: np.ndarray, model_id: str, model_version: str
) -> templates.Gallery:
    """Return the face engine's gallery: the chip photo's row (if any) first, then the live rows."""
    gallery = templates.Gallery(model_id, model_version, np.zeros((0, live.shape[1]), np.float32), ())
    if chip is not None:
        gallery = gallery.add(chip, source=templates.ID_CARD)
    for row in np.atleast_2d(live):
        gallery = gallery.add(row, source=templates.LIVE)
    return gallery


def store_template(
    *,
    enrolment: Enrolment,
    kind: str,
    gallery: templates.Gallery,
    valid_until: datetime | None = None,
) -> FaceTemplate:
    """Deactivate the student's previous gallery and store this one. Call inside a transaction."""
    FaceTemplate.objects.filter(student=enrolment.student, active=True).update(active=False)

    template = FaceTemplate.objects.create(
        student=enrolment.student,
        enrolment=enrolment,
        kind=kind,
        model_id=gallery.model_id,
        model_version=gallery.model_version,
        descriptor_count=len(gallery.descriptors),
        includes_chip=templates.ID_CARD in gallery.sources,
        descriptors=b"",
        key_id="",
        valid_until=valid_until,
        created_at=timezone.now(),
    )
    template.descriptors, template.key_id = storage.seal(gallery.to_bytes(), associated_data=template.associated_data)
    template.save(update_fields=["descriptors", "key_id"])
    return template


def deactivate_templates(enrolment: Enrolment) -> int:
    return FaceTemplate.objects.filter(enrolment=enrolment, active=True).update(active=False)


def search_duplicates(enrolment: Enrolment) -> bool:
    """Search the new gallery against the others (1:N) and return True when a duplicate case was opened."""
    # Imported here because the duplicates app reads this app's models at import time.
    from aidface.duplicates.services import search_new_gallery

    return bool(search_new_gallery(enrolment=enrolment))


def finish_with_gallery(enrolment: Enrolment, *, state: str) -> str:
    """Set the enrolment's final state, or hold it for the office when a duplicate case opened."""
    if search_duplicates(enrolment):
        enrolment.state = EnrolmentState.AWAITING_DUPLICATE_REVIEW
    else:
        enrolment.state = state
    enrolment.save(update_fields=["state"])
    return enrolment.state
