/* bpf.c - bpf(2) for cgroup programs, without libbpf: load (with the
 * verifier's log when asked), attach with BPF_F_ALLOW_MULTI, detach. The
 * programs themselves (the IP lock, the device allowlist): lib/bpfgen.c,
 * lib/bpfsock.c, loaded and attached by lib/bpfnet.c.
 */
#include "vsbox.h"
#include <linux/bpf.h>
#include <sys/syscall.h>

long bpf_sys(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static char vlog[16384] BIG;       /* the verifier's complaint, on failure */

char *bpf_log(void)
{
	return vlog;
}

int bpf_load(int type, int attach, const void *insn, int n, const char *name, bool log)
{
	static const char license[] = "Dual MIT/GPL";
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = (uint32_t)type;
	a.expected_attach_type = (uint32_t)attach;  /* EINVAL without it */
	a.insns = (uint64_t)(uintptr_t)insn;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)license;
	snprintf(a.prog_name, sizeof(a.prog_name), "%s", name);
	if (log) {
		vlog[0] = 0;
		a.log_level = 1;
		a.log_buf = (uint64_t)(uintptr_t)vlog;
		a.log_size = sizeof(vlog);
	}
	return (int)bpf_sys(BPF_PROG_LOAD, &a);
}

int bpf_attach(int cgfd, int prog, int attach, bool detach)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = (uint32_t)attach;
	a.attach_flags = detach ? 0 : BPF_F_ALLOW_MULTI;
	return (int)bpf_sys(detach ? BPF_PROG_DETACH : BPF_PROG_ATTACH, &a);
}

int bpf_info(int fd, void *info, uint32_t len)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = len;
	a.info.info = (uint64_t)(uintptr_t)info;
	return (int)bpf_sys(BPF_OBJ_GET_INFO_BY_FD, &a);
}
