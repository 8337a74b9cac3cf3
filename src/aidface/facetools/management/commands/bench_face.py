"""`aidface bench_face`: per-step timings of a verification on 480p, 1080p and 12-megapixel photos."""
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aidface.face import bench

# The benchmark's person: a frontal photo for the timed images and three more photos of
# the same man for the gallery, paths relative to the face photo folder.
BENCH_PHOTO = "asian/gallery/cnceleb_003/1.jpg"
REFERENCE_PHOTOS = ("asian/gallery/cnceleb_003/2.jpg", "asian/gallery/cnceleb_003/3.jpg", "asian/gallery/cnceleb_003/4.jpg")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".heic")


class Command(BaseCommand):
    help = (
        "Time decode, detect, landmarks, descriptor, compare and the whole verify, and the same "
        "work through face_recognition when it is installed (pip install --no-deps face_recognition==1.3.0)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--images", type=Path, help="folder of photos to time, one face each; default: made from the face photo folder")
        parser.add_argument("--faces-dir", type=Path, help="face photo folder; default AIDFACE_FACES_DIR or ../shared/faces beside the repository")
        parser.add_argument("--repeats", type=int, default=10, help="timed runs per image and step; default 10")
        parser.add_argument("--skip-liveness", action="store_true", help="do not time check_liveness on 20 frames")

    def handle(self, *args, **options):
        faces_dir = options["faces_dir"] or Path(os.environ.get("AIDFACE_FACES_DIR", Path(settings.BASE_DIR).parent / "shared" / "faces"))
        self.stdout.write(f"dlib build: {bench.dlib_build()}")
        if not bench.face_recognition_available():
            self.stdout.write(bench.FACE_RECOGNITION_MISSING)

        with tempfile.TemporaryDirectory(prefix="aidface-bench-") as scratch:
            images = self._images(options["images"], faces_dir, Path(scratch))
            references = [faces_dir / path for path in REFERENCE_PHOTOS]
            if not all(path.is_file() for path in references):
                references = [next(iter(images.values()))] * 3
                self.stdout.write("face photo folder not found: the gallery is the first image three times (timing only)")
            results = bench.run_benchmark(images, references, repeats=options["repeats"])

        if not options["skip_liveness"]:
            self._time_liveness(faces_dir)
        for line in bench.report_lines(results):
            self.stdout.write(line)

    def _images(self, folder: Path | None, faces_dir: Path, scratch: Path) -> dict[str, Path]:
        if folder is not None:
            paths = sorted(path for path in folder.iterdir() if path.suffix.lower() in IMAGE_SUFFIXES)
            if not paths:
                raise CommandError(f"no photos ({', '.join(IMAGE_SUFFIXES)}) found in {folder}")
            return {path.stem: path for path in paths}
        photo = faces_dir / BENCH_PHOTO
        if not photo.is_file():
            raise CommandError(f"benchmark photo not found: {photo}; pass --images or --faces-dir")
        return bench.make_bench_images(photo, scratch)

    def _time_liveness(self, faces_dir: Path) -> None:
        from aidface.face import liveness_bench

        clip = faces_dir / "liveness" / "blink_selfie_14s.mp4"
        if not clip.is_file():
            self.stdout.write(f"liveness clip not found: {clip}; check_liveness not timed")
            return
        timing = liveness_bench.time_check_liveness(liveness_bench.frames_from_clip(clip))
        self.stdout.write(
            f"check_liveness on {timing.frames} frames of {timing.width}x{timing.height}: "
            f"median {timing.median_ms:.0f} ms, p95 {timing.p95_ms:.0f} ms (passed: {timing.passed})"
        )
