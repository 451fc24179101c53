/* bpfgen.c - the pieces every vsbox BPF program is made of, the programs
 * that are not about socket addresses (socket creation, ingress, devices),
 * and the table of all of them, one per cgroup hook. The socket-address
 * programs are in lib/bpfsock.c, loading and attaching in lib/bpfnet.c.
 *
 * Every program starts alike (prog_begin): r6 = its context, r9 = the
 * configuration of the cgroup it runs for (cgroup local storage, struct
 * bncfg in lib/bpfgen.h); a cgroup whose configuration lacks the program's
 * flag (the base's, all zeroes) is allowed at once. It ends alike
 * (prog_end): an allow exit and one exit per kind of refusal (refuse()),
 * which sets the errno a real host would give (bpf_set_retval, Linux
 * 5.18+; before, every refusal is EPERM) and, in programs loaded with
 * VSBOX_TRACE set, writes why to the kernel's trace buffer
 * (/sys/kernel/tracing/trace_pipe): "vsbox bind4 10.1.2.3 port 80: not an
 * address of the tree (EADDRNOTAVAIL)".
 *
 *   sockcreate  ICMP datagram ("ping") sockets are refused (EPERM): they
 *               have a bind of their own that no bind hook sees, and no
 *               sendmsg hook, so they could bind any local address and send
 *               from any (IP_PKTINFO); BN_KEEP_RAW leaves them, like raw ones
 *   ingress     the gap no sock_addr hook covers - a socket that listen()s
 *               without bind() or a UDP socket autobound by its first send
 *               sits on 0.0.0.0:PORT - closed on the receiving side: a
 *               packet for one of the tree's sockets must be addressed to
 *               one of the list (or be multicast/broadcast), else dropped
 *   devices     the device allowlist of lib/devcg.c
 *   setsockopt  remembers the IPV6_V6ONLY each socket sets, in socket
 *               storage (BPF_MAP_TYPE_SK_STORAGE, whose BTF is one "int"),
 *               for bind6 (lib/bpfsock.c); attached for a private IPv6
 *               loopback only
 */
#include "vsbox.h"
#include "lib/bpfgen.h"
#include <arpa/inet.h>
#include <linux/btf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

void cfg_flag(struct gen *g, unsigned f, bool set, int l)
{
	cfg(&g->p, R0, CF(flags));
	if (set) {
		jump(&g->p, BPF_JMP32 | BPF_JSET | BPF_K, R0, 0, (int32_t)f, l);
	} else {
		and32i(&g->p, R0, (int32_t)f);
		jeq(&g->p, R0, 0, l);
	}
}

/* r6 = the context, r9 = this cgroup's configuration; without the flag
 * (the base's storage) the program allows */
void prog_begin(struct gen *g, unsigned want, const char *what, int kind)
{
	struct prog *p = &g->p;

	p->n = p->nlbl = p->nfix = 0;
	g->what = what;
	g->kind = kind;
	g->nref = 0;
	g->deny = -1;
	g->ok = label(p);
	int on = label(p);
	mov64(p, R6, R1);
	emit(p, BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_MAP_FD, 0, g->map);
	emit(p, 0, 0, 0, 0, 0);
	mov64i(p, R2, 0);
	call(p, BPF_FUNC_get_local_storage);
	mov64(p, R9, R0);
	cfg_flag(g, want, true, on);
	mov64i(p, R0, 1);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	place(p, on);
}

int refuse(struct gen *g, int err, const char *why)
{
	for (int i = 0; i < g->nref; i++)
		if (g->ref[i].err == err && !strcmp(g->ref[i].why, why))
			return g->ref[i].lbl;
	if (g->nref == MAXREF)
		die("BPF program %s: too many kinds of refusal", g->what);
	g->ref[g->nref].err = err;
	g->ref[g->nref].why = why;
	return g->ref[g->nref++].lbl = label(&g->p);
}

static const char *errname(int err)
{
	switch (err) {
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ENETUNREACH: return "ENETUNREACH";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case 0: return "the bind's errno";
	}
	return "?";
}

/* bpf_trace_printk("vsbox WHAT ADDR port PORT: WHY (ERRNO)\n"): the format
 * on the stack below FP-48, the address copied to FP-48 (%pI4/%pI6 read it
 * there), the port from the socket-address context */
static void trace_refusal(struct gen *g, int err, const char *why)
{
	static const char *const addr[] = { " %pI4 port %d", " %pI6 port %d", "" };
	struct prog *p = &g->p;
	char fmt[160];
	int len = g->kind == K_OTHER ? snprintf(fmt, sizeof(fmt), "vsbox %s: %s\n", g->what, why) :
		  snprintf(fmt, sizeof(fmt), "vsbox %s%s: %s (%s)\n", g->what, addr[g->kind], why,
			   g->retval ? errname(err) : "EPERM");
	int16_t at = (int16_t)(-48 - (len + 1 + 7) / 8 * 8);

	if (len >= (int)sizeof(fmt))
		die("BPF program %s: the trace of '%s' is too long", g->what, why);
	memset(fmt + len, 0, sizeof(fmt) - (size_t)len);
	for (int k = 0; k < len + 1; k += 4)
		st(p, BPF_W, FP, at + k, W((const unsigned char *)fmt + k));
	if (g->kind == K_SA4) {
		ldx(p, BPF_W, R3, R6, CTX(user_ip4));
		stx(p, BPF_W, FP, R3, -48);
	} else if (g->kind == K_SA6) {
		for (int k = 0; k < 4; k++) {
			ldx(p, BPF_W, R3, R6, CTX(user_ip6[k]));
			stx(p, BPF_W, FP, R3, -48 + 4 * k);
		}
	}
	if (g->kind != K_OTHER) {
		ldx(p, BPF_W, R4, R6, CTX(user_port));
		emit(p, BPF_ALU | BPF_END | BPF_TO_BE, R4, 0, 0, 16);
		mov64(p, R3, FP);
		add64i(p, R3, -48);
	}
	mov64(p, R1, FP);
	add64i(p, R1, at);
	mov64i(p, R2, len + 1);
	call(p, BPF_FUNC_trace_printk);
}

/* the ways out: each refusal (0, with its errno set where the kernel lets
 * us: else EPERM, or a dropped packet) and allow (1; binds 3 with
 * F_LOWPORTS, skipping the CAP_NET_BIND_SERVICE check) */
void prog_end(struct gen *g, bool bind)
{
	struct prog *p = &g->p;

	if (falls(p))
		ja(p, g->deny);
	for (int i = 0; i < g->nref; i++) {
		int err = g->ref[i].err;
		if (!p->refs[g->ref[i].lbl])
			continue;
		place(p, g->ref[i].lbl);
		if (g->retval && g->kind != K_OTHER) {
			if (err) {
				mov64i(p, R1, -err);
			} else {
				mov64(p, R1, R0);
			}
			call(p, BPF_FUNC_set_retval);
		}
		if (g->trace)
			trace_refusal(g, err, g->ref[i].why);
		mov64i(p, R0, 0);
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	if (p->refs[g->ok]) {
		place(p, g->ok);
		if (bind) {
			int one = label(p);
			cfg_flag(g, F_LOWPORTS, false, one);        /* (r0 is the flags) */
			mov64i(p, R0, 3);
			emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
			place(p, one);
		}
		mov64i(p, R0, 1);
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	link_jumps(p);
}

void ld_map(struct gen *g, int fd)
{
	emit(&g->p, BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_MAP_FD, 0, fd);
	emit(&g->p, 0, 0, 0, 0, 0);
}

/* BPF_MAP_TYPE_SK_STORAGE wants BTF for its key and value: the smallest
 * there is, one type, "int" */
static int btf_int(void)
{
	struct {
		struct btf_header h;
		uint32_t type[4];
		char str[5];
	} __attribute__((packed)) b = {
		.h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(struct btf_header),
		       .type_off = 0, .type_len = 16, .str_off = 16, .str_len = 5 },
		.type = { 1, BTF_KIND_INT << 24, 4, (BTF_INT_SIGNED << 24) | 32 },
		.str = "\0int",
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)&b;
	a.btf_size = sizeof(b);
	return (int)bpf_sys(BPF_BTF_LOAD, &a);
}

int sk_v6only_map(void)
{
	union bpf_attr a;
	int btf = btf_int(), fd;

	if (btf < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_SK_STORAGE;
	a.key_size = 4;
	a.value_size = 4;
	a.map_flags = BPF_F_NO_PREALLOC;
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = 1;
	a.btf_value_type_id = 1;
	snprintf(a.map_name, sizeof(a.map_name), "vsbox_v6only");
	fd = (int)bpf_sys(BPF_MAP_CREATE, &a);
	close(btf);
	return fd;
}

bool bpf_can_track_v6only(void)
{
	static int can = -1;

	if (can < 0) {
		int map = sk_v6only_map(), fd = -1;
		can = 0;
		if (map >= 0) {
			struct bpf_insn in[] = {
				{ .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_1,
				  .off = offsetof(struct bpf_sock_addr, sk) },
				{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
				  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map }, { 0 },
				{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3 },
				{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_4 },
				{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_sk_storage_get },
				{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
				{ .code = BPF_JMP | BPF_EXIT },
			};
			fd = bpf_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, in,
				      sizeof(in) / sizeof(in[0]), "vsbox_probe", false);
			can = fd >= 0;
			if (fd >= 0)
				close(fd);
			close(map);
		}
	}
	return can;
}

/* setsockopt(): remember the IPV6_V6ONLY a socket sets (bind6 reads it for
 * [::]: a v6-only socket of an IPv4-only tree gets its private loopback,
 * a dual-stack one ::ffff:FIRST4); the option itself goes on as given */
static void gen_setsockopt(struct gen *g)
{
	struct prog *p = &g->p;

	prog_begin(g, F_OWN6, "setsockopt", K_OTHER);
	if (g->v6only) {
		ldx(p, BPF_W, R2, R6, (int16_t)offsetof(struct bpf_sockopt, level));
		jne(p, R2, IPPROTO_IPV6, g->ok);
		ldx(p, BPF_W, R2, R6, (int16_t)offsetof(struct bpf_sockopt, optname));
		jne(p, R2, IPV6_V6ONLY, g->ok);
		ldx(p, BPF_DW, R2, R6, (int16_t)offsetof(struct bpf_sockopt, optval));
		ldx(p, BPF_DW, R3, R6, (int16_t)offsetof(struct bpf_sockopt, optval_end));
		mov64(p, R4, R2);
		add64i(p, R4, 4);
		jump(p, BPF_JMP | BPF_JGT | BPF_X, R4, R3, 0, g->ok);
		ldx(p, BPF_W, R7, R2, 0);
		ld_map(g, g->skmap);
		ldx(p, BPF_DW, R2, R6, (int16_t)offsetof(struct bpf_sockopt, sk));
		mov64i(p, R3, 0);
		mov64i(p, R4, BPF_SK_STORAGE_GET_F_CREATE);
		call(p, BPF_FUNC_sk_storage_get);
		jump(p, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0, g->ok);
		stx(p, BPF_W, R0, R7, 0);
	}
	ja(p, g->ok);
	prog_end(g, false);
}

/* does the kernel load this bind4 program? (a probe of one helper) */
static bool probe_loads(const struct bpf_insn *in, int n)
{
	int fd = bpf_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, in, n,
			  "vsbox_probe", false);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool bpf_can_set_retval(void)
{
	static int can = -1;

	if (can < 0) {
		struct bpf_insn in[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = -EADDRNOTAVAIL },
			{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_set_retval },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		can = probe_loads(in, 4);
	}
	return can;
}

bool bpf_can_trace_printk(void)
{
	static int can = -1;

	if (can < 0) {
		/* bpf_trace_printk("") */
		struct bpf_insn in[] = {
			{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_10 },
			{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_1, .imm = -8 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 1 },
			{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_trace_printk },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		can = probe_loads(in, 7);
	}
	return can;
}

/* jump to ok when the 32-bit register r holds one of the n4 IPv4 addresses
 * (an unrolled loop; uses r0 and r8) */
void in_list4(struct gen *g, int r)
{
	struct prog *p = &g->p;
	int out = label(p);

	cfg(p, R8, CF(n4));
	for (int i = 0; i < NA_MAX; i++) {
		jle(p, R8, i, out);
		cfg(p, R0, CF(a4[i]));
		jeqx(p, r, R0, g->ok);
	}
	place(p, out);
}

/* jump to ok when r..r+3 hold one of the n6 IPv6 addresses (uses r0, r8) */
void in_list6(struct gen *g, int r)
{
	struct prog *p = &g->p;
	int out = label(p);

	cfg(p, R8, CF(n6));
	for (int i = 0; i < NA_MAX; i++) {
		int next = label(p);
		jle(p, R8, i, out);
		for (int k = 0; k < 3; k++) {
			cfg(p, R0, CFA6(i, k));
			jnex(p, r + k, R0, next);
		}
		cfg(p, R0, CFA6(i, 3));
		jeqx(p, r + 3, R0, g->ok);
		place(p, next);
	}
	place(p, out);
}

/* the 16 bytes at base+off into r2..r5 */
void load6(struct gen *g, int base, int16_t off)
{
	for (int k = 0; k < 4; k++)
		ldx(&g->p, BPF_W, R2 + k, base, off + 4 * k);
}

/* socket(): refuse SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6 */
static void gen_sockcreate(struct gen *g)
{
	struct prog *p = &g->p;

	prog_begin(g, F_NET, "socket", K_OTHER);
	g->deny = refuse(g, EPERM, "ICMP datagram socket refused (EPERM)");
	ldx(p, BPF_W, R2, R6, SK(type));
	jne(p, R2, SOCK_DGRAM, g->ok);
	ldx(p, BPF_W, R2, R6, SK(protocol));
	jeq(p, R2, IPPROTO_ICMP, g->deny);
	jeq(p, R2, IPPROTO_ICMPV6, g->deny);
	ja(p, g->ok);
	prog_end(g, false);
}

/* len bytes of the packet at off (from the network header) to FP-len;
 * a packet too short is dropped */
static void skb_bytes(struct gen *g, int off, int len)
{
	struct prog *p = &g->p;

	mov64(p, R1, R6);
	mov64i(p, R2, off);
	mov64(p, R3, FP);
	add64i(p, R3, -len);
	mov64i(p, R4, len);
	call(p, BPF_FUNC_skb_load_bytes);
	jump(p, BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0, refuse(g, EPERM, "a packet too short dropped"));
}

static void gen_ingress(struct gen *g)
{
	static const unsigned char MASK4[4] = { 0xf0 }, MC4[4] = { 0xe0 },
		BC4[4] = { 255, 255, 255, 255 }, MC6[4] = { 0xff };
	struct prog *p = &g->p;

	prog_begin(g, F_NET, "ingress", K_OTHER);
	g->deny = refuse(g, EPERM, "a packet for an address not of the tree dropped");
	int v6 = label(p);
	ldx(p, BPF_W, R2, R6, (int16_t)offsetof(struct __sk_buff, protocol));
	jeq(p, R2, htons(ETH_P_IPV6), v6);
	jne(p, R2, htons(ETH_P_IP), g->ok);
	cfg_flag(g, F_HAS4, false, refuse(g, EPERM, "an IPv4 packet dropped (no IPv4 address)"));
	skb_bytes(g, 16, 4);    /* the destination: offset 16 of the IPv4 header */
	ldx(p, BPF_W, R2, FP, -4);
	mov32(p, R3, R2);
	and32i(p, R3, W(MASK4));
	jeq(p, R3, W(MC4), g->ok);
	jeq(p, R2, W(BC4), g->ok);
	in_list4(g, R2);
	ja(p, g->deny);
	place(p, v6);
	cfg_flag(g, F_HAS6, false, refuse(g, EPERM, "an IPv6 packet dropped (no IPv6 address)"));
	skb_bytes(g, 24, 16);   /* offset 24 of the IPv6 header */
	load6(g, FP, -16);
	mov32(p, R0, R2);
	and32i(p, R0, W(MASK8));
	jeq(p, R0, W(MC6), g->ok);
	in_list6(g, R2);
	prog_end(g, false);
}

/* the device allowlist (lib/devcg.c's list, the v1 controller's too):
 * struct bpf_cgroup_dev_ctx access_type (access << 16 | type), major, minor */
static void gen_devices(struct gen *g)
{
	const struct devallow *allow = devcg_allow;
	struct prog *p = &g->p;

	prog_begin(g, F_DEV, "devices", K_OTHER);
	g->deny = refuse(g, EPERM, "a device not on the allowlist refused (EPERM)");
	ldx(p, BPF_W, R2, R6, 0);
	and32i(p, R2, 0xffff);
	jne(p, R2, BPF_DEVCG_DEV_CHAR, g->deny);
	ldx(p, BPF_W, R3, R6, 4);
	ldx(p, BPF_W, R4, R6, 8);
	for (size_t i = 0; i < devcg_nallow; i++) {
		int next = label(p);
		jne(p, R3, allow[i].major, next);
		if (allow[i].minor < 0)
			ja(p, g->ok);
		else
			jeq(p, R4, allow[i].minor, g->ok);
		place(p, next);
	}
	prog_end(g, false);
}


/* ---- the table ------------------------------------------------------------ */
const struct hook hooks[NHOOKS] = {
	{ "vsbox_devices", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, gen_devices },
	{ "vsbox_bind4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, gen_bind4 },
	{ "vsbox_bind6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, gen_bind6 },
	{ "vsbox_connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, gen_connect4 },
	{ "vsbox_connect6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, gen_connect6 },
	{ "vsbox_sendmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, gen_sendmsg4 },
	{ "vsbox_sendmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, gen_sendmsg6 },
	{ "vsbox_sockcreat", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, gen_sockcreate },
	{ "vsbox_ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, gen_ingress },
	{ "vsbox_setsockop", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, gen_setsockopt },
	{ "vsbox_getpeer4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETPEERNAME, gen_getpeer4 },
	{ "vsbox_getpeer6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETPEERNAME, gen_getpeer6 },
};
_Static_assert(sizeof(hooks) / sizeof(hooks[0]) == NHOOKS, "NHOOKS");
