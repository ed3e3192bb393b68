#!/usr/bin/env bash
# The collection as other clusters get it: build the tarball, install it into an empty collections
# path, and from there (not from the checkout) show every plugin's documentation and
# run lowlat.k8snet.plan on this machine (it changes nothing).
# Usage: tests/install/check.sh WORK_DIR   (make test-install; ansible-* from PATH)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:?usage: $0 WORK_DIR}
rm -rf "$work" && mkdir -p "$work"
cd "$work"
# no configuration of the checkout's, and only the installed copy of lowlat.k8snet (its
# dependencies come with the `ansible` package)
: > ansible.cfg
export ANSIBLE_CONFIG=$work/ansible.cfg ANSIBLE_COLLECTIONS_PATH=$work/collections
fail() { echo "test-install: $*" >&2; exit 1; }

ansible-galaxy collection build --output-path "$work/dist" "$src" >/dev/null
tarball=$(echo "$work"/dist/lowlat-k8snet-*.tar.gz)
[ -f "$tarball" ] || fail "no tarball built"
files=$(tar tzf "$tarball")
dev=$(grep -E '^(\.[a-z]|molecule/|lab/|tests/|benchmarks/|inventories/(lab|vm)/|Makefile$|ansible\.cfg$|requirements-dev\.txt$)' \
      <<<"$files" || true)
[ -z "$dev" ] || fail "the tarball ships the development tree: $(tr "\n" " " <<<"$dev" | head -c 300)"
for needed in playbooks/site.yml playbooks/plan.yml playbooks/reset.yml tools/report.py meta/runtime.yml; do
    grep -qx "$needed" <<<"$files" || fail "the tarball lacks $needed"
done

ansible-galaxy collection install --offline --no-deps -p "$work/collections" "$tarball" >/dev/null
installed=$work/collections/ansible_collections/lowlat/k8snet

# every module, filter and lookup of the checkout, documented, from the installed copy
count=0
for kind in module filter lookup; do
    case $kind in
        module) names=$(cd "$src/plugins/modules" && ls ./*.py) ;;
        filter) names=$(cd "$src/plugins/filter" && ls ./*.yml) ;;   # one documentation file per filter
        lookup) names=$(cd "$src/plugins/lookup" && ls ./*.py) ;;
    esac
    for name in $names; do
        name=${name#./}; name=${name%.*}
        where=$(ansible-doc -t "$kind" -j "lowlat.k8snet.$name" \
                | python3 -c 'import json, sys; print(list(json.load(sys.stdin).values())[0]["doc"]["filename"])') \
            || fail "ansible-doc -t $kind lowlat.k8snet.$name failed"
        case $where in "$installed"/*) ;; *) fail "lowlat.k8snet.$name documented from $where, not the installed copy" ;; esac
        count=$((count + 1))
    done
done

out=$(ansible-playbook lowlat.k8snet.plan -i localhost, -c local \
      -e ansible_python_interpreter="$(command -v python3)" 2>&1) || fail "lowlat.k8snet.plan failed: ${out: -2000}"
grep -q '"plan":' <<<"$out" || fail "lowlat.k8snet.plan printed no plan: ${out: -2000}"
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' <<<"$out" \
    || fail "lowlat.k8snet.plan changed or failed something: ${out: -2000}"
echo "test-install: $(wc -l <<<"$files") files, $(du -k "$tarball" | cut -f1) KB; $count modules, filters and lookups" \
     "documented and lowlat.k8snet.plan run from the installed copy"
