/* devcg.c - the device allowlist of a guest's cgroup.
 *
 * Kernel interfaces: the v1 devices controller (devices.deny, devices.allow)
 * and, on cgroup v2, a BPF_PROG_TYPE_CGROUP_DEVICE program attached with
 * BPF_F_ALLOW_MULTI (loaded through lib/bpfnet.c's bpf(2) helpers).
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

/* r_d = *(u32 *)(ctx + o), and jumps on a register against a constant */
#define LDXW(d, o) \
	{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = d, .src_reg = BPF_REG_1, .off = o }
#define JNE(r, k, o) { .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = r, .off = o, .imm = k }
#define JEQ(r, k, o) { .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = r, .off = o, .imm = k }

int devcg_bpf(int cgfd)
{
	/* struct bpf_cgroup_dev_ctx: access_type (access << 16 | type), major,
	 * minor; return 1 to allow. The same list as allow_v1. */
	static const struct bpf_insn prog[] = {
		/*  0 */ LDXW(BPF_REG_2, 0),
		/*  1 */ { .code = BPF_ALU64 | BPF_AND | BPF_K, .dst_reg = BPF_REG_2, .imm = 0xffff },
		/*  2 */ LDXW(BPF_REG_3, 4),
		/*  3 */ LDXW(BPF_REG_4, 8),
		/*  4 */ { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		/*  5 */ JNE(BPF_REG_2, BPF_DEVCG_DEV_CHAR, 11),    /* -> 17 deny */
		/*  6 */ JEQ(BPF_REG_3, 136, 11),                   /* -> 18 allow */
		/*  7 */ JNE(BPF_REG_3, 1, 6),                      /* -> 14 */
		/*  8 */ JEQ(BPF_REG_4, 3, 9),
		/*  9 */ JEQ(BPF_REG_4, 5, 8),
		/* 10 */ JEQ(BPF_REG_4, 7, 7),
		/* 11 */ JEQ(BPF_REG_4, 8, 6),
		/* 12 */ JEQ(BPF_REG_4, 9, 5),
		/* 13 */ { .code = BPF_JMP | BPF_JA, .off = 3 },   /* -> 17 */
		/* 14 */ JNE(BPF_REG_3, 5, 2),                      /* -> 17 */
		/* 15 */ JEQ(BPF_REG_4, 0, 2),
		/* 16 */ JEQ(BPF_REG_4, 2, 1),
		/* 17 */ { .code = BPF_JMP | BPF_EXIT },
		/* 18 */ { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		/* 19 */ { .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_load(BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, prog,
			  (int)(sizeof(prog) / sizeof(prog[0])), "vsbox_devices", false);

	if (fd < 0)
		return -1;
	if (bpf_attach(cgfd, fd, BPF_CGROUP_DEVICE, false)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);      /* the cgroup holds it now */
	return 0;
}
