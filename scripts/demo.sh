#!/usr/bin/env bash
# The live demo behind `make demo`: a video publisher plays a clip as a camera stream, the
# movinet node recognises actions on it, and `movinet-ros watch` shows the live top-k.
# Ctrl-C stops all three. Settings (environment or make variables):
#   VIDEO   video file or camera device index   (default ../shared/clips/carving_ice.mp4)
#   MODEL   MoViNet stream .tflite model         (default ../shared/models/movinet_a0_stream_int8.tflite)
#   LABELS  its label map                        (default ../shared/models/kinetics600_label_map.txt)
#   SIZE    WIDTHxHEIGHT the camera sends, e.g. 640x480 (640x0 keeps the aspect; default: the clip's)
#   RELIABILITY  reliable | best_effort: the kind of camera played (default reliable)
#   DEMO_SECONDS  stop by itself this many seconds after the clip started (default: run until
#                 Ctrl-C)
# The clip starts only once the node's subscription has matched the camera and received its
# first frame, so the first result is the clip's first frame. If the node or the publisher exits or logs an error, the demo stops at
# once, prints those lines and exits with status 1.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${MOVINET_SHARED_DIR:-${root}/../shared}"
VIDEO="${VIDEO:-${shared}/clips/carving_ice.mp4}"
MODEL="${MODEL:-${shared}/models/movinet_a0_stream_int8.tflite}"
LABELS="${LABELS:-${shared}/models/kinetics600_label_map.txt}"
SIZE="${SIZE:-}"
RELIABILITY="${RELIABILITY:-reliable}"
DEMO_SECONDS="${DEMO_SECONDS:-0}"
START_SECONDS=120  # model loading on a busy machine included

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
if ! [[ "${DEMO_SECONDS}" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "make demo: DEMO_SECONDS must be a number of seconds (0: until Ctrl-C), got '${DEMO_SECONDS}'" >&2
  exit 1
fi
size_args=()
if [ -n "${SIZE}" ]; then
  if ! [[ "${SIZE}" =~ ^([0-9]+)x([0-9]+)$ ]]; then
    echo "make demo: SIZE must be WIDTHxHEIGHT, e.g. SIZE=640x480 (640x0 keeps the aspect), got '${SIZE}'" >&2
    exit 1
  fi
  size_args=(-p "width:=${BASH_REMATCH[1]}" -p "height:=${BASH_REMATCH[2]}")
fi

. "${root}/scripts/env.sh" || exit 1
logs="$(mktemp -d)"
pids=()
failed=0
cleanup() {
  trap - INT TERM EXIT
  [ -n "${timer_pid:-}" ] && kill "${timer_pid}" 2>/dev/null
  for pid in "${pids[@]}"; do kill -INT "${pid}" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pid}" 2>/dev/null
  done
  # The viewer's own complaint (nothing arrived) only matters when nothing else went wrong.
  [ "${failed}" -eq 0 ] && cat "${logs}/watch.err" >&2
  echo "demo stopped; node and publisher logs in ${logs}"
}
trap cleanup EXIT
# Ctrl-C reaches the three processes too; they end cleanly, which is not a failure to report.
trap 'exit 130' INT TERM

# Stop at once, showing why, when the node or the publisher has died or logged an error:
# their output goes to log files, where an error would otherwise stay unseen.
check_processes() {
  local name pid errors status
  for name in movinet_node video_publisher; do
    [ -f "${logs}/${name}.pid" ] || continue
    pid="$(cat "${logs}/${name}.pid")"
    errors="$(grep -E '^\[(ERROR|FATAL)\]|Traceback|^[a-z_]+: error: ' "${logs}/${name}.log")"
    if kill -0 "${pid}" 2>/dev/null; then
      [ -z "${errors}" ] && continue
      echo "make demo: ${name} logged an error:" >&2
    else
      wait "${pid}"; status=$?
      # The node and the publisher run until they are stopped: a clean end is a SIGINT
      # that the trap above did not see (bash started with it ignored, as by a script's
      # `&`, cannot trap it), not a failure.
      [ "${status}" -eq 0 ] && [ -z "${errors}" ] && exit 130
      echo "make demo: ${name} exited with code ${status}:" >&2
      [ -z "${errors}" ] && errors="$(tail -n 20 "${logs}/${name}.log")"
    fi
    echo "${errors}" >&2
    failed=1
    exit 1
  done
}

# wait_for_line NAME PATTERN WHAT [SECONDS]: until NAME's log has PATTERN, at most SECONDS
# (default START_SECONDS).
wait_for_line() {
  local limit="${4:-${START_SECONDS}}"
  local deadline=$((SECONDS + limit))
  until grep -q "$2" "${logs}/$1.log"; do
    check_processes
    if [ "${SECONDS}" -ge "${deadline}" ]; then
      echo "make demo: $1 did not $3 in ${limit} s; its log:" >&2
      tail -n 20 "${logs}/$1.log" >&2
      failed=1
      exit 1
    fi
    sleep 0.2
  done
}

start() {  # start NAME ARGS...: run an executable in the background, output to its log
  local name="$1"
  shift
  : >"${logs}/${name}.log"  # exists at once: the background job opens it asynchronously
  "${name}" "$@" >"${logs}/${name}.log" 2>&1 &
  pids+=($!)
  echo $! >"${logs}/${name}.pid"
}

# The viewer first, so it has found the node's output by the time the first result comes.
# It runs until stopped: DEMO_SECONDS counts from the clip's start (below), so a slow start
# (model loading on a busy machine) takes nothing from the clip shown.
movinet-ros watch --topic /actions --ready-file "${logs}/watch.ready" 2>"${logs}/watch.err" &
watch_pid=$!
pids+=("${watch_pid}")
# The node subscribes with the reliability of the camera played, known here: with input_qos
# auto, a camera discovered more than 2 s after activation (a busy machine) is subscribed best
# effort first, then again reliable, and the first frame could fall between the two.
case "${RELIABILITY}" in
  best_effort) input_qos=sensor_data ;;
  *) input_qos=reliable ;;  # a wrong value: video_publisher says what is wrong
esac
echo "starting the movinet node with $(basename "${MODEL}") (logs: ${logs})"
start movinet_node --ros-args -p model_path:="${MODEL}" -p labels_path:="${LABELS}" \
  -p input_qos:="${input_qos}" -r image:=/camera/image_raw
wait_for_line movinet_node '\]: active: ' 'become active'
# The viewer must have matched the node's output before the first frame goes, or it misses
# the first results, and the first result would not be the clip's first frame.
deadline=$((SECONDS + START_SECONDS))
until [ -e "${logs}/watch.ready" ]; do
  check_processes
  if ! kill -0 "${watch_pid}" 2>/dev/null || [ "${SECONDS}" -ge "${deadline}" ]; then
    echo "make demo: the viewer did not match /actions in ${START_SECONDS} s:" >&2
    cat "${logs}/watch.err" >&2
    failed=1
    exit 1
  fi
  sleep 0.1
done
# wait_for_subscribers holds the first frame until the node's subscription has matched, and
# the second until the node has acknowledged the first.
start video_publisher --ros-args -p video:="${VIDEO}" -p reliability:="${RELIABILITY}" \
  -p wait_for_subscribers:=1 -p wait_for_subscribers_sec:="${START_SECONDS}" \
  "${size_args[@]}" -r image:=/camera/image_raw
wait_for_line video_publisher '\]: publishing ' 'start publishing'
grep -o 'publishing .*' "${logs}/video_publisher.log"
# The clip starts when the node has matched (discovery can take seconds): DEMO_SECONDS count
# from there. The publisher holds the frames START_SECONDS at most, then publishes anyway.
wait_for_line video_publisher '\]: first frame published' 'publish its first frame' \
  $((START_SECONDS + 10))
if [ "${DEMO_SECONDS}" != 0 ]; then
  # The viewer ends on SIGINT as on Ctrl-C: its status says whether anything arrived.
  ( sleep "${DEMO_SECONDS}"; : >"${logs}/demo_seconds_up"; kill -INT "${watch_pid}" 2>/dev/null ) &
  timer_pid=$!
fi
while kill -0 "${watch_pid}" 2>/dev/null; do
  check_processes
  sleep 0.2
done
wait "${watch_pid}"
status=$?
check_processes
# The viewer runs until it is stopped: ended with 0 before DEMO_SECONDS were up, a SIGINT
# or SIGTERM stopped it. Say 130 here too: bash started with SIGINT ignored runs no trap.
if [ "${status}" -eq 0 ] && [ ! -e "${logs}/demo_seconds_up" ]; then
  status=130
fi
exit "${status}"
