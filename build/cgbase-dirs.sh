#!/bin/sh
# cgbase-dirs.sh - the cgroup directories of a relative VSBOX_CGROUP_BASE
# (the tests', the benches' and the demo's): the base below the caller's own
# cgroup in every mounted hierarchy and everything under it, deepest first,
# each once. For cleanup: `for d in $(sh cgbase-dirs.sh); do rmdir "$d"; done`.
: "${VSBOX_CGROUP_BASE:?}"
case $VSBOX_CGROUP_BASE in /*) echo "cgbase-dirs.sh: $VSBOX_CGROUP_BASE is not relative" >&2; exit 2 ;; esac
for m in $(sh "$(dirname "$0")/cgmounts.sh" | awk '{ print $2 }'); do
	for p in $(cut -d: -f3- /proc/self/cgroup | sort -u); do
		[ "$p" = / ] && p=""
		d="$m$p/$VSBOX_CGROUP_BASE"
		[ -d "$d" ] && find "$d" -depth -type d
	done
done | awk '!seen[$0]++'
