/* bpfnet.c - lock a cgroup v2 directory to a list of IP addresses.
 *
 * Kernel interfaces: bpf(2) BPF_PROG_LOAD / BPF_PROG_ATTACH / BPF_PROG_DETACH
 * (no libbpf), program types CGROUP_SOCK_ADDR and CGROUP_SKB, the bpf_bind
 * and bpf_skb_load_bytes helpers. Kernel 5.10 or later.
 *
 * Eight small programs are generated from the list as raw instructions
 * (a tiny assembler with forward labels below), one per hook:
 *
 *   bind4/6     0.0.0.0 / :: -> the family's first address (an IPv4-only
 *               list gives :: the mapped ::ffff:FIRST4 unless BN_NO_V4MAPPED);
 *               127.0.0.1 / ::1 -> the loopback stand-in; one of the list:
 *               allow; anything else: refuse (EPERM)
 *   connect4/6  a destination of 127.0.0.1, ::1 or the wildcard goes to the
 *               loopback stand-in; an unbound socket is first bound to the
 *               source (bpf_bind, port 0: the address only) - the stand-in
 *               for loopback destinations, else the first address; a bound
 *               socket's address must be one of the list
 *   sendmsg4/6  (unconnected UDP) the same destination rewrite; no source
 *               yet: set it (msg_src_ip); a source from the socket or from
 *               IP_PKTINFO/IPV6_PKTINFO must be one of the list
 *   sockcreate  ICMP datagram ("ping") sockets are refused (EPERM): they
 *               have a bind of their own that no bind hook sees, and no
 *               sendmsg hook, so they could bind any local address and send
 *               from any (IP_PKTINFO); BN_KEEP_RAW leaves them, like raw ones
 *   ingress     the gap no sock_addr hook covers - a socket that listen()s
 *               without bind() or a UDP socket autobound by its first send
 *               sits on 0.0.0.0:PORT - closed on the receiving side: a
 *               packet for one of the tree's sockets must be addressed to
 *               one of the list (or be multicast/broadcast), else dropped
 *
 * Verifier habits this code keeps: every address compare is a 32-bit
 * compare (BPF_JMP32) - a 64-bit compare with an immediate sign-extends it,
 * so 127.0.0.200 would never match; context fields are written with STX
 * from a register; no instruction is unreachable (a block is emitted only
 * when something jumps to it or falls into it). Attaching uses
 * BPF_F_ALLOW_MULTI: a program attached that way can only be detached by
 * whoever holds its fd, and the programs of every ancestor cgroup run too,
 * after ours, so a lock inside a locked tree can only narrow it.
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>

/* ---- a tiny assembler: instructions and forward labels ------------------- */
#define MAXINSN 2048
#define MAXLBL 512
struct prog {
	struct bpf_insn in[MAXINSN];
	int n, nlbl, nfix;
	int pos[MAXLBL];        /* where each label is, -1 not yet */
	int refs[MAXLBL];       /* jumps to it */
	struct { int at, lbl; } fix[MAXINSN];
};

static void emit(struct prog *p, uint8_t code, int dst, int src, int16_t off, int32_t imm)
{
	if (p->n == MAXINSN)
		die("BPF program too long (too many addresses)");
	p->in[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = (uint8_t)dst,
		.src_reg = (uint8_t)src, .off = off, .imm = imm };
}

static int label(struct prog *p)
{
	if (p->nlbl == MAXLBL)
		die("BPF program too long (too many addresses)");
	p->pos[p->nlbl] = -1;
	p->refs[p->nlbl] = 0;
	return p->nlbl++;
}

static void place(struct prog *p, int l)
{
	p->pos[l] = p->n;
}

/* a jump to label l; code is the whole opcode (class | op | source) */
static void jump(struct prog *p, uint8_t code, int dst, int src, int32_t imm, int l)
{
	p->fix[p->nfix].at = p->n;
	p->fix[p->nfix++].lbl = l;
	p->refs[l]++;
	emit(p, code, dst, src, 0, imm);
}

static void link_jumps(struct prog *p)
{
	for (int i = 0; i < p->nfix; i++)
		p->in[p->fix[i].at].off = (int16_t)(p->pos[p->fix[i].lbl] - p->fix[i].at - 1);
}

/* can the instruction just emitted fall through into what follows? */
static bool falls(const struct prog *p)
{
	uint8_t c = p->n ? p->in[p->n - 1].code : 0;
	return !p->n || (c != (BPF_JMP | BPF_JA) && c != (BPF_JMP | BPF_EXIT));
}

#define R0 BPF_REG_0
#define R1 BPF_REG_1
#define R2 BPF_REG_2
#define R3 BPF_REG_3
#define R4 BPF_REG_4
#define R5 BPF_REG_5
#define R6 BPF_REG_6
#define R7 BPF_REG_7
#define FP BPF_REG_10
#define mov64(p, d, s)      emit(p, BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define mov64i(p, d, i)     emit(p, BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define mov32(p, d, s)      emit(p, BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define mov32i(p, d, i)     emit(p, BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, i)
#define and32i(p, d, i)     emit(p, BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define add64i(p, d, i)     emit(p, BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ldx(p, sz, d, s, o) emit(p, BPF_LDX | BPF_MEM | (sz), d, s, (int16_t)(o), 0)
#define stx(p, sz, d, s, o) emit(p, BPF_STX | BPF_MEM | (sz), d, s, (int16_t)(o), 0)
#define st(p, sz, d, o, i)  emit(p, BPF_ST | BPF_MEM | (sz), d, 0, (int16_t)(o), i)
#define call(p, fn)         emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define jeq(p, r, i, l)     jump(p, BPF_JMP32 | BPF_JEQ | BPF_K, r, 0, i, l)
#define jne(p, r, i, l)     jump(p, BPF_JMP32 | BPF_JNE | BPF_K, r, 0, i, l)
#define ja(p, l)            jump(p, BPF_JMP | BPF_JA, 0, 0, 0, l)

/* four bytes of an address as the 32-bit word a load gives (host order,
 * which is the BPF machine's order) */
static int32_t W(const unsigned char *b)
{
	uint32_t v;
	memcpy(&v, b, 4);
	return (int32_t)v;
}

static const unsigned char LO4[4] = { 127, 0, 0, 1 };
static const unsigned char LO6[16] = { [15] = 1 };
static const unsigned char MAPPED[4] = { 0, 0, 0xff, 0xff };      /* word 2 of ::ffff:a.b.c.d */
static const unsigned char MASK8[4] = { 0xff }, NET127[4] = { 127 };

#define CTX(f) ((int16_t)offsetof(struct bpf_sock_addr, f))
#define SK(f) ((int16_t)offsetof(struct bpf_sock, f))

/* ---- the configuration the programs read -------------------------------- */
/* One per cgroup the programs are attached to: cgroup local storage keyed by
 * the cgroup's id alone, so all nine hooks of a cgroup share it. Fresh
 * storage is zeroes: no flag, every program allows - the base's, which
 * only keeps the programs loaded and the hooks' static keys on. Words are
 * addresses as a 32-bit load gives them (network order in memory). */
enum {
	F_NET = 1 << 0,         /* the IP lock is on */
	F_DEV = 1 << 1,         /* the device allowlist is on */
	F_HAS4 = 1 << 2,        /* IPv4 addresses (first4, lb4) */
	F_HAS6 = 1 << 3,        /* IPv6 addresses (first6, lb6) */
	F_REMAP4 = 1 << 4,      /* lb4 is not 127.0.0.1: rewrite to it */
	F_REMAP6 = 1 << 5,      /* lb6 is not ::1 */
	F_V4MAP = 1 << 6,       /* IPv4 only, bind(::) gets ::ffff:first4 */
	F_ANY6 = 1 << 7,        /* bind(::) becomes any6 */
	F_BINDLB6 = 1 << 8,     /* bind(::1) becomes bindlb6 */
	F_LOWPORTS = 1 << 9,    /* binds return 3 (BN_LOWPORTS) */
};
struct bncfg {
	uint32_t flags, n4, n6, first4, lb4;
	uint32_t first6[4], lb6[4], any6[4], bindlb6[4];
	uint32_t a4[NA_MAX];
	uint32_t a6[NA_MAX][4];
};
#define CF(f) ((int16_t)offsetof(struct bncfg, f))
#define CF6(f, k) ((int16_t)(offsetof(struct bncfg, f) + 4 * (k)))
#define CFA6(i, k) ((int16_t)(offsetof(struct bncfg, a6) + 16 * (i) + 4 * (k)))

#define R8 BPF_REG_8
#define R9 BPF_REG_9            /* the configuration, in every program */
#define jeqx(p, r, s, l)    jump(p, BPF_JMP32 | BPF_JEQ | BPF_X, r, s, 0, l)
#define jnex(p, r, s, l)    jump(p, BPF_JMP32 | BPF_JNE | BPF_X, r, s, 0, l)
#define jle(p, r, i, l)     jump(p, BPF_JMP32 | BPF_JLE | BPF_K, r, 0, i, l)
#define cfg(p, d, off)      ldx(p, BPF_W, d, R9, off)

struct gen {
	int map;                /* the storage map's fd */
	struct prog p;
	int ok, deny;
};

/* jump to l when the flag is clear (set: when set is true); uses r0 */
static void flag(struct gen *g, unsigned f, bool set, int l)
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
static void begin(struct gen *g, unsigned want)
{
	struct prog *p = &g->p;

	p->n = p->nlbl = p->nfix = 0;
	g->ok = label(p);
	g->deny = label(p);
	int on = label(p);
	mov64(p, R6, R1);
	emit(p, BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_MAP_FD, 0, g->map);
	emit(p, 0, 0, 0, 0, 0);
	mov64i(p, R2, 0);
	call(p, BPF_FUNC_get_local_storage);
	mov64(p, R9, R0);
	flag(g, want, true, on);
	mov64i(p, R0, 1);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	place(p, on);
}

/* the two ways out: deny (0: EPERM, or drop) and allow (1; binds 3 with
 * F_LOWPORTS, skipping the CAP_NET_BIND_SERVICE check) */
static void end(struct gen *g, bool bind)
{
	struct prog *p = &g->p;

	if (falls(p) || p->refs[g->deny]) {
		place(p, g->deny);
		mov64i(p, R0, 0);
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	if (p->refs[g->ok]) {
		place(p, g->ok);
		if (bind) {
			int one = label(p);
			flag(g, F_LOWPORTS, false, one);        /* (r0 is the flags) */
			mov64i(p, R0, 3);
			emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
			place(p, one);
		}
		mov64i(p, R0, 1);
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	link_jumps(p);
}

/* jump to ok when the 32-bit register r holds one of the n4 IPv4 addresses
 * (an unrolled loop; uses r0 and r8) */
static void in_list4(struct gen *g, int r)
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

/* registers r..r+3 against the words at off: fall through when equal,
 * else jump to l (uses r0) */
static void is6(struct gen *g, int r, int16_t off, int l)
{
	for (int k = 0; k < 4; k++) {
		cfg(&g->p, R0, off + 4 * k);
		jnex(&g->p, r + k, R0, l);
	}
}

/* the same against a constant */
static void is6k(struct gen *g, int r, const unsigned char *addr, int l)
{
	for (int k = 0; k < 4; k++)
		jne(&g->p, r + k, W(addr + 4 * k), l);
}

static void in_list6(struct gen *g, int r)
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

/* 16 bytes of the configuration at from to the context at off, or (base
 * FP) to the stack */
static void store6(struct gen *g, int base, int16_t off, int16_t from)
{
	for (int k = 0; k < 4; k++) {
		cfg(&g->p, R0, from + 4 * k);
		stx(&g->p, BPF_W, base, R0, off + 4 * k);
	}
}

static void load6(struct gen *g, int base, int16_t off)
{
	for (int k = 0; k < 4; k++)
		ldx(&g->p, BPF_W, R2 + k, base, off + 4 * k);
}

/* the IPv4 destination in register r: 0.0.0.0 and 127.0.0.1 become the
 * loopback stand-in (written back to the context at off) */
static void remap4(struct gen *g, int r, int16_t off)
{
	struct prog *p = &g->p;
	int re = label(p), done = label(p);

	flag(g, F_REMAP4, false, done);
	jeq(p, r, 0, re);
	jne(p, r, W(LO4), done);
	place(p, re);
	cfg(p, r, CF(lb4));
	stx(p, BPF_W, R6, r, off);
	place(p, done);
}

/* the IPv6 destination in r2..r5: :: and ::1 become the stand-in */
static void remap6(struct gen *g, int16_t off)
{
	struct prog *p = &g->p;
	int re = label(p), done = label(p);

	flag(g, F_REMAP6, false, done);
	for (int k = 0; k < 3; k++)
		jne(p, R2 + k, 0, done);
	jeq(p, R5, 0, re);
	jne(p, R5, W(LO6 + 12), done);
	place(p, re);
	store6(g, R6, off, CF(lb6));
	for (int k = 0; k < 4; k++)
		cfg(p, R2 + k, CF6(lb6, k));
	place(p, done);
}

/* the source for IPv4 destination in register r: into register s, the
 * first address, or the stand-in for 127.0.0.0/8 */
static void pick_src4(struct gen *g, int r, int s, int scratch)
{
	struct prog *p = &g->p;
	int done = label(p);

	cfg(p, s, CF(first4));
	mov32(p, scratch, r);
	and32i(p, scratch, W(MASK8));
	jne(p, scratch, W(NET127), done);
	cfg(p, s, CF(lb4));
	place(p, done);
}

/* call bpf_bind(ctx, FP+off, len) and allow when it worked */
static void do_bind(struct gen *g, int16_t off, int len)
{
	struct prog *p = &g->p;

	mov64(p, R1, R6);
	mov64(p, R2, FP);
	add64i(p, R2, off);
	mov64i(p, R3, len);
	call(p, BPF_FUNC_bind);
	jump(p, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0, g->ok);
	ja(p, g->deny);
}

/* ---- the programs --------------------------------------------------------- */
static void gen_bind4(struct gen *g)
{
	struct prog *p = &g->p;

	begin(g, F_NET);
	flag(g, F_HAS4, false, g->deny);        /* no IPv4 address: refuse all */
	int notany = label(p), notlo = label(p);
	ldx(p, BPF_W, R2, R6, CTX(user_ip4));
	jne(p, R2, 0, notany);
	cfg(p, R0, CF(first4));                 /* 0.0.0.0: my first address */
	stx(p, BPF_W, R6, R0, CTX(user_ip4));
	ja(p, g->ok);
	place(p, notany);
	flag(g, F_REMAP4, false, notlo);
	jne(p, R2, W(LO4), notlo);
	cfg(p, R0, CF(lb4));                    /* 127.0.0.1: my loopback */
	stx(p, BPF_W, R6, R0, CTX(user_ip4));
	ja(p, g->ok);
	place(p, notlo);
	in_list4(g, R2);
	end(g, true);
}

static void gen_bind6(struct gen *g)
{
	struct prog *p = &g->p;

	begin(g, F_NET);
	int native = label(p), mapped = label(p);
	load6(g, R6, CTX(user_ip6));
	jne(p, R2, 0, native);
	jne(p, R3, 0, native);
	jeq(p, R4, W(MAPPED), mapped);
	jne(p, R4, 0, native);
	jne(p, R5, 0, native);
	/* "::": my first IPv6 address, or, IPv4 only, ::ffff:FIRST4 */
	flag(g, F_ANY6, false, g->deny);
	store6(g, R6, CTX(user_ip6), CF(any6));
	ja(p, g->ok);
	/* ::ffff:a.b.c.d: the IPv4 rules for a.b.c.d */
	place(p, mapped);
	flag(g, F_HAS4, false, g->deny);
	int m1 = label(p), m2 = label(p);
	flag(g, F_V4MAP, false, m1);
	jne(p, R5, 0, m1);
	cfg(p, R0, CF(first4));
	stx(p, BPF_W, R6, R0, CTX(user_ip6[3]));
	ja(p, g->ok);
	place(p, m1);
	flag(g, F_REMAP4, false, m2);
	jne(p, R5, W(LO4), m2);
	cfg(p, R0, CF(lb4));
	stx(p, BPF_W, R6, R0, CTX(user_ip6[3]));
	ja(p, g->ok);
	place(p, m2);
	in_list4(g, R5);
	ja(p, g->deny);
	/* ::1: my loopback (an IPv4-only tree's is ::ffff:LB4) */
	place(p, native);
	int n1 = label(p);
	flag(g, F_BINDLB6, false, n1);
	is6k(g, R2, LO6, n1);
	store6(g, R6, CTX(user_ip6), CF(bindlb6));
	ja(p, g->ok);
	place(p, n1);
	in_list6(g, R2);
	end(g, true);
}

static void gen_connect4(struct gen *g)
{
	struct prog *p = &g->p;

	begin(g, F_NET);
	flag(g, F_HAS4, false, g->deny);
	int dobind = label(p);
	ldx(p, BPF_W, R2, R6, CTX(user_ip4));
	remap4(g, R2, CTX(user_ip4));
	pick_src4(g, R2, R7, R3);
	/* a socket bound already (explicitly, so bind4 checked it, or by a
	 * retry of this connect) must be bound to one of mine */
	ldx(p, BPF_DW, R1, R6, CTX(sk));
	ldx(p, BPF_W, R3, R1, SK(src_ip4));
	jeq(p, R3, 0, dobind);
	in_list4(g, R3);
	ja(p, g->deny);
	/* struct sockaddr_in { AF_INET, port 0, source } on the stack */
	place(p, dobind);
	st(p, BPF_DW, FP, -16, 0);
	st(p, BPF_DW, FP, -8, 0);
	st(p, BPF_H, FP, -16, AF_INET);
	stx(p, BPF_W, FP, R7, -12);
	do_bind(g, -16, sizeof(struct sockaddr_in));
	end(g, false);
}

/* zeroed struct sockaddr_in6 { AF_INET6 } at FP-32; its address at FP-24 */
static void sin6_stack(struct gen *g)
{
	for (int k = 4; k; k--)
		st(&g->p, BPF_DW, FP, -8 * k, 0);
	st(&g->p, BPF_H, FP, -32, AF_INET6);
}

/* the socket's own address into r2..r5; jump to l when it has none */
static void bound6(struct gen *g, int l)
{
	struct prog *p = &g->p;
	int chk = label(p);

	ldx(p, BPF_DW, R1, R6, CTX(sk));
	load6(g, R1, SK(src_ip6));
	for (int k = 0; k < 3; k++)
		jne(p, R2 + k, 0, chk);
	jeq(p, R5, 0, l);
	place(p, chk);
}

static void gen_connect6(struct gen *g)
{
	struct prog *p = &g->p;

	begin(g, F_NET);
	int native = label(p), mbind = label(p), nbind = label(p), h = label(p);
	load6(g, R6, CTX(user_ip6));
	jne(p, R2, 0, native);
	jne(p, R3, 0, native);
	jne(p, R4, W(MAPPED), native);
	/* to ::ffff:a.b.c.d (a dual-stack socket): the IPv4 rules, mapped */
	flag(g, F_HAS4, false, g->deny);
	remap4(g, R5, CTX(user_ip6[3]));
	pick_src4(g, R5, R7, R3);
	bound6(g, mbind);
	jne(p, R2, 0, g->deny);
	jne(p, R3, 0, g->deny);
	jne(p, R4, W(MAPPED), g->deny);
	in_list4(g, R5);
	ja(p, g->deny);
	place(p, mbind);
	sin6_stack(g);
	st(p, BPF_W, FP, -16, W(MAPPED));
	stx(p, BPF_W, FP, R7, -12);
	do_bind(g, -32, sizeof(struct sockaddr_in6));
	place(p, native);
	flag(g, F_HAS6, false, g->deny);
	remap6(g, CTX(user_ip6));
	/* the source: the stand-in for a destination that is it, else the first */
	sin6_stack(g);
	store6(g, FP, -24, CF(first6));
	is6(g, R2, CF(lb6), h);
	store6(g, FP, -24, CF(lb6));
	place(p, h);
	bound6(g, nbind);
	in_list6(g, R2);
	ja(p, g->deny);
	place(p, nbind);
	do_bind(g, -32, sizeof(struct sockaddr_in6));
	end(g, false);
}

static void gen_sendmsg4(struct gen *g)
{
	struct prog *p = &g->p;

	begin(g, F_NET);
	flag(g, F_HAS4, false, g->deny);
	int chk = label(p);
	ldx(p, BPF_W, R2, R6, CTX(user_ip4));
	remap4(g, R2, CTX(user_ip4));
	/* the source so far: the socket's address or IP_PKTINFO's */
	ldx(p, BPF_W, R3, R6, CTX(msg_src_ip4));
	jne(p, R3, 0, chk);
	pick_src4(g, R2, R3, R4);
	stx(p, BPF_W, R6, R3, CTX(msg_src_ip4));
	ja(p, g->ok);
	place(p, chk);
	in_list4(g, R3);
	end(g, false);
}

static void gen_sendmsg6(struct gen *g)
{
	struct prog *p = &g->p;

	begin(g, F_NET);
	flag(g, F_HAS6, false, g->deny);
	load6(g, R6, CTX(user_ip6));
	remap6(g, CTX(user_ip6));
	/* r7 = 1 when the destination is my loopback stand-in */
	int h = label(p), chk = label(p), lb = label(p);
	mov32i(p, R7, 0);
	is6(g, R2, CF(lb6), h);
	mov32i(p, R7, 1);
	place(p, h);
	load6(g, R6, CTX(msg_src_ip6));
	for (int k = 0; k < 4; k++)
		jne(p, R2 + k, 0, chk);
	/* no source yet: mine */
	jne(p, R7, 0, lb);
	store6(g, R6, CTX(msg_src_ip6), CF(first6));
	ja(p, g->ok);
	place(p, lb);
	store6(g, R6, CTX(msg_src_ip6), CF(lb6));
	ja(p, g->ok);
	place(p, chk);
	in_list6(g, R2);
	end(g, false);
}

/* socket(): refuse SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6 */
static void gen_sockcreate(struct gen *g)
{
	struct prog *p = &g->p;

	begin(g, F_NET);
	ldx(p, BPF_W, R2, R6, SK(type));
	jne(p, R2, SOCK_DGRAM, g->ok);
	ldx(p, BPF_W, R2, R6, SK(protocol));
	jeq(p, R2, IPPROTO_ICMP, g->deny);
	jeq(p, R2, IPPROTO_ICMPV6, g->deny);
	ja(p, g->ok);
	end(g, false);
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
	jump(p, BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0, g->deny);
}

static void gen_ingress(struct gen *g)
{
	static const unsigned char MASK4[4] = { 0xf0 }, MC4[4] = { 0xe0 },
		BC4[4] = { 255, 255, 255, 255 }, MC6[4] = { 0xff };
	struct prog *p = &g->p;

	begin(g, F_NET);
	int v6 = label(p);
	ldx(p, BPF_W, R2, R6, (int16_t)offsetof(struct __sk_buff, protocol));
	jeq(p, R2, htons(ETH_P_IPV6), v6);
	jne(p, R2, htons(ETH_P_IP), g->ok);
	flag(g, F_HAS4, false, g->deny);
	skb_bytes(g, 16, 4);    /* the destination: offset 16 of the IPv4 header */
	ldx(p, BPF_W, R2, FP, -4);
	mov32(p, R3, R2);
	and32i(p, R3, W(MASK4));
	jeq(p, R3, W(MC4), g->ok);
	jeq(p, R2, W(BC4), g->ok);
	in_list4(g, R2);
	ja(p, g->deny);
	place(p, v6);
	flag(g, F_HAS6, false, g->deny);
	skb_bytes(g, 24, 16);   /* offset 24 of the IPv6 header */
	load6(g, FP, -16);
	mov32(p, R0, R2);
	and32i(p, R0, W(MASK8));
	jeq(p, R0, W(MC6), g->ok);
	in_list6(g, R2);
	end(g, false);
}

/* the device allowlist (lib/devcg.c's list, the v1 controller's too):
 * struct bpf_cgroup_dev_ctx access_type (access << 16 | type), major, minor */
static void gen_devices(struct gen *g)
{
	const struct devallow *allow = devcg_allow;
	struct prog *p = &g->p;

	begin(g, F_DEV);
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
	end(g, false);
}

/* ---- the shared programs ----------------------------------------------- */
static const struct hook {
	const char *name;
	int type, attach;
	void (*gen)(struct gen *);
} hooks[] = {
	{ "vsbox_devices", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, gen_devices },
	{ "vsbox_bind4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, gen_bind4 },
	{ "vsbox_bind6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, gen_bind6 },
	{ "vsbox_connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, gen_connect4 },
	{ "vsbox_connect6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, gen_connect6 },
	{ "vsbox_sendmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, gen_sendmsg4 },
	{ "vsbox_sendmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, gen_sendmsg6 },
	{ "vsbox_sockcreat", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, gen_sockcreate },
	{ "vsbox_ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, gen_ingress },
};
#define NHOOKS (sizeof(hooks) / sizeof(hooks[0]))

/* one loaded set: the storage map and a program per hook */
struct set {
	int map;
	int prog[NHOOKS];
};

static void set_close(struct set *s)
{
	for (size_t i = 0; i < NHOOKS; i++) {
		if (s->prog[i] >= 0)
			close(s->prog[i]);
		s->prog[i] = -1;
	}
	if (s->map >= 0)
		close(s->map);
	s->map = -1;
}

static struct gen *gen_map(void)
{
	/* the generator's 37 KB are mapped while needed, not static: a
	 * context's init forked later carries none of them */
	struct gen *g = mmap(NULL, sizeof(*g), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (g == MAP_FAILED)
		die_errno("can't map %zu bytes for the BPF programs", sizeof(*g));
	return g;
}

/* The map's name says which programs use it: "vsbox_" and a hash (FNV-1a)
 * of all of them and of the storage layout. A set on the base made by
 * another build of vsbox is not taken for ours. */
static void set_name(struct gen *g, char name[BPF_OBJ_NAME_LEN])
{
	static char once[BPF_OBJ_NAME_LEN];    /* the same for the whole run */
	uint32_t h = 2166136261u ^ (uint32_t)sizeof(struct bncfg);

	if (!once[0]) {
		g->map = 0;
		for (size_t i = 0; i < NHOOKS; i++) {
			const unsigned char *b = (const unsigned char *)g->p.in;
			hooks[i].gen(g);
			for (size_t k = 0; k < g->p.n * sizeof(g->p.in[0]); k++)
				h = (h ^ b[k]) * 16777619u;
		}
		snprintf(once, sizeof(once), "vsbox_%08x", h);
	}
	memcpy(name, once, sizeof(once));
}

/* Load a set with generator g, its map named so: -1 + errno (the
 * verifier's complaint warned) */
static int set_load(struct set *s, struct gen *g, const char *name)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_CGROUP_STORAGE;
	a.key_size = sizeof(uint64_t);  /* the cgroup's id: one per cgroup */
	a.value_size = sizeof(struct bncfg);
	snprintf(a.map_name, sizeof(a.map_name), "%s", name);
	s->map = (int)bpf_sys(BPF_MAP_CREATE, &a);
	if (s->map < 0)
		return -1;
	g->map = s->map;
	for (size_t i = 0; i < NHOOKS; i++) {
		const struct hook *h = &hooks[i];

		h->gen(g);
		s->prog[i] = bpf_load(h->type, h->attach, g->p.in, g->p.n, h->name, false);
		if (s->prog[i] >= 0)
			continue;
		int e = errno;
		/* a host that can't load at all is told why by the caller */
		if (i && e != EPERM && e != ENOSYS) {
			bpf_load(h->type, h->attach, g->p.in, g->p.n, h->name, true);
			char *vlog = bpf_log(), *last = vlog + strlen(vlog);
			while (last > vlog && last[-1] == '\n')
				*--last = 0;
			last = strrchr(vlog, '\n');
			errno = e;
			warn_errno("can't load BPF program %s (%d instructions)", h->name, g->p.n);
			if (vlog[0])
				warn("verifier: %s", last ? last + 1 : vlog);
		}
		set_close(s);
		errno = e;
		return -1;
	}
	return 0;
}

/* the id of the map a program uses (0: none), and whether it is named so */
static uint32_t prog_map(int fd, const char *name)
{
	struct bpf_prog_info info;
	uint32_t ids[2];

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 2;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_info(fd, &info, sizeof(info)) || info.nr_map_ids != 1 ||
	    strncmp(info.name, name, sizeof(info.name)))
		return 0;
	return ids[0];
}

/* the map with this id if it is named so and of this layout: its fd; else -1 */
static int map_named(uint32_t id, const char *name)
{
	struct bpf_map_info mi;
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_id = id;
	if ((fd = (int)bpf_sys(BPF_MAP_GET_FD_BY_ID, &a)) < 0)
		return -1;
	memset(&mi, 0, sizeof(mi));
	if (!bpf_info(fd, &mi, sizeof(mi)) && !strcmp(mi.name, name) &&
	    mi.value_size == sizeof(struct bncfg) && mi.key_size == sizeof(uint64_t))
		return fd;
	close(fd);
	return -1;
}

/* the set attached to the base (its cgroup fd) whose map is named so, 0;
 * else -1. Sets of other builds may sit beside it (they allow all). */
static int set_find(int base, struct set *s, const char *name)
{
	uint32_t mapid = 0, ids[64];
	union bpf_attr a;

	for (size_t i = 0; i < NHOOKS; i++) {
		memset(&a, 0, sizeof(a));
		a.query.target_fd = (uint32_t)base;
		a.query.attach_type = (uint32_t)hooks[i].attach;
		a.query.prog_ids = (uint64_t)(uintptr_t)ids;
		a.query.prog_cnt = 64;
		if (bpf_sys(BPF_PROG_QUERY, &a))
			goto none;
		for (uint32_t k = 0; k < a.query.prog_cnt && s->prog[i] < 0; k++) {
			union bpf_attr b;
			memset(&b, 0, sizeof(b));
			b.prog_id = ids[k];
			int fd = (int)bpf_sys(BPF_PROG_GET_FD_BY_ID, &b);
			if (fd < 0)
				continue;
			uint32_t m = prog_map(fd, hooks[i].name);
			if (m && !mapid && (s->map = map_named(m, name)) >= 0)
				mapid = m;
			if (m && m == mapid)
				s->prog[i] = fd;
			else
				close(fd);
		}
		if (s->prog[i] < 0)
			goto none;
	}
	return 0;
none:
	set_close(s);
	return -1;
}

/* The set every lock shares: found on the v2 base, or loaded and attached
 * there (its storage there all zeroes: the programs allow everything below
 * the base but what a lock of its own turns on). It stays as long as the
 * base does, so a guest start attaches the programs instead of loading and
 * verifying nine new ones, and they exist once, not per guest. -1 + errno
 * when there is no base or nothing can be loaded. */
static int set_shared(struct set **out)
{
	static struct set s = { -1, { -1, -1, -1, -1, -1, -1, -1, -1, -1 } };
	const struct cg_hier *v2 = cg_v2();
	char name[BPF_OBJ_NAME_LEN];
	struct gen *g;
	int base, e;

	if (s.map >= 0)
		return *out = &s, 0;
	if (!v2 || (base = open(v2->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	g = gen_map();
	set_name(g, name);
	if (!set_find(base, &s, name))
		goto done;
	/* one loader at a time; the next finds its set */
	while (flock(base, LOCK_EX))
		if (errno != EINTR)
			goto fail;
	if (!set_find(base, &s, name))
		goto done;
	if (set_load(&s, g, name))
		goto fail;
	for (size_t i = 0; i < NHOOKS; i++) {
		if (bpf_attach(base, s.prog[i], hooks[i].attach, false)) {
			e = errno;
			while (i--)
				bpf_attach(base, s.prog[i], hooks[i].attach, true);
			set_close(&s);
			errno = e;
			goto fail;
		}
	}
	trace("BPF programs loaded for the base");
done:
	munmap(g, sizeof(*g));
	close(base);        /* (drops the flock) */
	return *out = &s, 0;
fail:
	e = errno;
	munmap(g, sizeof(*g));
	close(base);
	errno = e;
	return -1;
}

/* ---- attaching ------------------------------------------------------------ */
static void put4(uint32_t *w, const unsigned char *a)
{
	memcpy(w, a, 4);
}

static void put6(uint32_t *w, const unsigned char *a)
{
	memcpy(w, a, 16);
}

/* the configuration of a lock to l */
static void net_cfg(struct bncfg *c, const struct netaddrs *l, unsigned opts)
{
	const struct netaddr *f4 = netaddrs_first(l, AF_INET), *f6 = netaddrs_first(l, AF_INET6);
	const unsigned char *lb4 = l->lb4.family ? l->lb4.a : f4 ? f4->a : NULL;
	const unsigned char *lb6 = l->lb6.family ? l->lb6.a : f6 ? f6->a : NULL;
	unsigned char m[16] = { [10] = 0xff, [11] = 0xff };

	c->flags |= F_NET;
	if (opts & BN_LOWPORTS)
		c->flags |= F_LOWPORTS;
	for (int i = 0; i < l->n; i++) {
		if (l->a[i].family == AF_INET)
			put4(&c->a4[c->n4++], l->a[i].a);
		else
			put6(c->a6[c->n6++], l->a[i].a);
	}
	if (f4) {
		c->flags |= F_HAS4;
		put4(&c->first4, f4->a);
		put4(&c->lb4, lb4);
		if (memcmp(lb4, LO4, 4))
			c->flags |= F_REMAP4;
		if (!f6 && !(opts & BN_NO_V4MAPPED)) {
			c->flags |= F_V4MAP | F_ANY6;
			memcpy(m + 12, f4->a, 4);
			put6(c->any6, m);
			memcpy(m + 12, lb4, 4);
			put6(c->bindlb6, m);
			if (memcmp(m, LO6, 16))
				c->flags |= F_BINDLB6;
		}
	}
	if (f6) {
		c->flags |= F_HAS6 | F_ANY6;
		put6(c->first6, f6->a);
		put6(c->lb6, lb6);
		put6(c->any6, f6->a);
		put6(c->bindlb6, lb6);
		if (memcmp(lb6, LO6, 16))
			c->flags |= F_REMAP6 | F_BINDLB6;
	}
}

static bool wanted(const struct hook *h, const struct netaddrs *l, unsigned opts)
{
	if (h->attach == BPF_CGROUP_DEVICE)
		return !l;
	return l && !(h->attach == BPF_CGROUP_INET_INGRESS && (opts & BN_NO_INGRESS)) &&
	       !(h->attach == BPF_CGROUP_INET_SOCK_CREATE && (opts & BN_KEEP_RAW));
}

/* Attach set s's programs for l (NULL: the device allowlist) to cgfd and
 * turn them on in its storage. -1 + errno, nothing left attached. */
static int set_attach(struct set *s, int cgfd, const struct netaddrs *l, unsigned opts)
{
	struct stat st;
	struct bncfg c;
	union bpf_attr a;
	uint64_t key;
	size_t i;
	int e;

	if (fstat(cgfd, &st))
		return -1;
	key = (uint64_t)st.st_ino;      /* a cgroup2 directory's inode is its id */
	for (i = 0; i < NHOOKS; i++)
		if (wanted(&hooks[i], l, opts) && bpf_attach(cgfd, s->prog[i], hooks[i].attach, false))
			goto undo;
	/* what is on already (the other of devices and lock) stays on */
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)s->map;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&c;
	if (bpf_sys(BPF_MAP_LOOKUP_ELEM, &a))
		goto undo;
	if (l)
		net_cfg(&c, l, opts);
	else
		c.flags |= F_DEV;
	a.flags = BPF_EXIST;
	if (!bpf_sys(BPF_MAP_UPDATE_ELEM, &a))
		return 0;
undo:
	e = errno;
	while (i--)
		if (wanted(&hooks[i], l, opts))
			bpf_attach(cgfd, s->prog[i], hooks[i].attach, true);
	errno = e;
	return -1;
}

/* The shared set; where it can't be used (no base, or this cgroup has it
 * already: a second lock on one cgroup) a private one, loaded for this
 * cgroup alone. -1 + errno. */
static int attach(int cgfd, const struct netaddrs *l, unsigned opts)
{
	struct set *s, own = { -1, { -1, -1, -1, -1, -1, -1, -1, -1, -1 } };
	int e;

	char name[BPF_OBJ_NAME_LEN];
	struct gen *g;

	if (!set_shared(&s) && !set_attach(s, cgfd, l, opts))
		return 0;
	g = gen_map();
	set_name(g, name);
	e = set_load(&own, g, name) ? errno : set_attach(&own, cgfd, l, opts) ? errno : 0;
	munmap(g, sizeof(*g));
	set_close(&own);        /* the cgroup holds them now, if attached */
	errno = e;
	return e ? -1 : 0;
}

const char *bpfnet_missing(void)
{
	static const struct bpf_insn ret1[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static int done;
	static const char *why;
	int fd;

	if (done)
		return why;
	done = 1;
	if (!cg_v2())
		return why = "no cgroup2 hierarchy is mounted: the IP lock needs cgroup v2 "
			     "(mount -t cgroup2 none /sys/fs/cgroup/unified)";
	fd = bpf_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, ret1, 2, "vsbox_probe", false);
	if (fd >= 0) {
		close(fd);
		return why = NULL;
	}
	if (errno == ENOSYS)
		return why = "the kernel has no bpf(2) system call (CONFIG_BPF_SYSCALL)";
	if (errno == EPERM || errno == EACCES)
		return why = "loading BPF programs is not permitted here: it needs root "
			     "(CAP_SYS_ADMIN, or CAP_BPF and CAP_NET_ADMIN)";
	if (errno == EINVAL)
		return why = "the kernel has no cgroup BPF socket hooks "
			     "(CONFIG_CGROUP_BPF, Linux 5.10 or later)";
	return why = strerror(errno);
}

const char *bpfnet_try_lock(int cgfd, const struct netaddrs *l, unsigned opts)
{
	const char *miss;

	if (!attach(cgfd, l, opts))
		return NULL;
	/* a host that can't lock at all gets told why (no probe on the way
	 * to success) */
	if ((miss = bpfnet_missing()))
		return miss;
	die_errno("can't lock the cgroup to its addresses");
}

void bpfnet_lock(int cgfd, const struct netaddrs *l, unsigned opts)
{
	const char *why = bpfnet_try_lock(cgfd, l, opts);

	if (why)
		die("%s", why);
}

int bpfnet_devices(int cgfd)
{
	return attach(cgfd, NULL, 0);
}
