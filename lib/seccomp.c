/* seccomp.c - the seccomp filters of a context, and Landlock for the spectator.
 *
 * Filters are classic BPF built at run time: an architecture check first
 * (a filter for one ABI must not be bypassed through another: wrong arch or
 * the x32 syscall range is refused), then one block per rule, then allow.
 * Filters are installed while CAP_SYS_ADMIN is still held, so no
 * no_new_privs is needed and setuid programs inside keep working (within
 * the bounding set).
 */
#include "vsbox.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
#define ARCH_NR AUDIT_ARCH_X86_64
#define X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define ARCH_NR AUDIT_ARCH_AARCH64
#define X32_BIT 0
#else
#error "vsbox: add this architecture's AUDIT_ARCH to lib/seccomp.c"
#endif

/* newer than some libcs' headers; the same number on every architecture */
#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467
#endif
#ifndef SYS_file_setattr
#define SYS_file_setattr 469
#endif
#define TIOCSTI_ 0x5412u
#define TIOCLINUX_ 0x541cu
#define FS_IOC_FSSETXATTR_ 0x401c5820u   /* _IOW('X', 32, struct fsxattr) */
#define FS_IOC_SETFLAGS_ 0x40086602u     /* _IOW('f', 2, long) */
#define FS_IOC32_SETFLAGS_ 0x40046602u   /* _IOW('f', 2, int) */
/* btrfs subvolumes and snapshots: _IOW(0x94, N, vol_args (4096) or
 * vol_args_v2 (4096)) for N = 1 SNAP_CREATE, 14 SUBVOL_CREATE, 23
 * SNAP_CREATE_V2, 24 SUBVOL_CREATE_V2 */
#define BTRFS_IOC_(n) (0x50009400u | (n))

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
		  CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | 0x80 /* NEWTIME */)
#define DENY(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define OFF_NR offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)
#define OFF_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define OFF_HI(i) (OFF_LO(i) + 4)   /* little-endian: the high word follows */

static struct sock_filter prog[512] BIG;
static unsigned len;

static void emit(struct sock_filter f)
{
	if (len == sizeof(prog) / sizeof(prog[0]))
		die("seccomp filter too long");
	prog[len++] = f;
}

static void load(unsigned off)
{
	emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off));
}

/* Every block starts with the syscall number in A and leaves it there on
 * the "not me" path, which jumps straight to the next block. */
static void deny(int nr, int err)
{
	emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1));
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY(err)));
}

/* deny nr unless every argument in the list is 0 (0 = "this process") */
static void deny_unless_zero(int nr, int nargs, const int *args)
{
	unsigned m = (unsigned)nargs;

	emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 4 * m + 2 + 1));
	for (unsigned i = 0; i < m; i++) {
		unsigned j = 4 * i;
		load(OFF_LO(args[i]));
		emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4 * m + 1 - (j + 2)));
		load(OFF_HI(args[i]));
		emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4 * m + 1 - (j + 4)));
	}
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY(EPERM)));
	load(OFF_NR);
}

/* deny nr when argument arg (low word) equals one of vals */
static void deny_arg_in(int nr, int arg, int n, const unsigned *vals)
{
	unsigned u = (unsigned)n;

	emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, u + 3 + 1));
	load(OFF_LO(arg));
	for (unsigned i = 0; i < u; i++)
		emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, vals[i],
						  (unsigned char)(u - i - 1), i + 1 == u ? 1 : 0));
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY(EPERM)));
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	load(OFF_NR);
}

/* deny nr when argument arg has any of the bits in mask */
static void deny_arg_bits(int nr, int arg, unsigned mask)
{
	emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 4 + 1));
	load(OFF_LO(arg));
	emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, mask, 0, 1));
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY(EPERM)));
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	load(OFF_NR);
}

/* ---- the default guest set (SC_GUEST) ---------------------------------
 * One named rule per kind of kernel interface a guest's root could use
 * against the host; S_SECCOMP="allow:NAME,..." drops rules by name. The
 * ioctl and namespace rules test arguments and are emitted separately. */
enum { R_IOCTL_TTY = 1, R_IOCTL_FSX, R_IOCTL_FLAGS, R_IOCTL_SUBVOL, R_USERNS };
static const struct guest_rule {
	const char *name;
	int special;            /* R_*: an argument rule, else nr[] is denied */
	int nr[10];             /* 0-terminated (no rule denies read(0)) */
} guest_rules[] = {
	{ "module", 0, { SYS_init_module, SYS_finit_module, SYS_delete_module } },
	{ "kexec", 0, { SYS_kexec_load, SYS_kexec_file_load } },
	{ "reboot", 0, { SYS_reboot } },
	{ "swap", 0, { SYS_swapon, SYS_swapoff } },
	{ "keyring", 0, { SYS_keyctl, SYS_add_key, SYS_request_key } },
	{ "bpf", 0, { SYS_bpf } },
	{ "perf", 0, { SYS_perf_event_open } },
	{ "userfaultfd", 0, { SYS_userfaultfd } },
#ifdef SYS_iopl
	{ "ioport", 0, { SYS_iopl, SYS_ioperm } },
#endif
	{ "acct", 0, { SYS_acct } },
	{ "clock", 0, { SYS_settimeofday, SYS_clock_settime, SYS_clock_adjtime, SYS_adjtimex } },
	{ "handle", 0, { SYS_open_by_handle_at } },
	{ "mount", 0, { SYS_mount, SYS_umount2, SYS_pivot_root, SYS_move_mount, SYS_open_tree,
			SYS_open_tree_attr, SYS_fsopen, SYS_fsmount, SYS_fsconfig, SYS_mount_setattr } },
	{ "quota", 0, { SYS_quotactl, SYS_quotactl_fd } },
	{ "obsolete", 0, {
#ifdef SYS_lookup_dcookie
		SYS_lookup_dcookie,
#endif
#ifdef SYS_nfsservctl
		SYS_nfsservctl,
#endif
		SYS_vhangup } },
	{ "fsxattr", R_IOCTL_FSX, { SYS_file_setattr } },
	{ "fsflags", R_IOCTL_FLAGS, { 0 } },   /* lifted without a disk limit */
	{ "subvol", R_IOCTL_SUBVOL, { 0 } },   /* (lib/conf.c) */
	{ "tiocsti", R_IOCTL_TTY, { 0 } },
	{ "userns", R_USERNS, { 0 } },
};
#define NRULES (sizeof(guest_rules) / sizeof(guest_rules[0]))
static unsigned guest_allowed;       /* bit i: guest_rules[i] is lifted */

int seccomp_rule(const char *name)
{
	for (size_t i = 0; i < NRULES; i++)
		if (!strcmp(name, guest_rules[i].name))
			return (int)i;
	return -1;
}

const char *seccomp_rule_names(void)
{
	static char buf[256];
	size_t n = 0;

	for (size_t i = 0; i < NRULES && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", guest_rules[i].name);
	return buf;
}

void seccomp_loosen(unsigned allow)
{
	guest_allowed = allow;
}

static bool lifted(int special)
{
	for (size_t i = 0; i < NRULES; i++)
		if (guest_rules[i].special == special)
			return guest_allowed & (1u << i);
	return true;
}

static void guest_filter(unsigned what)
{
	unsigned ioc[10], n = 0;

	for (size_t i = 0; i < NRULES; i++) {
		if (guest_allowed & (1u << i))
			continue;
		for (int j = 0; j < 10 && guest_rules[i].nr[j]; j++)
			deny(guest_rules[i].nr[j], EPERM);
	}
	/* TIOCSTI pushes input into the terminal of whoever shares it (a
	 * host shell after "vserver enter"); TIOCLINUX reads the console;
	 * FS_IOC_FSSETXATTR moves files out of the guest's quota project */
	if (!lifted(R_IOCTL_TTY)) {
		ioc[n++] = TIOCSTI_;
		ioc[n++] = TIOCLINUX_;
	}
	if (!lifted(R_IOCTL_FSX))
		ioc[n++] = FS_IOC_FSSETXATTR_;
	/* a guest with a disk limit may not clear PROJINHERIT (chattr -P:
	 * its new files would be nobody's on ext4 and XFS), nor make a btrfs
	 * subvolume or snapshot (it would be outside its qgroup) */
	if (!lifted(R_IOCTL_FLAGS)) {
		ioc[n++] = FS_IOC_SETFLAGS_;
		ioc[n++] = FS_IOC32_SETFLAGS_;
	}
	if (!lifted(R_IOCTL_SUBVOL)) {
		ioc[n++] = BTRFS_IOC_(1);
		ioc[n++] = BTRFS_IOC_(14);
		ioc[n++] = BTRFS_IOC_(23);
		ioc[n++] = BTRFS_IOC_(24);
	}
	if (n)
		deny_arg_in(SYS_ioctl, 1, (int)n, ioc);
	/* no new user namespace: its root would regain every capability
	 * over new namespaces (SC_LOCK already refuses all of them) */
	if (!lifted(R_USERNS) && !(what & SC_LOCK)) {
		deny_arg_bits(SYS_unshare, 0, CLONE_NEWUSER);
		deny_arg_bits(SYS_clone, 0, CLONE_NEWUSER);
		deny(SYS_clone3, ENOSYS);
	}
}

/* ---- reboot(2) in a guest's boot processes (lib/rebootd.c) -------------
 * A filter of its own, installed in the new context by its PID 1 before
 * anything of the guest runs, so that it covers PID 1 and everything it
 * starts, but nothing that enters later (vserver exec, enter: those keep
 * the guest set's EPERM; forked by the guest's spawner, lib/spawner.c,
 * they are under it too, and under seccomp_deny_reboot()'s EPERM). The commands a PID namespace knows (restart,
 * restart2, halt, power off: the kernel ends the namespace, kernel/
 * pid_namespace.c reboot_pid_ns()) go to rebootmgr through the listener
 * (notify), or straight to the kernel when no rebootmgr can take them;
 * Ctrl-Alt-Del on or off is the host's setting and succeeds doing
 * nothing; every other command (kexec, suspend) is refused. The guest set
 * installed next leaves reboot(2) to this filter. */
#define RB_CMD_RESTART 0x01234567u
#define RB_CMD_RESTART2 0xA1B2C3D4u
#define RB_CMD_HALT 0xCDEF0123u
#define RB_CMD_POWER_OFF 0x4321FEDCu
#define RB_CMD_CAD_ON 0x89ABCDEFu
#define RB_CMD_CAD_OFF 0u
int seccomp_reboot_filter(bool notify)
{
	unsigned down = notify ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_NR, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_reboot, 0, 10),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_LO(2)),          /* cmd */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RB_CMD_RESTART, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RB_CMD_RESTART2, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RB_CMD_HALT, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RB_CMD_POWER_OFF, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RB_CMD_CAD_ON, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RB_CMD_CAD_OFF, 2, 0),
		BPF_STMT(BPF_RET | BPF_K, DENY(EPERM)),
		BPF_STMT(BPF_RET | BPF_K, down),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),      /* returns 0 */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = { sizeof(f) / sizeof(f[0]), f };
	/* (x32 numbers are not SYS_reboot: the guest set refuses them) */
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &fp);

	if (fd < 0)
		die_errno("can't install the reboot filter");
	guest_allowed |= 1u << seccomp_rule("reboot");
	return (int)fd;
}

/* A guest's spawner (lib/spawner.c) forks what enters the guest, in the
 * boot's filters: this one more puts back the guest set's answer to its
 * reboot(2), EPERM (ERRNO takes precedence over the boot filter's USER_NOTIF
 * and ALLOW) */
int seccomp_deny_reboot(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_reboot, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, DENY(EPERM)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = { sizeof(f) / sizeof(f[0]), f };

	/* (the architecture: the guest set already kills any other) */
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
}

void seccomp_apply(unsigned what)
{
	static const int who0[] = { 0 }, prio[] = { 0, 1 };
	static const unsigned fcntl_owner[] = { F_SETOWN, F_SETSIG, F_SETOWN_EX };
	struct sock_fprog fp;

	if (!what)
		return;
	len = 0;
	load(OFF_ARCH);
	emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_NR, 1, 0));
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	load(OFF_NR);
	if (X32_BIT) {
		emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1));
		emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY(EPERM)));
	}
	if (what & SC_SPECTATOR) {
		/* context 1 sees every process and can act on none: no signal,
		 * no trace, no memory access, no fd theft, no SIGIO owner, no
		 * limits or scheduling of other processes */
		static const int sig[] = {
			SYS_kill, SYS_tkill, SYS_tgkill, SYS_rt_sigqueueinfo,
			SYS_rt_tgsigqueueinfo, SYS_pidfd_send_signal, SYS_ptrace,
			SYS_process_vm_readv, SYS_process_vm_writev, SYS_pidfd_getfd,
			SYS_process_madvise, SYS_kcmp, SYS_perf_event_open,
			SYS_migrate_pages, SYS_move_pages, SYS_ioprio_set,
		};
		for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
			deny(sig[i], EPERM);
		deny_arg_in(SYS_fcntl, 1, 3, fcntl_owner);
		deny_unless_zero(SYS_prlimit64, 1, who0);
		deny_unless_zero(SYS_sched_setparam, 1, who0);
		deny_unless_zero(SYS_sched_setscheduler, 1, who0);
		deny_unless_zero(SYS_sched_setaffinity, 1, who0);
		deny_unless_zero(SYS_sched_setattr, 1, who0);
		deny_unless_zero(SYS_setpriority, 2, prio);
	}
	if (what & SC_LOCK) {
		/* S_FLAGS=lock: no new namespaces from inside. clone3 passes its
		 * flags in memory a filter cannot read: ENOSYS makes libcs fall
		 * back to clone(), whose flags we can check. */
		deny(SYS_setns, EPERM);
		deny_arg_bits(SYS_unshare, 0, NS_FLAGS);
		deny_arg_bits(SYS_clone, 0, NS_FLAGS);
		deny(SYS_clone3, ENOSYS);
	}
	if (what & SC_GUEST)
		guest_filter(what);
	emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	fp.len = (unsigned short)len;
	fp.filter = prog;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0))
		die_errno("can't install the seccomp filter");
}

/* ---- Landlock -------------------------------------------------------------
 * Declared here rather than taken from <linux/landlock.h>: build hosts with
 * older kernel headers lack the newer access bits and the scope field. */
struct ll_ruleset_attr { uint64_t fs, net, scoped; };
struct ll_path_beneath { uint64_t allowed; int32_t parent_fd; } __attribute__((packed));
#define LL_WRITE_FILE (1ULL << 1)
#define LL_MAKE_BLOCK (1ULL << 11)
#define LL_FS_WRITES  0x1ff2ULL   /* write_file, remove_dir/file, make_* */
#define LL_REFER      (1ULL << 13)   /* ABI 2 */
#define LL_TRUNCATE   (1ULL << 14)   /* ABI 3 */
#define LL_SCOPE_UNIX (1ULL << 0)    /* ABI 6 */
#define LL_SCOPE_SIG  (1ULL << 1)    /* ABI 6 */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* The spectator writes nowhere but terminals and /dev/null, and (ABI 6)
 * signals nothing outside itself. Ptrace of processes outside a Landlock
 * domain is refused by Landlock at every ABI. Returns quietly when the
 * kernel has no Landlock: the caller then falls back to an unprivileged uid. */
void landlock_spectator(void)
{
	static const char *const writable[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx", "/dev/pts",
	};
	int abi = landlock_abi(), rfd;
	struct ll_ruleset_attr ra = { 0 };
	size_t sz = 8;

	if (!abi)
		return;
	ra.fs = LL_FS_WRITES | (abi >= 2 ? LL_REFER : 0) | (abi >= 3 ? LL_TRUNCATE : 0);
	if (abi >= 6) {
		ra.scoped = LL_SCOPE_SIG | LL_SCOPE_UNIX;
		sz = sizeof(ra);
	}
	rfd = (int)syscall(SYS_landlock_create_ruleset, &ra, sz, 0);
	if (rfd < 0)
		die_errno("can't create the Landlock ruleset");
	for (size_t i = 0; i < sizeof(writable) / sizeof(writable[0]); i++) {
		struct ll_path_beneath pb;
		pb.parent_fd = open(writable[i], O_PATH | O_CLOEXEC);
		if (pb.parent_fd < 0)
			continue;
		struct stat st;
		fstat(pb.parent_fd, &st);
		/* directory rules may carry every right; file rules only file ones */
		pb.allowed = LL_WRITE_FILE | (abi >= 3 ? LL_TRUNCATE : 0);
		if (S_ISDIR(st.st_mode))
			pb.allowed = ra.fs;
		if (syscall(SYS_landlock_add_rule, rfd, 1 /* PATH_BENEATH */, &pb, 0))
			die_errno("can't add a Landlock rule for %s", writable[i]);
		close(pb.parent_fd);
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0))
		die_errno("can't enforce the Landlock ruleset");
	close(rfd);
}

/* A guest's Landlock domain, entered just before CMD's exec (and, where
 * the guest has no spawner, by each exec, enter, stop: such an entry gets
 * a domain of its own, which its children inherit).
 *
 * fence: a fence, not a sandbox. The domain restricts no file access (it
 * handles only the making of block devices, and allows that under "/"),
 * because a process in a domain may trace only processes of its own
 * domain or of domains nested in it. With CAP_SYS_PTRACE, non-dumpable
 * and the capability checks no longer keep a context from tracing its
 * vsbox init (which holds descriptors of the host's cgroups and run
 * directory) or a "vserver exec" on its way in (all capabilities until it
 * restricts itself); neither is in a domain, so the fence keeps them out
 * of reach. The price: processes of different entries (the guest's rc and
 * its daemons, each exec or enter) cannot trace each other either.
 *
 * unix_scope (UNIX_SCOPE, default yes; ABI 6, Linux 6.12, else nothing):
 * LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET. A guest on the host's network
 * stack shares its abstract socket names with the host (D-Bus, X11,
 * systemd helpers listen there) and with every other such guest; scoped,
 * a process may connect or send only to abstract sockets made in its own
 * domain or below it. Domains can't be joined, so the guest's first
 * process forks its spawner once restricted (lib/spawner.c), which forks
 * what vserver exec, enter and stop run in this same domain; only where
 * it has none (killed, or a fenced guest: it could be traced) does an
 * entry get a domain of its own, apart from the rc's processes. */
void landlock_enter(bool fence, bool unix_scope)
{
	struct ll_ruleset_attr ra = { fence ? LL_MAKE_BLOCK : 0, 0, LL_SCOPE_UNIX };
	struct ll_path_beneath pb = { LL_MAKE_BLOCK, -1 };
	int abi = landlock_abi(), rfd;

	if (fence && !abi)
		die("CAP_SYS_PTRACE in a context needs Landlock (Linux 5.13+, CONFIG_SECURITY_LANDLOCK)");
	unix_scope = unix_scope && abi >= 6;
	if (!fence && !unix_scope)
		return;
	rfd = (int)syscall(SYS_landlock_create_ruleset, &ra, unix_scope ? sizeof(ra) : (size_t)8, 0);
	if (rfd < 0)
		die_errno("can't create the Landlock ruleset");
	if (fence) {
		pb.parent_fd = open("/", O_PATH | O_CLOEXEC);
		if (pb.parent_fd < 0 || syscall(SYS_landlock_add_rule, rfd, 1 /* PATH_BENEATH */, &pb, 0))
			die_errno("can't add the Landlock rule for /");
		close(pb.parent_fd);
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0))
		die_errno("can't enforce the Landlock ruleset");
	close(rfd);
}
