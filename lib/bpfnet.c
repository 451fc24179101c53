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

/* ---- what every program needs to know ----------------------------------- */
struct gen {
	const struct netaddrs *l;
	unsigned opts;
	const unsigned char *first4, *first6, *lb4, *lb6;   /* NULL: none */
	unsigned char mfirst4[16], mlb4[16];                /* ::ffff:FIRST4, ::ffff:LB4 */
	struct prog p;
	int ok, deny;
};

static void begin(struct gen *g)
{
	g->p.n = g->p.nlbl = g->p.nfix = 0;
	g->ok = label(&g->p);
	g->deny = label(&g->p);
	mov64(&g->p, R6, R1);           /* the context, kept in a callee-saved register */
}

/* the two ways out: deny (0: EPERM, or drop) and allow (1; 3 for binds
 * that skip the CAP_NET_BIND_SERVICE check) */
static void end(struct gen *g, int allow)
{
	struct prog *p = &g->p;

	if (falls(p) || p->refs[g->deny]) {
		place(p, g->deny);
		mov64i(p, R0, 0);
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	if (p->refs[g->ok]) {
		place(p, g->ok);
		mov64i(p, R0, allow);
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	link_jumps(p);
}

/* jump to ok when the 32-bit register holds one of the IPv4 addresses */
static void in_list4(struct gen *g, int r)
{
	for (int i = 0; i < g->l->n; i++)
		if (g->l->a[i].family == AF_INET)
			jeq(&g->p, r, W(g->l->a[i].a), g->ok);
}

/* fall through when registers r..r+3 hold addr, else jump to l */
static void is6(struct gen *g, int r, const unsigned char *addr, int l)
{
	for (int k = 0; k < 4; k++)
		jne(&g->p, r + k, W(addr + 4 * k), l);
}

static void in_list6(struct gen *g, int r)
{
	for (int i = 0; i < g->l->n; i++) {
		if (g->l->a[i].family != AF_INET6)
			continue;
		int next = label(&g->p);
		for (int k = 0; k < 3; k++)
			jne(&g->p, r + k, W(g->l->a[i].a + 4 * k), next);
		jeq(&g->p, r + 3, W(g->l->a[i].a + 12), g->ok);
		place(&g->p, next);
	}
}

/* write 16 bytes to the context at off, or (base FP) to the stack */
static void store6(struct gen *g, int base, int16_t off, const unsigned char *addr)
{
	for (int k = 0; k < 4; k++) {
		if (base == FP) {
			st(&g->p, BPF_W, FP, off + 4 * k, W(addr + 4 * k));
		} else {
			mov32i(&g->p, R0, W(addr + 4 * k));
			stx(&g->p, BPF_W, base, R0, off + 4 * k);
		}
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

	if (!memcmp(g->lb4, LO4, 4))
		return;
	int re = label(p), done = label(p);
	jeq(p, r, 0, re);
	jne(p, r, W(LO4), done);
	place(p, re);
	mov32i(p, r, W(g->lb4));
	stx(p, BPF_W, R6, r, off);
	place(p, done);
}

/* the IPv6 destination in r2..r5: :: and ::1 become the stand-in */
static void remap6(struct gen *g, int16_t off)
{
	struct prog *p = &g->p;

	if (!memcmp(g->lb6, LO6, 16))
		return;
	int re = label(p), done = label(p);
	for (int k = 0; k < 3; k++)
		jne(p, R2 + k, 0, done);
	jeq(p, R5, 0, re);
	jne(p, R5, W(LO6 + 12), done);
	place(p, re);
	store6(g, R6, off, g->lb6);
	for (int k = 0; k < 4; k++)
		mov32i(p, R2 + k, W(g->lb6 + 4 * k));
	place(p, done);
}

/* the source for IPv4 destination in register r: into register s, the
 * first address, or the stand-in for 127.0.0.0/8 */
static void pick_src4(struct gen *g, int r, int s, int scratch)
{
	struct prog *p = &g->p;

	mov32i(p, s, W(g->first4));
	if (!memcmp(g->lb4, g->first4, 4))
		return;
	int done = label(p);
	mov32(p, scratch, r);
	and32i(p, scratch, W(MASK8));
	jne(p, scratch, W(NET127), done);
	mov32i(p, s, W(g->lb4));
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

	begin(g);
	if (!g->first4) {       /* no IPv4 address: refuse all */
		end(g, 1);
		return;
	}
	int notany = label(p);
	ldx(p, BPF_W, R2, R6, CTX(user_ip4));
	jne(p, R2, 0, notany);
	mov32i(p, R0, W(g->first4));            /* 0.0.0.0: my first address */
	stx(p, BPF_W, R6, R0, CTX(user_ip4));
	ja(p, g->ok);
	place(p, notany);
	if (memcmp(g->lb4, LO4, 4)) {
		int notlo = label(p);
		jne(p, R2, W(LO4), notlo);
		mov32i(p, R0, W(g->lb4));       /* 127.0.0.1: my loopback */
		stx(p, BPF_W, R6, R0, CTX(user_ip4));
		ja(p, g->ok);
		place(p, notlo);
	}
	in_list4(g, R2);
	end(g, g->opts & BN_LOWPORTS ? 3 : 1);
}

static void gen_bind6(struct gen *g)
{
	struct prog *p = &g->p;
	bool v4map = g->first4 && !(g->opts & BN_NO_V4MAPPED);
	begin(g);
	int native = label(p), mapped = label(p);
	load6(g, R6, CTX(user_ip6));
	jne(p, R2, 0, native);
	jne(p, R3, 0, native);
	jeq(p, R4, W(MAPPED), mapped);
	jne(p, R4, 0, native);
	jne(p, R5, 0, native);
	/* "::": my first IPv6 address, or, IPv4 only, my first IPv4 one */
	if (g->first6 || v4map) {
		store6(g, R6, CTX(user_ip6), g->first6 ? g->first6 : g->mfirst4);
		ja(p, g->ok);
	} else {
		ja(p, g->deny);
	}
	/* ::ffff:a.b.c.d: the IPv4 rules for a.b.c.d */
	place(p, mapped);
	if (g->first4) {
		if (v4map) {
			int m = label(p);
			jne(p, R5, 0, m);
			mov32i(p, R0, W(g->first4));
			stx(p, BPF_W, R6, R0, CTX(user_ip6[3]));
			ja(p, g->ok);
			place(p, m);
		}
		if (memcmp(g->lb4, LO4, 4)) {
			int m = label(p);
			jne(p, R5, W(LO4), m);
			mov32i(p, R0, W(g->lb4));
			stx(p, BPF_W, R6, R0, CTX(user_ip6[3]));
			ja(p, g->ok);
			place(p, m);
		}
		in_list4(g, R5);
	}
	ja(p, g->deny);
	place(p, native);
	/* ::1: my loopback (an IPv4-only tree's is ::ffff:LB4) */
	const unsigned char *lb = g->lb6 ? g->lb6 : v4map ? g->mlb4 : NULL;
	if (lb && memcmp(lb, LO6, 16)) {
		int n1 = label(p);
		is6(g, R2, LO6, n1);
		store6(g, R6, CTX(user_ip6), lb);
		ja(p, g->ok);
		place(p, n1);
	}
	in_list6(g, R2);
	end(g, g->opts & BN_LOWPORTS ? 3 : 1);
}

static void gen_connect4(struct gen *g)
{
	struct prog *p = &g->p;

	begin(g);
	if (!g->first4) {
		end(g, 1);
		return;
	}
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
	end(g, 1);
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

	begin(g);
	int native = label(p);
	load6(g, R6, CTX(user_ip6));
	jne(p, R2, 0, native);
	jne(p, R3, 0, native);
	jne(p, R4, W(MAPPED), native);
	/* to ::ffff:a.b.c.d (a dual-stack socket): the IPv4 rules, mapped */
	if (g->first4) {
		int mbind = label(p);
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
	} else {
		ja(p, g->deny);
	}
	place(p, native);
	if (!g->first6) {
		ja(p, g->deny);
		end(g, 1);
		return;
	}
	int nbind = label(p);
	remap6(g, CTX(user_ip6));
	/* the source: the stand-in for a destination that is it, else the first */
	sin6_stack(g);
	store6(g, FP, -24, g->first6);
	if (memcmp(g->lb6, g->first6, 16)) {
		int h = label(p);
		is6(g, R2, g->lb6, h);
		store6(g, FP, -24, g->lb6);
		place(p, h);
	}
	bound6(g, nbind);
	in_list6(g, R2);
	ja(p, g->deny);
	place(p, nbind);
	do_bind(g, -32, sizeof(struct sockaddr_in6));
	end(g, 1);
}

static void gen_sendmsg4(struct gen *g)
{
	struct prog *p = &g->p;

	begin(g);
	if (!g->first4) {
		end(g, 1);
		return;
	}
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
	end(g, 1);
}

static void gen_sendmsg6(struct gen *g)
{
	struct prog *p = &g->p;
	bool two = g->first6 && memcmp(g->lb6, g->first6, 16);

	begin(g);
	if (!g->first6) {
		end(g, 1);
		return;
	}
	load6(g, R6, CTX(user_ip6));
	remap6(g, CTX(user_ip6));
	/* r7 = 1 when the destination is my loopback stand-in */
	if (two) {
		int h = label(p);
		mov32i(p, R7, 0);
		is6(g, R2, g->lb6, h);
		mov32i(p, R7, 1);
		place(p, h);
	}
	load6(g, R6, CTX(msg_src_ip6));
	int chk = label(p);
	for (int k = 0; k < 4; k++)
		jne(p, R2 + k, 0, chk);
	/* no source yet: mine */
	if (two) {
		int lb = label(p);
		jne(p, R7, 0, lb);
		store6(g, R6, CTX(msg_src_ip6), g->first6);
		ja(p, g->ok);
		place(p, lb);
		store6(g, R6, CTX(msg_src_ip6), g->lb6);
	} else {
		store6(g, R6, CTX(msg_src_ip6), g->first6);
	}
	ja(p, g->ok);
	place(p, chk);
	in_list6(g, R2);
	end(g, 1);
}

/* socket(): refuse SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6 */
static void gen_sockcreate(struct gen *g)
{
	struct prog *p = &g->p;

	begin(g);
	ldx(p, BPF_W, R2, R6, SK(type));
	jne(p, R2, SOCK_DGRAM, g->ok);
	ldx(p, BPF_W, R2, R6, SK(protocol));
	jeq(p, R2, IPPROTO_ICMP, g->deny);
	jeq(p, R2, IPPROTO_ICMPV6, g->deny);
	ja(p, g->ok);
	end(g, 1);
}

static void gen_ingress(struct gen *g)
{
	static const unsigned char MASK4[4] = { 0xf0 }, MC4[4] = { 0xe0 },
		BC4[4] = { 255, 255, 255, 255 }, MC6[4] = { 0xff };
	struct prog *p = &g->p;

	begin(g);
	int v6 = label(p);
	ldx(p, BPF_W, R2, R6, (int16_t)offsetof(struct __sk_buff, protocol));
	jeq(p, R2, htons(ETH_P_IPV6), v6);
	jne(p, R2, htons(ETH_P_IP), g->ok);
	if (g->first4) {
		/* the destination address: offset 16 of the IPv4 header */
		mov64(p, R1, R6);
		mov64i(p, R2, 16);
		mov64(p, R3, FP);
		add64i(p, R3, -8);
		mov64i(p, R4, 4);
		call(p, BPF_FUNC_skb_load_bytes);
		jump(p, BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0, g->deny);
		ldx(p, BPF_W, R2, FP, -8);
		mov32(p, R3, R2);
		and32i(p, R3, W(MASK4));
		jeq(p, R3, W(MC4), g->ok);
		jeq(p, R2, W(BC4), g->ok);
		in_list4(g, R2);
	}
	ja(p, g->deny);
	place(p, v6);
	if (g->first6) {
		/* offset 24 of the IPv6 header */
		mov64(p, R1, R6);
		mov64i(p, R2, 24);
		mov64(p, R3, FP);
		add64i(p, R3, -16);
		mov64i(p, R4, 16);
		call(p, BPF_FUNC_skb_load_bytes);
		jump(p, BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0, g->deny);
		load6(g, FP, -16);
		mov32(p, R0, R2);
		and32i(p, R0, W(MASK8));
		jeq(p, R0, W(MC6), g->ok);
		in_list6(g, R2);
	}
	end(g, 1);
}

/* ---- loading and attaching --------------------------------------------- */
static const struct hook {
	const char *name;
	int type, attach;
	void (*gen)(struct gen *);
} hooks[] = {
	{ "vsbox_bind4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, gen_bind4 },
	{ "vsbox_bind6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, gen_bind6 },
	{ "vsbox_connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, gen_connect4 },
	{ "vsbox_connect6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, gen_connect6 },
	{ "vsbox_sendmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, gen_sendmsg4 },
	{ "vsbox_sendmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, gen_sendmsg6 },
	{ "vsbox_sockcreate", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, gen_sockcreate },
	{ "vsbox_ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, gen_ingress },
};
#define NHOOKS (sizeof(hooks) / sizeof(hooks[0]))

/* the hooks an option leaves out */
static bool skipped(const struct hook *h, unsigned opts)
{
	return (h->attach == BPF_CGROUP_INET_INGRESS && (opts & BN_NO_INGRESS)) ||
	       (h->attach == BPF_CGROUP_INET_SOCK_CREATE && (opts & BN_KEEP_RAW));
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
	/* the generator's 37 KB are mapped for this call only, not static: a
	 * context's init forked after it carries none of them */
	struct gen *g = mmap(NULL, sizeof(*g), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fds[NHOOKS], n = 0;

	if (g == MAP_FAILED)
		die_errno("can't map %zu bytes for the BPF programs", sizeof(*g));
	g->l = l;
	g->opts = opts;
	g->first4 = netaddrs_first(l, AF_INET) ? netaddrs_first(l, AF_INET)->a : NULL;
	g->first6 = netaddrs_first(l, AF_INET6) ? netaddrs_first(l, AF_INET6)->a : NULL;
	g->lb4 = l->lb4.family ? l->lb4.a : g->first4;
	g->lb6 = l->lb6.family ? l->lb6.a : g->first6;
	if (g->first4) {
		memcpy(g->mfirst4 + 10, "\xff\xff", 2);
		memcpy(g->mfirst4 + 12, g->first4, 4);
		memcpy(g->mlb4 + 10, "\xff\xff", 2);
		memcpy(g->mlb4 + 12, g->lb4, 4);
	}
	for (size_t i = 0; i < NHOOKS; i++) {
		const struct hook *h = &hooks[i];
		const char *miss;
		int fd;

		if (skipped(h, opts))
			continue;
		h->gen(g);
		fd = bpf_load(h->type, h->attach, g->p.in, g->p.n, h->name, false);
		/* the first load is the probe (no separate one on the way to
		 * success): a host that can't lock at all gets told why */
		if (fd < 0 && !n && (miss = bpfnet_missing())) {
			munmap(g, sizeof(*g));
			return miss;
		}
		if (fd < 0) {
			int e = errno;
			bpf_load(h->type, h->attach, g->p.in, g->p.n, h->name, true);
			char *vlog = bpf_log(), *last = vlog + strlen(vlog);
			while (last > vlog && last[-1] == '\n')
				*--last = 0;
			last = strrchr(vlog, '\n');
			errno = e;
			warn_errno("can't load BPF program %s (%d instructions)", h->name, g->p.n);
			if (vlog[0])
				warn("verifier: %s", last ? last + 1 : vlog);
			goto fail;
		}
		if (bpf_attach(cgfd, fd, h->attach, false)) {
			warn_errno("can't attach BPF program %s to the cgroup", h->name);
			close(fd);
			goto fail;
		}
		fds[n++] = fd;
	}
	munmap(g, sizeof(*g));
	/* the cgroup holds the programs now; detaching needs these fds,
	 * which nobody keeps */
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return NULL;
fail:
	/* leave the cgroup as it was: detach what we attached */
	for (size_t i = 0, k = 0; k < (size_t)n && i < NHOOKS; i++) {
		if (skipped(&hooks[i], opts))
			continue;
		bpf_attach(cgfd, fds[k], hooks[i].attach, true);
		close(fds[k++]);
	}
	die("can't lock the cgroup to its addresses");
}

void bpfnet_lock(int cgfd, const struct netaddrs *l, unsigned opts)
{
	const char *why = bpfnet_try_lock(cgfd, l, opts);

	if (why)
		die("%s", why);
}

/* Keep the kernel's cgroup BPF hooks switched on below dir (the v2 base).
 * A hook type's first program attached anywhere flips a static key, which
 * patches kernel text on every CPU (IPIs: about 0.3 ms each on a VM), and
 * the release of its last one flips it back: eight flips on every guest
 * start and again after every stop while no other guest runs. Programs that
 * allow everything, attached once to the base, keep the keys on; they run
 * besides each guest's own (BPF_F_ALLOW_MULTI: every program must allow),
 * so they change no answer. Best effort: a failure costs only time. */
void bpf_keep_warm(const char *dir)
{
	static const struct bpf_insn allow[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr q;
	int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (cgfd < 0)
		return;
	/* the device hook goes last: when it is there, all are */
	memset(&q, 0, sizeof(q));
	q.query.target_fd = (uint32_t)cgfd;
	q.query.attach_type = BPF_CGROUP_DEVICE;
	if (!bpf_sys(BPF_PROG_QUERY, &q) && !q.query.prog_cnt) {
		for (size_t i = 0; i <= NHOOKS; i++) {
			int type = i < NHOOKS ? hooks[i].type : BPF_PROG_TYPE_CGROUP_DEVICE;
			int attach = i < NHOOKS ? hooks[i].attach : BPF_CGROUP_DEVICE;
			int fd = bpf_load(type, attach, allow, 2, "vsbox_warm", false);
			if (fd < 0)
				break;
			bool ok = !bpf_attach(cgfd, fd, attach, false);
			close(fd);
			if (!ok)
				break;
		}
	}
	close(cgfd);
}
