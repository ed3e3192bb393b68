# lowlat.k8snet — developer and CI entry points.  `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# ansible-test needs a real ansible_collections/lowlat/k8snet directory (not a symlink), outside
# this git checkout (inside it, ansible-test would list files through the checkout's git).
TEST_ROOT ?= $(or $(TMPDIR),/tmp)/lowlat-k8snet-test
TEST_TREE := $(TEST_ROOT)/ansible_collections/lowlat/k8snet
# ansible and ansible-playbook use a symlink to the live checkout (see ansible.cfg).
LINK_TREE := .build/collections/ansible_collections/lowlat/k8snet
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build/collections
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Commands the tests use, and the Debian packages that carry them.
DEPS := ip:iproute2 git:git lscpu:util-linux podman:podman runc:runc debootstrap:debootstrap nft:nftables shellcheck:shellcheck ping:iputils-ping nsenter:util-linux
# The qemu test bed's (make vm) commands.
VM_DEPS := qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils mke2fs:e2fsprogs ssh:openssh-client ssh-keygen:openssh-client
SANITY_PYTHON := 3.11

.PHONY: help
help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## Install missing system packages (Debian, as root)
	@missing=""; for dep in $(DEPS); do command -v $${dep%%:*} >/dev/null || missing="$$missing $${dep##*:}"; done; \
	$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	[ -x /usr/lib/cni/bridge ] || missing="$$missing containernetworking-plugins"; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

$(STAMP): requirements-dev.txt
	$(MAKE) --no-print-directory deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

.PHONY: venv
venv: $(STAMP) ## Install the pinned tool chain into .venv

.PHONY: collection
collection: ## Link the checkout as ansible_collections/lowlat/k8snet under .build/
	@mkdir -p $(dir $(LINK_TREE))
	@ln -sfn ../../../.. $(LINK_TREE)

.PHONY: test-tree
test-tree: ## Copy the checkout to $(TEST_ROOT) for ansible-test
	@rm -rf $(TEST_TREE) && mkdir -p $(TEST_TREE)
	@git ls-files -z --cached --others --exclude-standard | grep -zv '^\.build/' \
		| xargs -0 tar -cf - | tar -xf - -C $(TEST_TREE)

.PHONY: pip-standin
pip-standin: ## Put the offline pip bootstrap stand-in where ansible-test looks for it
	@mkdir -p ~/.ansible/test/cache
	@cp tests/tools/get_pip_standin.py ~/.ansible/test/cache/get_pip_24_2.py

.PHONY: test
test: venv collection lint sanity test-units test-lab test-network test-bench test-integration test-vm ## Everything CI runs (as root)

.PHONY: test-units
test-units: venv test-tree pip-standin ## Unit tests (ansible-test units, fixtures of real hosts)
	cd $(TEST_TREE) && $(CURDIR)/$(BIN)/ansible-test units --python $(SANITY_PYTHON) --venv \
		--color no

.PHONY: test-integration
test-integration: venv collection ## Modules on the real kernel (root: netns, veth, a real NIC IRQ)
	$(BIN)/pytest -p no:cacheprovider -v tests/tools tests/integration

.PHONY: sanity
sanity: venv test-tree pip-standin ## ansible-test sanity
	cd $(TEST_TREE) && $(CURDIR)/$(BIN)/ansible-test sanity --python $(SANITY_PYTHON) --venv --color no

.PHONY: lint
lint: venv collection ## ansible-lint (production profile), yamllint, changelog lint
	$(BIN)/yamllint -s .
	@# ansible-lint installs a copy of this collection there and does not refresh it
	rm -rf ~/.ansible/collections/ansible_collections/lowlat/k8snet
	$(BIN)/ansible-lint
	$(BIN)/antsibull-changelog lint

.PHONY: plan
plan: venv collection ## Show this machine's facts and steering plan (changes nothing)
	$(BIN)/ansible-playbook -i localhost, -c local -e ansible_python_interpreter=$(CURDIR)/$(BIN)/python \
		playbooks/plan.yml

.PHONY: lab
lab: deps venv collection ## Build the lab image (cached) and start the two lab hosts
	lab/up.sh

.PHONY: lab-down
lab-down: ## Remove the lab and restore the machine's host-global kernel values
	lab/down.sh

.PHONY: site-lab
site-lab: lab ## Run site.yml on the lab's benchnodes
	$(BIN)/ansible-playbook -i inventories/lab playbooks/site.yml -l benchnodes

.PHONY: demo
demo: site-lab ## The lab, site.yml, every mode its kernel supports, a short sweep, report.html
	$(BIN)/ansible-playbook -i inventories/lab playbooks/benchmark.yml -l benchnodes \
		-e '{"bench_sweep_repeats": 1, "bench_sweep_duration": 3, "bench_sweep_warmup": 1, "bench_sweep_rates": ["30%", "50%"]}' \
		-e bench_sweep_results_dir=$(CURDIR)/bench-results

.PHONY: bench-lab
bench-lab: site-lab ## The full sweep on the lab (3 repeats, 10 s points, tuned and untuned): results in bench-results/
	$(BIN)/ansible-playbook -i inventories/lab playbooks/benchmark.yml -l benchnodes \
		-e '{"bench_sweep_tunings": ["tuned", "untuned"]}' -e bench_sweep_results_dir=$(CURDIR)/bench-results

.PHONY: vm-deps
vm-deps: ## Install the qemu test bed's system packages (Debian, as root)
	@missing=""; for dep in $(VM_DEPS); do command -v $${dep%%:*} >/dev/null || missing="$$missing $${dep##*:}"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

.PHONY: vm
vm: deps vm-deps venv collection ## Build the guest image (cached) and boot the two qemu guests (prints the boot time)
	lab/vm/up.sh

.PHONY: vm-down
vm-down: ## Stop the qemu guests and remove their overlays, taps and bridge
	lab/vm/down.sh

.PHONY: test-vm
test-vm: deps vm-deps venv collection ## molecule on the qemu guests: site.yml, ipvlan l2/l3 pod to pod, IRQ/RPS/XPS/RFS read back, reset
	rm -rf ~/.ansible/collections/ansible_collections/lowlat/k8snet
	$(BIN)/molecule test -s vm

.PHONY: reset-lab
reset-lab: ## Run reset.yml on the lab's benchnodes
	$(BIN)/ansible-playbook -i inventories/lab playbooks/reset.yml -l benchnodes

.PHONY: test-lab
test-lab: deps venv collection ## molecule test: site.yml on the lab, idempotence, verify, restart, reset
	rm -rf ~/.ansible/collections/ansible_collections/lowlat/k8snet
	$(BIN)/molecule test

.PHONY: test-network
test-network: deps venv collection ## molecule: every network mode the lab kernel has, its engines, and reset
	rm -rf ~/.ansible/collections/ansible_collections/lowlat/k8snet
	$(BIN)/molecule test -s network
	$(BIN)/molecule test -s network-macvlan
	$(BIN)/molecule test -s network-vxlan
	$(BIN)/molecule test -s network-aws
	$(BIN)/molecule test -s network-engines

.PHONY: test-bench
test-bench: deps venv collection ## molecule: site.yml and a short benchmark on the lab (host, macvlan; 2 repeats)
	rm -rf ~/.ansible/collections/ansible_collections/lowlat/k8snet
	$(BIN)/molecule test -s benchmark

.PHONY: bench
bench: venv collection ## Plan time for 8192 CPUs and a 256-queue NIC (goal < 50 ms)
	PYTHONPATH=$(CURDIR)/.build/collections $(BIN)/python benchmarks/plan_time.py

.PHONY: build
build: venv ## Build the collection tarball into dist/
	$(BIN)/ansible-galaxy collection build --force --output-path dist

.PHONY: clean
clean: ## Remove build and test output (keeps .venv)
	rm -rf .build dist tests/output
