"""The face benchmark on one real 480p photo, with few repeats to stay quick."""
import io

import pytest
from PIL import Image
from django.core.management import call_command

from aidface.face import bench
from aidface.face.bench import StageTimes, report_lines


@pytest.fixture(scope="module")
def bench_output(faces_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    images = bench.make_bench_images(faces_dir / "asian" / "gallery" / "cnceleb_003" / "1.jpg", folder / "made")
    (folder / "one").mkdir()
    (folder / "one" / "480p.jpg").write_bytes(images["480p"].read_bytes())
    output = io.StringIO()
    call_command("bench_face", images=folder / "one", faces_dir=faces_dir, repeats=1, skip_liveness=True, stdout=output)
    return output.getvalue().splitlines()


def test_bench_images_sizes(faces_dir, tmp_path):
    images = bench.make_bench_images(faces_dir / "asian" / "gallery" / "cnceleb_003" / "1.jpg", tmp_path)
    for name, path in images.items():
        with Image.open(path) as image:
            assert image.size == bench.SIZES[name], name


def test_bench_names_dlib_build(bench_output):
    assert bench_output[0].startswith("dlib build: dlib")


def test_bench_times_every_stage(bench_output):
    for stage in bench.STAGES:
        assert any(line.startswith("aidface") and f" {stage} " in line for line in bench_output), stage


def test_bench_compares_or_says_why(bench_output):
    if bench.face_recognition_available():
        assert bench_output[-1].startswith("ratio aidface/face_recognition 480p verify: ")
    else:
        assert bench.FACE_RECOGNITION_MISSING in bench_output


def test_report_lines_ratio_last():
    ours = StageTimes("aidface", "480p", {stage: [40.0] for stage in bench.STAGES})
    theirs = StageTimes("face_recognition", "480p", {stage: [80.0] for stage in bench.STAGES})
    assert report_lines([ours, theirs])[-1] == "ratio aidface/face_recognition 480p verify: 0.50"
