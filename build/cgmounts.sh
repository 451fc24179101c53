#!/bin/sh
# cgmounts.sh - the cgroup hierarchies mounted here, one line each:
# "TYPE MOUNTPOINT SUPEROPTIONS" (TYPE cgroup or cgroup2; a v1 hierarchy's
# controllers are in its super options). For the scripts and tests that
# look for their own cgroup directories; vsbox itself reads mountinfo in C.
awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) ~ /^cgroup2?$/) print $(i + 1), $5, $(i + 3); break } }' /proc/self/mountinfo
