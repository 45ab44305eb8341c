#!/usr/bin/env bash
# The live demo behind `make demo`: a video publisher plays a clip as a camera stream, the
# movinet node recognises actions on it, and `movinet-ros watch` shows the live top-k.
# Ctrl-C stops all three. Settings (environment or make variables):
#   VIDEO   video file or camera device index   (default ../shared/clips/carving_ice.mp4)
#   MODEL   MoViNet stream .tflite model         (default ../shared/models/movinet_a0_stream_int8.tflite)
#   LABELS  its label map                        (default ../shared/models/kinetics600_label_map.txt)
#   DEMO_SECONDS  stop by itself after this many seconds (default: run until Ctrl-C)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${MOVINET_SHARED_DIR:-${root}/../shared}"
VIDEO="${VIDEO:-${shared}/clips/carving_ice.mp4}"
MODEL="${MODEL:-${shared}/models/movinet_a0_stream_int8.tflite}"
LABELS="${LABELS:-${shared}/models/kinetics600_label_map.txt}"
DEMO_SECONDS="${DEMO_SECONDS:-0}"

missing=0
for pair in "MODEL:${MODEL}" "LABELS:${LABELS}"; do
  if [ ! -f "${pair#*:}" ]; then
    echo "make demo: ${pair%%:*} file not found: ${pair#*:}" >&2
    missing=1
  fi
done
if [ "${missing}" -ne 0 ]; then
  cat >&2 <<'MSG'
A MoViNet *stream* TFLite model and its label map are needed. Download one from Kaggle,
model "google/movinet", a TFLite stream variation such as
"a0-stream-kinetics-600-classification-tflite-int8" (its labels: kinetics600_label_map.txt
from tensorflow/examples), then run:
  make demo MODEL=/path/to/model.tflite LABELS=/path/to/labels.txt [VIDEO=/path/to/clip.mp4]
MSG
  exit 1
fi
if [ ! -e "${VIDEO}" ] && ! [[ "${VIDEO}" =~ ^[0-9]+$ ]]; then
  echo "make demo: VIDEO not found: ${VIDEO} (give VIDEO=/path/to/clip.mp4 or a camera index)" >&2
  exit 1
fi

. "${root}/scripts/env.sh" || exit 1
logs="$(mktemp -d)"
pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -INT "${pid}" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pid}" 2>/dev/null
  done
  echo "demo stopped; node and publisher logs in ${logs}"
}
trap cleanup INT TERM EXIT

video_publisher --ros-args -p video:="${VIDEO}" -r image:=/camera/image_raw \
  >"${logs}/video_publisher.log" 2>&1 &
pids+=($!)
movinet_node --ros-args -p model_path:="${MODEL}" -p labels_path:="${LABELS}" \
  -r image:=/camera/image_raw >"${logs}/movinet_node.log" 2>&1 &
pids+=($!)
echo "playing ${VIDEO} on /camera/image_raw; movinet node publishing /actions (logs: ${logs})"
movinet-ros watch --topic /actions --seconds "${DEMO_SECONDS}"
