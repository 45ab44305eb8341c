# movinet_ros developer entry points. `make test` and `make demo` set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
# Which ROS 2 wheels from PyPI: kilted (default) or jazzy. Each has its own requirements,
# pinned constraints, venv and colcon folders, so switching never mixes builds:
# make setup ROS_DISTRO=jazzy, make test ROS_DISTRO=jazzy, make demo ROS_DISTRO=jazzy.
ROS_DISTRO ?= kilted
ifeq ($(ROS_DISTRO),kilted)
DISTRO_SUFFIX :=
PROFILE_VARIABLE := FASTDDS_DEFAULT_PROFILES_FILE
# ROS processes of the tests use ROS domains from here on (per distribution, so that both
# suites can run at once without seeing each other).
TEST_DOMAIN_BASE := 1
else ifeq ($(ROS_DISTRO),jazzy)
DISTRO_SUFFIX := -jazzy
PROFILE_VARIABLE := FASTRTPS_DEFAULT_PROFILES_FILE
TEST_DOMAIN_BASE := 51
else
$(error ROS_DISTRO=$(ROS_DISTRO): the PyPI wheels path supports kilted (default) and jazzy; \
	for another distribution use the colcon path of README, "With a ROS 2 installation")
endif
export ROS_DISTRO
MOVINET_TEST_DOMAIN_BASE ?= $(TEST_DOMAIN_BASE)
export MOVINET_TEST_DOMAIN_BASE
VENV := .venv$(DISTRO_SUFFIX)
REQUIREMENTS := requirements$(DISTRO_SUFFIX).txt
CONSTRAINTS := constraints$(DISTRO_SUFFIX).txt
BUILD_BASE := build$(DISTRO_SUFFIX)
INSTALL_BASE := install$(DISTRO_SUFFIX)
LOG_BASE := log$(DISTRO_SUFFIX)
VPY := $(VENV)/bin/python
ENV := . scripts/env.sh &&
# Keep DDS traffic of local runs on this machine, with a shared-memory segment that fits
# camera images (see config/fastdds_images_localhost.xml). Fast DDS 3 (Kilted) reads
# FASTDDS_DEFAULT_PROFILES_FILE, Fast DDS 2 (Jazzy) only FASTRTPS_DEFAULT_PROFILES_FILE.
LOCAL_DDS := ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST \
	$(PROFILE_VARIABLE)=$(CURDIR)/config/fastdds_images_localhost.xml
# make test TESTS=test/ros/test_node.py PYTEST_ARGS='-x -k reset': which tests, pytest's options.
TESTS ?= test
PYTEST_ARGS ?=
# pytest-xdist workers for make test (1: no workers, one process): one more than the cores,
# since the ROS tests spend much of their time waiting on real-time streams (on 2 cores, 2
# workers left the CPU idle 40% of the time: 9:09 against 7:04 with 3). Each worker claims
# its own ROS domains (test/helpers/ros_domains.py); the tests marked timing all go to one
# worker, one at a time (pytest.ini).
JOBS ?= $(shell echo $$(( $$(nproc) + 1 )))
XDIST := $(if $(filter-out 0 1,$(JOBS)),-n $(JOBS) --dist loadgroup)

COLCON_STAMP := $(INSTALL_BASE)/.movinet_ros_built
PACKAGE_SOURCES := $(shell find movinet_ros_interfaces -type f 2>/dev/null) package.xml setup.py \
	setup.cfg resource/movinet_ros $(wildcard launch/*.launch.py config/*.yaml)

.PHONY: setup demo test typecheck lint clean lock bench bench-real flaky

# The main job: the node on a live stream (a clip played as a camera). Overrides:
# make demo VIDEO=clip.mp4 MODEL=model.tflite LABELS=labels.txt SIZE=640x480 \
#   RELIABILITY=best_effort DEMO_SECONDS=20
demo: setup
	$(LOCAL_DDS) VIDEO='$(VIDEO)' MODEL='$(MODEL)' LABELS='$(LABELS)' SIZE='$(SIZE)' \
		RELIABILITY='$(RELIABILITY)' DEMO_SECONDS='$(DEMO_SECONDS)' scripts/demo.sh

setup: $(COLCON_STAMP)

# Python caches what it compiles on first use only if it may write bytecode: an environment
# with PYTHONDONTWRITEBYTECODE set (this CI machine's) had every process of the suite compile
# its imports again (7:22-8:16 of tests from a fresh clone, 5:54 with the cache).
unexport PYTHONDONTWRITEBYTECODE

# Python venv with the pinned ROS 2 wheels, then the wheels' CMake include-path fix-up.
# --no-compile: Python compiles what is imported on first use; compiling all of SciPy,
# Ray and the rest up front took 25 of the install's 80 s.
$(VENV)/.deps_installed: $(REQUIREMENTS) $(CONSTRAINTS) scripts/fix_wheel_cmake_paths.py
	@$(PYTHON) scripts/check_platform.py
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade 'pip>=24'
	$(VPY) -m pip install --quiet --no-compile -r $(REQUIREMENTS) -c $(CONSTRAINTS)
	$(VPY) scripts/fix_wheel_cmake_paths.py
	touch $@

# colcon builds both packages of the repository: the root (movinet_ros, ament_python)
# and the nested movinet_ros_interfaces (ament_cmake + rosidl).
$(COLCON_STAMP): $(VENV)/.deps_installed $(PACKAGE_SOURCES)
	source $(VENV)/bin/activate && \
	export AMENT_PREFIX_PATH=$(CURDIR)/$(VENV) && \
	colcon --log-base $(LOG_BASE) build --base-paths . movinet_ros_interfaces --symlink-install \
		--build-base $(BUILD_BASE) --install-base $(INSTALL_BASE) \
		--event-handlers console_cohesion- status- \
		--cmake-args -DBUILD_TESTING=OFF -DCMAKE_PREFIX_PATH=$(CURDIR)/$(VENV) \
			-DPython3_EXECUTABLE=$(CURDIR)/$(VPY)
	touch $@

# mypy, strict on the ROS-free layers (settings and ignored untyped libraries: setup.cfg).
TYPECHECKED := movinet_ros/core movinet_ros/offline
typecheck: setup
	$(VPY) -m mypy --strict $(TYPECHECKED)

# The type check first, then the suite. pytest exits 5 when it collected no test: that must
# fail, never pass.
test: typecheck
	$(ENV) $(LOCAL_DDS) python -m pytest $(XDIST) $(TESTS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo 'make test: pytest ran no test' >&2; exit 1; fi; exit $$rc

# Hunt flaky tests: TESTS run REPEAT times each way BUSY says (0: quiet, 1: with BUSY_CORES
# cores kept busy, both), each run a pytest of its own; prints every failure and a summary.
# make flaky TESTS='test/ros/test_demo.py::test_first_result_is_the_clips_first_frame' REPEAT=10
REPEAT ?= 10
BUSY ?= both
BUSY_CORES ?= 1
flaky: setup
	@if [ '$(origin TESTS)' = file ]; then echo "make flaky: choose the tests, e.g. \
		TESTS='test/unit/test_x.py::test_y'" >&2; exit 2; fi
	$(ENV) $(LOCAL_DDS) python scripts/flaky.py --repeat $(REPEAT) --busy $(BUSY) \
		--cores $(BUSY_CORES) -- $(TESTS) $(PYTEST_ARGS)

# The node and the pipeline against the model's own floor: a table and a JSON line (~3 min).
# The harness is in tools/ (not installed with the package). Its options: make bench
# BENCH_ARGS='--quick --json' (a smoke run under a minute; the JSON line alone on stdout).
BENCH_ARGS ?=
bench: setup
	$(ENV) $(LOCAL_DDS) python tools/bench.py $(BENCH_ARGS)

# The real-footage benchmark: the clips of ../shared/clips/real/manifest.csv through the
# pipeline's defaults and, beside them, the bare model as the TFLite reference app feeds it
# (every frame, one state); prints the per-clip table (~1 min). SHARED=... for another copy.
SHARED ?= ../shared
bench-real: setup
	$(ENV) movinet-ros eval-dataset $(SHARED)/clips/real/manifest.csv --reference --jobs 1 \
		--model $(SHARED)/models/movinet_a0_stream_int8.tflite \
		--labels $(SHARED)/models/kinetics600_label_map.txt --out $(BUILD_BASE)/bench-real

lint: setup
	$(ENV) python -m pytest $(addprefix test/lint/test_,flake8.py pep257.py copyright.py)

# Re-pin constraints.txt (constraints-jazzy.txt) from the current venv after changing
# requirements.txt (requirements-jazzy.txt).
lock:
	{ echo '# Exact versions of the whole dependency tree of $(REQUIREMENTS) (pip freeze); `make lock'; \
	  echo '# ROS_DISTRO=$(ROS_DISTRO)` regenerates it from the current $(VENV)/.'; \
	  $(VPY) -m pip freeze --exclude-editable | grep -v '^movinet'; } > $(CONSTRAINTS)

clean:
	rm -rf $(BUILD_BASE) $(INSTALL_BASE) $(LOG_BASE)
