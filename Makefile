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
DEPS := ip:iproute2 git:git ssh:openssh-client ssh-keygen:openssh-client lscpu:util-linux podman:podman runc:runc debootstrap:debootstrap nft:nftables shellcheck:shellcheck ping:iputils-ping nsenter:util-linux
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

.PHONY: check
check: venv collection lint sanity test-units test-tools test-install bench ## The inner loop, a few minutes, no root: lint, sanity, unit tests, pure tests of tools and oracles, the installed tarball, plan-time goal

.PHONY: test
test: deps vm-deps venv collection ## Everything CI runs (as root): check, the real kernel and the lab chain, beside them the qemu guests
	@# The qemu guests have kernels of their own and share nothing with this machine's kernel, so
	@# they run beside everything else, their output prefixed with [vm]; both must pass.
	@# Each part's output is kept in .build/test-*.log; the end of a failed part's log is printed
	@# again last, where a reader of the tail of a long interleaved log finds it.
	@mkdir -p .build; rm -f .build/test-vm.rc; \
	( $(MAKE) --no-print-directory test-vm 2>&1 | sed -u 's/^/[vm] /' | tee .build/test-vm.log; \
	  echo "$${PIPESTATUS[0]}" > .build/test-vm.rc ) & \
	$(MAKE) --no-print-directory check test-integration test-lab 2>&1 | tee .build/test-native.log; \
	native=$${PIPESTATUS[0]}; wait; vm=$$(cat .build/test-vm.rc); \
	for part in native vm; do \
		[ "$${!part}" = 0 ] || { echo "==== make test: the last 150 lines of the failed part ($$part) ===="; \
			tail -n 150 .build/test-$$part.log; }; \
	done; \
	echo "make test: check, real kernel and lab: exit $$native; qemu guests: exit $$vm"; \
	[ "$$native" = 0 ] && [ "$$vm" = 0 ]

.PHONY: test-units
test-units: venv test-tree pip-standin ## Unit tests (ansible-test units, fixtures of real hosts)
	cd $(TEST_TREE) && $(CURDIR)/$(BIN)/ansible-test units --python $(SANITY_PYTHON) --venv \
		--color no

.PHONY: test-tools
test-tools: venv ## Pure tests, no root: tools/report.py and the test oracles (tests/oracles)
	$(BIN)/pytest -p no:cacheprovider -q tests/tools tests/oracles

.PHONY: test-install
test-install: venv ## Build the tarball, install it into an empty collections path, ansible-doc every plugin and run lowlat.k8snet.plan from there
	tests/install/check.sh $(TEST_ROOT)-install

.PHONY: test-integration
test-integration: venv collection ## Modules on the real kernel (root: netns, veth, a real NIC IRQ)
	time $(BIN)/pytest -p no:cacheprovider -v tests/integration

.PHONY: sanity
sanity: venv test-tree pip-standin ## ansible-test sanity
	cd $(TEST_TREE) && $(CURDIR)/$(BIN)/ansible-test sanity --python $(SANITY_PYTHON) --venv --color no

.PHONY: lint
lint: venv collection ## ansible-lint (production profile), yamllint, changelog lint
	$(BIN)/yamllint -s .
	@# ansible-lint installs a copy of this collection there and does not refresh it: removed before
	@# (a stale one would be linted) and after (molecule would find it before the checkout's)
	rm -rf ~/.ansible/collections/ansible_collections/lowlat/k8snet
	$(BIN)/ansible-lint
	rm -rf ~/.ansible/collections/ansible_collections/lowlat/k8snet
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

# Under software emulation a Python module run costs ~3 s in a guest (importing Ansible's
# module_utils): the qemu scenario runs with mitogen's strategy, which keeps one interpreter per
# guest. The lab scenarios run with Ansible's own strategy, as users do.
MITOGEN_STRATEGY = $(shell $(BIN)/python -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))' 2>/dev/null)/plugins/strategy

.PHONY: test-vm
test-vm: deps vm-deps venv collection ## molecule on the qemu guests: site.yml, rule checks of IRQ/RPS/XPS/RFS, 1 vs 4 queues, ipvlan l2/l3 pod to pod, reset and every value back
	rm -rf ~/.ansible/collections/ansible_collections/lowlat/k8snet
	rm -rf .build/molecule/vm
	time MOLECULE_EPHEMERAL_DIRECTORY=$(CURDIR)/.build/molecule/vm ANSIBLE_STRATEGY_PLUGINS=$(MITOGEN_STRATEGY) \
		ANSIBLE_STRATEGY=mitogen_linear $(BIN)/molecule test -s vm

.PHONY: reset-lab
reset-lab: ## Run reset.yml on the lab's benchnodes
	$(BIN)/ansible-playbook -i inventories/lab playbooks/reset.yml -l benchnodes

# The lab scenarios, in the order the chain runs them: each leaves the lab as it found it.
LAB_SCENARIOS ?= default network network-macvlan network-vxlan network-aws network-engines benchmark

.PHONY: test-lab
test-lab: deps venv collection ## The lab up once for every lab scenario in turn (LAB_SCENARIOS), reset.yml, host-global values checked, lab down
	rm -rf ~/.ansible/collections/ansible_collections/lowlat/k8snet
	@# molecule keeps its state (created, prepared) between runs: after a run that failed in destroy,
	@# the next would skip create and prepare. Each run starts from a state directory of its own.
	rm -rf .build/molecule/lab
	time MOLECULE_EPHEMERAL_DIRECTORY=$(CURDIR)/.build/molecule/lab \
		$(BIN)/molecule test --shared-state $(foreach s,$(LAB_SCENARIOS),-s $(s))

.PHONY: bench
bench: venv collection ## lscpu_topology + steering_plan for 8192 CPUs and a 256-queue NIC (fails above the goal of 50 ms end to end)
	PYTHONPATH=$(CURDIR)/.build/collections $(BIN)/python benchmarks/plan_time.py

.PHONY: build
build: venv ## Build the collection tarball into dist/
	$(BIN)/ansible-galaxy collection build --force --output-path dist

.PHONY: clean
clean: ## Remove build and test output (keeps .venv)
	rm -rf .build dist tests/output
