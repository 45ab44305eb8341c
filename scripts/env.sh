# Source this file (". scripts/env.sh") from any shell in the repository, after `make setup`.
# It activates the project's venv (ROS 2 Kilted wheels; with ROS_DISTRO=jazzy set, the
# Jazzy one of `make setup ROS_DISTRO=jazzy`), puts the colcon-built packages
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

# The same folders as the Makefile's for each distribution.
case "${ROS_DISTRO:-kilted}" in
  jazzy) _movinet_suffix=-jazzy; export ROS_DISTRO=jazzy ;;
  kilted) _movinet_suffix=; export ROS_DISTRO=kilted ;;
  *) echo "movinet_ros: ROS_DISTRO=${ROS_DISTRO}: the wheels path has kilted and jazzy" >&2
     return 1 2>/dev/null || exit 1 ;;
esac
_movinet_venv="${MOVINET_ROS_ROOT}/.venv${_movinet_suffix}"
_movinet_install="${MOVINET_ROS_ROOT}/install${_movinet_suffix}"
unset _movinet_suffix
if [ ! -x "${_movinet_venv}/bin/python" ] || [ ! -f "${_movinet_install}/local_setup.sh" ]; then
  echo "movinet_ros: not set up yet for ${ROS_DISTRO}; run 'make setup ROS_DISTRO=${ROS_DISTRO}'" \
       "in ${MOVINET_ROS_ROOT} first" >&2
  unset _movinet_venv _movinet_install
  return 1 2>/dev/null || exit 1
fi

# The venv and colcon scripts read unset variables: allow that even under `set -u`.
case $- in *u*) _movinet_nounset=1; set +u ;; *) _movinet_nounset= ;; esac
VIRTUAL_ENV_DISABLE_PROMPT=1 . "${_movinet_venv}/bin/activate"
# The wheels are an ament prefix of their own: rclpy looks up type support and
# interfaces there.
case ":${AMENT_PREFIX_PATH:-}:" in
  *":${VIRTUAL_ENV}:"*) ;;
  *) export AMENT_PREFIX_PATH="${VIRTUAL_ENV}${AMENT_PREFIX_PATH:+:${AMENT_PREFIX_PATH}}" ;;
esac
COLCON_CURRENT_PREFIX="${_movinet_install}" . "${_movinet_install}/local_setup.sh"
case ":${PATH}:" in
  *":${_movinet_install}/movinet_ros/lib/movinet_ros:"*) ;;
  *) export PATH="${_movinet_install}/movinet_ros/lib/movinet_ros:${PATH}" ;;
esac
unset _movinet_venv _movinet_install
export RMW_IMPLEMENTATION="${RMW_IMPLEMENTATION:-rmw_fastrtps_cpp}"
[ -n "${_movinet_nounset}" ] && set -u
unset _movinet_nounset
