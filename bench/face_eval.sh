#!/bin/sh
# Reproduce the face-engine figures of docs/benchmarks.md: accuracy and error rates on the
# LFW and East Asian pairs, the 3-reference gallery run, and the timing benchmark.
# Reports are written as JSON to bench/results/face/. Takes several minutes on 2 cores.
#   bench/face_eval.sh [FACES_DIR]
set -eu
cd "$(dirname "$0")/.."
faces="${1:-${AIDFACE_FACES_DIR:-../shared/faces}}"
out=bench/results/face
mkdir -p "$out"
run() { .venv/bin/python manage.py face_eval --workers 2 "$@"; }

run --pairs "$faces/pairs.tsv" --json "$out/lfw_pairs.json"
run --pairs "$faces/pairs_lfw_view2_fold01.tsv" --json "$out/lfw_fold01.json"
run --pairs "$faces/pairs_lfw_view2_fold01.tsv" --flip --json "$out/lfw_fold01_flip.json"
run --pairs "$faces/asian/pairs.tsv" --json "$out/asian_pairs.json"
run --gallery "$faces/asian/gallery" --references 3 --json "$out/asian_gallery3.json"
run --gallery "$faces/asian/gallery" --references 3 --gallery-rule min --json "$out/asian_gallery3_min.json"
.venv/bin/python manage.py bench_face --faces-dir "$faces"
