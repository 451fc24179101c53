/* devcg.c - the device allowlist of a guest's cgroup.
 *
 * Kernel interfaces: the v1 devices controller (devices.deny, devices.allow)
 * here; on cgroup v2 the same list is a BPF_PROG_TYPE_CGROUP_DEVICE program,
 * one of lib/bpfnet.c's shared programs (bpfnet_devices).
 *
 * A guest may open (and mknod, were it allowed to) only the character
 * devices of its /dev: null zero full random urandom (1:3 5 7 8 9), tty
 * (5:0), ptmx (5:2) and its ptys (136:*). Everything else - a host disk
 * made with mknod, /dev/mem, /dev/kmsg - is refused with EPERM, whatever
 * the guest's capabilities.
 */
#include "vsbox.h"

const struct devallow devcg_allow[] = {
	{ 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 },       /* null zero full random urandom */
	{ 5, 0 }, { 5, 2 }, { 136, -1 },                         /* tty ptmx pts */
};
const size_t devcg_nallow = sizeof(devcg_allow) / sizeof(devcg_allow[0]);

void devcg_v1(const char *dir)
{
	char rule[32];

	xcg_write(dir, "devices.deny", "a");
	for (size_t i = 0; i < devcg_nallow; i++) {
		if (devcg_allow[i].minor < 0)
			snprintf(rule, sizeof(rule), "c %d:* rwm", devcg_allow[i].major);
		else
			snprintf(rule, sizeof(rule), "c %d:%d rwm", devcg_allow[i].major, devcg_allow[i].minor);
		xcg_write(dir, "devices.allow", rule);
	}
}
