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
#include <linux/bpf.h>

static const char *const allow_v1[] = {
	"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
	"c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm",
};

void devcg_v1(const char *dir)
{
	xcg_write(dir, "devices.deny", "a");
	for (size_t i = 0; i < sizeof(allow_v1) / sizeof(allow_v1[0]); i++)
		xcg_write(dir, "devices.allow", allow_v1[i]);
}
