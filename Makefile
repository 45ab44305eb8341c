# movinet_ros developer entry points. `make test` and `make demo` set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
ENV := . scripts/env.sh &&
# Keep DDS traffic of local runs on this machine (see config/fastdds_localhost.xml).
LOCAL_DDS := ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST \
	FASTDDS_DEFAULT_PROFILES_FILE=$(CURDIR)/config/fastdds_localhost.xml
PYTEST_ARGS ?=

COLCON_STAMP := install/.movinet_ros_built
PACKAGE_SOURCES := $(shell find movinet_ros_interfaces -type f 2>/dev/null) package.xml setup.py \
	setup.cfg resource/movinet_ros $(wildcard launch/*.launch.py config/*.yaml)

.PHONY: setup demo test lint clean lock bench

# The main job: the node on a live stream (a clip played as a camera). Overrides:
# make demo VIDEO=clip.mp4 MODEL=model.tflite LABELS=labels.txt SIZE=640x480 \
#   RELIABILITY=best_effort DEMO_SECONDS=20
demo: setup
	$(LOCAL_DDS) VIDEO='$(VIDEO)' MODEL='$(MODEL)' LABELS='$(LABELS)' SIZE='$(SIZE)' \
		RELIABILITY='$(RELIABILITY)' DEMO_SECONDS='$(DEMO_SECONDS)' scripts/demo.sh

setup: $(COLCON_STAMP)

# Python venv with the pinned ROS 2 wheels, then the wheels' CMake include-path fix-up.
$(VENV)/.deps_installed: requirements.txt constraints.txt scripts/fix_wheel_cmake_paths.py
	@$(PYTHON) scripts/check_platform.py
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade 'pip>=24'
	$(VPY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(VPY) scripts/fix_wheel_cmake_paths.py
	touch $@

# colcon builds both packages of the repository: the root (movinet_ros, ament_python)
# and the nested movinet_ros_interfaces (ament_cmake + rosidl).
$(COLCON_STAMP): $(VENV)/.deps_installed $(PACKAGE_SOURCES)
	source $(VENV)/bin/activate && \
	export AMENT_PREFIX_PATH=$(CURDIR)/$(VENV) && \
	colcon --log-base log build --base-paths . movinet_ros_interfaces --symlink-install \
		--event-handlers console_cohesion- status- \
		--cmake-args -DBUILD_TESTING=OFF -DCMAKE_PREFIX_PATH=$(CURDIR)/$(VENV) \
			-DPython3_EXECUTABLE=$(CURDIR)/$(VPY)
	touch $@

# pytest exits 5 when it collected no test: that must fail, never pass.
test: setup
	$(ENV) $(LOCAL_DDS) python -m pytest test $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo 'make test: pytest ran no test' >&2; exit 1; fi; exit $$rc

# The node and the pipeline against the model's own floor: a table and a JSON line (~3 min).
bench: setup
	$(ENV) $(LOCAL_DDS) movinet-ros bench

lint: setup
	$(ENV) python -m pytest test/test_flake8.py test/test_pep257.py test/test_copyright.py

# Re-pin constraints.txt from the current venv after changing requirements.txt.
lock:
	{ echo '# Exact versions of the whole dependency tree of requirements.txt (pip freeze); `make lock`'; \
	  echo '# regenerates it from the current .venv/.'; \
	  $(VPY) -m pip freeze --exclude-editable | grep -v '^movinet'; } > constraints.txt

clean:
	rm -rf build install log
