# Source this file (". scripts/env.sh") from any shell in the repository, after `make setup`.
# It activates the project's venv (ROS 2 Kilted wheels), puts the colcon-built packages
# (movinet_ros_interfaces, movinet_ros) on the Python, library and ament paths, and puts
# the movinet_ros executables (movinet-ros, movinet_node, ...) on PATH.

if [ -n "${BASH_SOURCE:-}" ]; then
  _movinet_env_file="${BASH_SOURCE}"
elif [ -n "${ZSH_VERSION:-}" ]; then
  _movinet_env_file="${(%):-%x}"
else
  _movinet_env_file="${MOVINET_ROS_ENV_FILE:-scripts/env.sh}"
fi
MOVINET_ROS_ROOT="$(cd "$(dirname "${_movinet_env_file}")/.." && pwd)"
export MOVINET_ROS_ROOT
unset _movinet_env_file

if [ ! -x "${MOVINET_ROS_ROOT}/.venv/bin/python" ] || [ ! -f "${MOVINET_ROS_ROOT}/install/local_setup.sh" ]; then
  echo "movinet_ros: not set up yet; run 'make setup' in ${MOVINET_ROS_ROOT} first" >&2
  return 1 2>/dev/null || exit 1
fi

# The venv and colcon scripts read unset variables: allow that even under `set -u`.
case $- in *u*) _movinet_nounset=1; set +u ;; *) _movinet_nounset= ;; esac
VIRTUAL_ENV_DISABLE_PROMPT=1 . "${MOVINET_ROS_ROOT}/.venv/bin/activate"
# The wheels are an ament prefix of their own: rclpy looks up type support and
# interfaces there.
case ":${AMENT_PREFIX_PATH:-}:" in
  *":${VIRTUAL_ENV}:"*) ;;
  *) export AMENT_PREFIX_PATH="${VIRTUAL_ENV}${AMENT_PREFIX_PATH:+:${AMENT_PREFIX_PATH}}" ;;
esac
COLCON_CURRENT_PREFIX="${MOVINET_ROS_ROOT}/install" . "${MOVINET_ROS_ROOT}/install/local_setup.sh"
case ":${PATH}:" in
  *":${MOVINET_ROS_ROOT}/install/movinet_ros/lib/movinet_ros:"*) ;;
  *) export PATH="${MOVINET_ROS_ROOT}/install/movinet_ros/lib/movinet_ros:${PATH}" ;;
esac
export RMW_IMPLEMENTATION="${RMW_IMPLEMENTATION:-rmw_fastrtps_cpp}"
[ -n "${_movinet_nounset}" ] && set -u
unset _movinet_nounset
