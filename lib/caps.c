/* caps.c - capability names and sets, through libcap.
 *
 * A context's ceiling is the capability bounding set (PR_CAPBSET_DROP):
 * execve() of a setuid-root or file-capability binary gets at most the
 * bounding set, so a dropped capability cannot come back. The inheritable
 * and ambient sets are lowered with it; they are not limited by the
 * bounding set on their own and would otherwise carry a capability across.
 */
#include "vsbox.h"
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define B(c) (1ULL << (c))

int cap_lookup(const char *s)
{
	char name[64];
	cap_value_t v;
	size_t i;

	if (*s >= '0' && *s <= '9') {
		char *end;
		long n = strtol(s, &end, 10);
		return *end || n >= (long)cap_max_bits() ? -1 : (int)n;
	}
	/* "CAP_NET_RAW", "cap_net_raw", "NET_RAW" and "net_raw" all work */
	if (strlen(s) + 5 > sizeof(name))
		return -1;
	i = (size_t)snprintf(name, sizeof(name), "%s", strncasecmp(s, "cap_", 4) ? "cap_" : "");
	for (const char *p = s; *p; p++)
		name[i++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	name[i] = 0;
	if (cap_from_name(name, &v) || v < 0 || v >= (cap_value_t)cap_max_bits())
		return -1;
	return v;
}

int parse_cap(const char *s, const char *what)
{
	int v;

	if (*s >= '0' && *s <= '9')
		return (int)parse_long(s, 0, (long)cap_max_bits() - 1, what);
	if ((v = cap_lookup(s)) < 0)
		usage_die("%s: unknown capability '%s'", what, s);
	return v;
}

uint64_t caps_all(void)
{
	unsigned n = cap_max_bits();
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

/* What --secure keeps: what a guest's root needs to run ordinary services
 * (own its files, switch users, bind low ports, chroot), and nothing that
 * reaches the host: no mount/namespaces (SYS_ADMIN), devices (MKNOD,
 * SYS_RAWIO), raw sockets (NET_RAW bypasses the IP lock), network setup,
 * clock, modules, reboot, limits, file handles (DAC_READ_SEARCH,
 * open_by_handle_at), ptrace, immutable bits (LINUX_IMMUTABLE guards
 * unified files). */
uint64_t caps_secure(void)
{
	return caps_all() & (B(CAP_CHOWN) | B(CAP_DAC_OVERRIDE) | B(CAP_FOWNER) |
		B(CAP_FSETID) | B(CAP_KILL) | B(CAP_SETGID) | B(CAP_SETUID) |
		B(CAP_SETPCAP) | B(CAP_NET_BIND_SERVICE) | B(CAP_SYS_CHROOT) |
		B(CAP_AUDIT_WRITE) | B(CAP_SETFCAP));
}

/* What a context keeps without --secure: everything except what would let
 * it leave the context or act on the host (the --secure list, plus IPC and
 * lease and terminal configuration, which stay inside the context). */
uint64_t caps_default(void)
{
	return caps_secure() | (caps_all() & (B(CAP_IPC_LOCK) | B(CAP_IPC_OWNER) |
		B(CAP_LEASE) | B(CAP_NET_BROADCAST) | B(CAP_SYS_TTY_CONFIG)));
}

/* CapBnd / CapAmb from /proc/self/status: one read instead of a prctl
 * per capability; the prctl probe remains for a missing /proc */
static bool status_sets(uint64_t *bnd, uint64_t *amb)
{
	char buf[4096], *p, *q;

	if (read_file("/proc/self/status", buf, sizeof(buf)) < 0 ||
	    !(p = strstr(buf, "\nCapBnd:\t")) || !(q = strstr(buf, "\nCapAmb:\t")))
		return false;
	*bnd = strtoull(p + 9, NULL, 16);
	*amb = strtoull(q + 9, NULL, 16);
	return true;
}

uint64_t caps_bounding(void)
{
	uint64_t set = 0, amb;

	if (status_sets(&set, &amb))
		return set;
	for (unsigned c = 0; c < (unsigned)cap_max_bits() && c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			set |= B(c);
	return set;
}

void caps_reduce(uint64_t keep)
{
	cap_t cur = cap_get_proc();
	cap_value_t drop[64];
	uint64_t bnd = caps_all(), amb = caps_all();
	int nd = 0;

	if (!cur)
		die_errno("can't read capabilities");
	status_sets(&bnd, &amb);
	for (unsigned c = 0; c < (unsigned)cap_max_bits() && c < 64; c++) {
		if (keep & B(c))
			continue;
		drop[nd++] = (cap_value_t)c;
		/* the ceiling first: only then is the drop irreversible */
		if ((bnd & B(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			die_errno("can't drop %s from the bounding set", cap_to_name((cap_value_t)c));
		if (amb & B(c))
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, c, 0, 0);
	}
	/* then the sets of this process, so nothing dropped is inherited */
	if (nd && (cap_set_flag(cur, CAP_INHERITABLE, nd, drop, CAP_CLEAR) ||
		   cap_set_flag(cur, CAP_PERMITTED, nd, drop, CAP_CLEAR) ||
		   cap_set_flag(cur, CAP_EFFECTIVE, nd, drop, CAP_CLEAR) ||
		   cap_set_proc(cur)))
		die_errno("can't lower the capability sets");
	cap_free(cur);
}

int caps_reduce_raw(uint64_t keep, uint64_t all)
{
	struct { uint32_t version; int pid; } h = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
	struct { uint32_t eff, prm, inh; } d[2];

	/* the ceiling first */
	for (unsigned c = 0; c < 64; c++)
		if ((all & ~keep & B(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		return -1;
	if (syscall(SYS_capget, &h, d))
		return -1;
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));
		d[i].eff &= k;
		d[i].prm &= k;
		d[i].inh &= k;
	}
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

void caps_format(uint64_t set, char *buf, size_t n)
{
	snprintf(buf, n, "%016llx", (unsigned long long)set);
}

bool caps_have_setpcap(void)
{
	cap_t cur = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (cur) {
		cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &v);
		cap_free(cur);
	}
	return v == CAP_SET;
}
