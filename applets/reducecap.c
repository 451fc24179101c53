/* reducecap.c - lower the capability ceiling of a command and its children.
 *
 * Kernel interfaces: prctl(PR_CAPBSET_DROP) for the bounding set, capset(2)
 * (libcap) for the inheritable/permitted/effective sets, PR_CAP_AMBIENT.
 * Lowering the bounding set needs CAP_SETPCAP; a caller without it (an
 * ordinary user) gets PR_SET_NO_NEW_PRIVS instead, which stops setuid and
 * file-capability binaries from granting anything at all.
 */
#include "vsbox.h"
#include <sys/prctl.h>

USAGE(reducecap, usage,
"usage: reducecap [--secure] [--cap CAP]... [--show] [--] CMD [ARG]...\n"
"Run CMD with a lower capability ceiling (bounding set); CMD and its children,\n"
"setuid-root programs included, can never regain what was dropped.\n"
"  --secure    keep only the secure set: chown dac_override fowner fsetid kill\n"
"              setgid setuid setpcap net_bind_service sys_chroot audit_write\n"
"              setfcap\n"
"  --cap CAP   drop CAP (without --secure), or keep CAP too (with --secure);\n"
"              names as in capability.h: CAP_NET_RAW, net_raw, NET_RAW\n"
"  --show      print the ceiling CMD would get, as hex, and exit\n"
"Without CAP_SETPCAP (not root) the bounding set cannot be lowered: reducecap\n"
"then sets no_new_privs, so no setuid or file-capability program gains any.\n");

static const struct option opts[] = {
	{ "secure", no_argument, NULL, 's' },
	{ "cap", required_argument, NULL, 'c' },
	{ "show", no_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct { bool secure, show; uint64_t named; } G;

int reducecap_main(int argc, char **argv)
{
	uint64_t keep;
	int c;

	while ((c = opt_next(argc, argv, "h", opts, usage)) != -1) {
		switch (c) {
		case 's': G.secure = true; break;
		case 'c': G.named |= 1ULL << parse_cap(optarg, "--cap"); break;
		case 'S': G.show = true; break;
		}
	}
	/* --cap names what to drop from the current ceiling, or, with --secure,
	 * what to keep beyond the secure set (as chcontext --cap does) */
	keep = caps_bounding();
	keep = G.secure ? keep & (caps_secure() | G.named) : keep & ~G.named;
	if (G.show) {
		printf("%016llx\n", (unsigned long long)keep);
		return 0;
	}
	if (optind >= argc)
		usage_die("no command given");
	if (caps_have_setpcap())
		caps_reduce(keep);
	else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		die_errno("can't set no_new_privs");
	execvp(argv[optind], argv + optind);
	die_errno("can't execute %s", argv[optind]);
}
