/* bpfsock.c - the socket-address programs of the IP lock, generated as raw
 * BPF instructions (lib/bpfgen.h) from nothing but the layout of the
 * per-cgroup configuration they read: the addresses themselves are data.
 *
 * Kernel interfaces: program type CGROUP_SOCK_ADDR, the bpf_bind helper
 * (connect hooks), the context's socket (struct bpf_sock). Kernel 5.10+.
 *
 *   bind4/6     0.0.0.0 / :: -> the family's first address (an IPv4-only
 *               list gives :: the mapped ::ffff:FIRST4 unless BN_NO_V4MAPPED);
 *               127.0.0.1 / ::1 -> the loopback stand-in; one of the list:
 *               allow; anything else: refuse (EADDRNOTAVAIL). With a
 *               private IPv6 loopback and no other IPv6 address, :: of a
 *               socket that set IPV6_V6ONLY (lib/bpfgen.c's setsockopt
 *               program keeps it in socket storage) -> the loopback
 *   connect6,   the private IPv6 loopback's prefix but itself: refused
 *   sendmsg6    (ECONNREFUSED); with no other IPv6 address, any IPv6
 *               destination but it: ENETUNREACH
 *   connect4/6  a destination of 127.0.0.1, ::1 or the wildcard goes to the
 *               loopback stand-in; an unbound socket is first bound to the
 *               source (bpf_bind, port 0: the address only) - the stand-in
 *               for loopback destinations, else the first address; a bound
 *               socket's address must be one of the list; a family the
 *               tree has no address of: ENETUNREACH. An IPv4-only tree's
 *               ::1 with no socket bound to its private loopback goes to
 *               ::ffff:FIRST4, where a dual-stack bind(::) is (bpf_sk_lookup)
 *   sendmsg4/6  (unconnected UDP) the same destination rewrite; no source
 *               yet: set it (msg_src_ip); a source from the socket or from
 *               IP_PKTINFO/IPV6_PKTINFO must be one of the list
 *   getpeer4/6  (getpeername, accept, recvfrom's name is not hooked) a peer
 *               that is the tree's loopback stand-in shows as 127.0.0.1 /
 *               ::1 (::ffff:127.0.0.1 mapped): what connected through the
 *               tree's 127.0.0.1 or ::1 looks like it to the server, so a
 *               stock access list (pg_hba.conf's "host ... 127.0.0.1/32",
 *               exim's relay_from_hosts = localhost) lets it in. On the
 *               shared stack that includes the host connecting from that
 *               address, which is the host's own anyway. Linux 5.8+.
 *
 * Verifier habits this code keeps: every address compare is a 32-bit
 * compare (BPF_JMP32) - a 64-bit compare with an immediate sign-extends it,
 * so 127.0.0.200 would never match; context fields are written with STX
 * from a register; no instruction is unreachable (a block is emitted only
 * when something jumps to it or falls into it).
 */
#include "vsbox.h"
#include "lib/bpfgen.h"
#include <netinet/in.h>

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

/* 16 bytes of the configuration at from to the context at off, or (base
 * FP) to the stack */
static void store6(struct gen *g, int base, int16_t off, int16_t from)
{
	for (int k = 0; k < 4; k++) {
		cfg(&g->p, R0, from + 4 * k);
		stx(&g->p, BPF_W, base, R0, off + 4 * k);
	}
}

/* the IPv4 destination in register r: 0.0.0.0 and 127.0.0.1 become the
 * loopback stand-in (written back to the context at off) */
static void remap4(struct gen *g, int r, int16_t off)
{
	struct prog *p = &g->p;
	int re = label(p), done = label(p);

	cfg_flag(g, F_REMAP4, false, done);
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

	cfg_flag(g, F_REMAP6, false, done);
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

/* the IPv6 destination in r2..r5 against the private loopback: another
 * address of its prefix is another guest's (refused); with no IPv6
 * address but it, any other destination is unreachable */
static void own6_check(struct gen *g)
{
	struct prog *p = &g->p;
	int out = label(p), only = label(p);

	cfg_flag(g, F_OWN6, false, out);
	for (int k = 0; k < 4; k++) {
		mov32(p, R0, R2 + k);
		cfg(p, R8, CF6(pmask6, k));
		emit(p, BPF_ALU | BPF_AND | BPF_X, R0, R8, 0, 0);
		cfg(p, R8, CF6(priv6, k));
		jnex(p, R0, R8, only);
	}
	is6(g, R2, CF(lb6), refuse(g, ECONNREFUSED, "another guest's private IPv6 loopback"));
	place(p, only);
	cfg_flag(g, F_ONLYLB6, false, out);
	is6(g, R2, CF(lb6), refuse(g, ENETUNREACH, "the tree has no IPv6 address but its loopback"));
	place(p, out);
}

/* is the socket IPV6_V6ONLY (as the setsockopt program saw it)? jump to l
 * when it is */
static void v6only_to(struct gen *g, int l)
{
	struct prog *p = &g->p;
	int no = label(p);

	ld_map(g, g->skmap);
	ldx(p, BPF_DW, R2, R6, CTX(sk));
	mov64i(p, R3, 0);
	mov64i(p, R4, 0);
	call(p, BPF_FUNC_sk_storage_get);
	jump(p, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0, no);
	ldx(p, BPF_W, R0, R0, 0);
	jne(p, R0, 0, l);
	place(p, no);
}

/* An IPv4-only tree's ::1 is its private loopback, but a dual-stack
 * bind(::) there lands on ::ffff:FIRST4 (IPv4 clients must reach it):
 * apache2's "Listen 80", sshd's "ListenAddress ::". A connect to the
 * loopback (r2..r5, just remapped) that no socket of the tree is bound to
 * exactly - nothing, or only a wildcard one of the host's - goes to that
 * address instead, where the dual-stack server is. A v6-only socket could
 * not reach it and keeps its ECONNREFUSED. r2..r5 hold the destination
 * after it. */
static void lb6_fallback(struct gen *g, int mapped)
{
	struct prog *p = &g->p;
	int keep = label(p), fb = label(p), tcp = label(p), look = label(p);

	cfg_flag(g, F_V4MAP, false, keep);
	cfg_flag(g, F_ONLYLB6, false, keep);
	is6(g, R2, CF(lb6), keep);
	if (g->v6only)
		v6only_to(g, keep);
	/* struct bpf_sock_tuple's ipv6 at FP-80: saddr ::, daddr lb6, sport 0,
	 * dport: the one connected to */
	st(p, BPF_DW, FP, -80, 0);
	st(p, BPF_DW, FP, -72, 0);
	store6(g, FP, -64, CF(lb6));
	st(p, BPF_W, FP, -48, 0);
	ldx(p, BPF_W, R0, R6, CTX(user_port));
	stx(p, BPF_H, FP, R0, -46);
	mov64(p, R1, R6);
	mov64(p, R2, FP);
	add64i(p, R2, -80);
	mov64i(p, R3, 36);
	mov64i(p, R4, -1);                      /* BPF_F_CURRENT_NETNS */
	mov64i(p, R5, 0);
	ldx(p, BPF_W, R0, R6, CTX(protocol));
	jne(p, R0, IPPROTO_UDP, tcp);
	call(p, BPF_FUNC_sk_lookup_udp);
	ja(p, look);
	place(p, tcp);
	call(p, BPF_FUNC_sk_lookup_tcp);
	place(p, look);
	jump(p, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0, fb);
	/* found: the tree's own when bound to the loopback itself (r7) */
	mov64(p, R8, R0);
	mov32i(p, R7, 0);
	int other = label(p);
	for (int k = 0; k < 4; k++) {
		ldx(p, BPF_W, R0, R8, SK(src_ip6) + 4 * k);
		cfg(p, R1, CF6(lb6, k));
		jnex(p, R0, R1, other);
	}
	mov32i(p, R7, 1);
	place(p, other);
	mov64(p, R1, R8);
	call(p, BPF_FUNC_sk_release);
	jne(p, R7, 0, keep);
	place(p, fb);
	store6(g, R6, CTX(user_ip6), CF(any6));
	load6(g, R6, CTX(user_ip6));
	ja(p, mapped);
	place(p, keep);
	load6(g, R6, CTX(user_ip6));
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
	ja(p, refuse(g, 0, "can't bind the socket to the tree's source address"));
}


/* ---- the programs --------------------------------------------------------- */
void gen_bind4(struct gen *g)
{
	struct prog *p = &g->p;

	prog_begin(g, F_NET, "bind4", K_SA4);
	g->deny = refuse(g, EADDRNOTAVAIL, "not an address of the tree");
	cfg_flag(g, F_HAS4, false, refuse(g, EADDRNOTAVAIL, "the tree has no IPv4 address"));
	int notany = label(p), notlo = label(p);
	ldx(p, BPF_W, R2, R6, CTX(user_ip4));
	jne(p, R2, 0, notany);
	cfg(p, R0, CF(first4));                 /* 0.0.0.0: my first address */
	stx(p, BPF_W, R6, R0, CTX(user_ip4));
	ja(p, g->ok);
	place(p, notany);
	cfg_flag(g, F_REMAP4, false, notlo);
	jne(p, R2, W(LO4), notlo);
	cfg(p, R0, CF(lb4));                    /* 127.0.0.1: my loopback */
	stx(p, BPF_W, R6, R0, CTX(user_ip4));
	ja(p, g->ok);
	place(p, notlo);
	in_list4(g, R2);
	prog_end(g, true);
}

void gen_bind6(struct gen *g)
{
	struct prog *p = &g->p;

	prog_begin(g, F_NET, "bind6", K_SA6);
	g->deny = refuse(g, EADDRNOTAVAIL, "not an address of the tree");
	int native = label(p), mapped = label(p);
	load6(g, R6, CTX(user_ip6));
	jne(p, R2, 0, native);
	jne(p, R3, 0, native);
	jeq(p, R4, W(MAPPED), mapped);
	jne(p, R4, 0, native);
	jne(p, R5, 0, native);
	/* "::": my first IPv6 address, or, IPv4 only, ::ffff:FIRST4 - but a
	 * v6-only socket (IPV6_V6ONLY, as setsockopt saw it) there gets the
	 * private loopback, which a v4-mapped address would never do for it */
	cfg_flag(g, F_ANY6, false, refuse(g, EADDRNOTAVAIL, "no address of the tree stands for ::"));
	if (g->v6only) {
		int any = label(p), only = label(p);
		cfg_flag(g, F_ONLYLB6, false, any);
		v6only_to(g, only);
		ja(p, any);
		place(p, only);
		store6(g, R6, CTX(user_ip6), CF(lb6));
		ja(p, g->ok);
		place(p, any);
	}
	store6(g, R6, CTX(user_ip6), CF(any6));
	ja(p, g->ok);
	/* ::ffff:a.b.c.d: the IPv4 rules for a.b.c.d */
	place(p, mapped);
	cfg_flag(g, F_HAS4, false, refuse(g, EADDRNOTAVAIL, "the tree has no IPv4 address"));
	int m1 = label(p), m2 = label(p);
	cfg_flag(g, F_V4MAP, false, m1);
	jne(p, R5, 0, m1);
	cfg(p, R0, CF(first4));
	stx(p, BPF_W, R6, R0, CTX(user_ip6[3]));
	ja(p, g->ok);
	place(p, m1);
	cfg_flag(g, F_REMAP4, false, m2);
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
	cfg_flag(g, F_BINDLB6, false, n1);
	is6k(g, R2, LO6, n1);
	store6(g, R6, CTX(user_ip6), CF(bindlb6));
	ja(p, g->ok);
	place(p, n1);
	in_list6(g, R2);
	prog_end(g, true);
}

void gen_connect4(struct gen *g)
{
	struct prog *p = &g->p;

	prog_begin(g, F_NET, "connect4", K_SA4);
	g->deny = refuse(g, EADDRNOTAVAIL, "the socket is bound to an address not of the tree");
	cfg_flag(g, F_HAS4, false, refuse(g, ENETUNREACH, "the tree has no IPv4 address"));
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
	prog_end(g, false);
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

void gen_connect6(struct gen *g)
{
	struct prog *p = &g->p;

	prog_begin(g, F_NET, "connect6", K_SA6);
	g->deny = refuse(g, EADDRNOTAVAIL, "the socket is bound to an address not of the tree");
	int native = label(p), mbind = label(p), nbind = label(p), h = label(p);
	int mapped = label(p);
	load6(g, R6, CTX(user_ip6));
	jne(p, R2, 0, native);
	jne(p, R3, 0, native);
	jne(p, R4, W(MAPPED), native);
	place(p, mapped);
	/* to ::ffff:a.b.c.d (a dual-stack socket): the IPv4 rules, mapped */
	cfg_flag(g, F_HAS4, false, refuse(g, ENETUNREACH, "the tree has no IPv4 address"));
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
	cfg_flag(g, F_HAS6, false, refuse(g, ENETUNREACH, "the tree has no IPv6 address"));
	remap6(g, CTX(user_ip6));
	own6_check(g);
	lb6_fallback(g, mapped);
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
	prog_end(g, false);
}

void gen_sendmsg4(struct gen *g)
{
	struct prog *p = &g->p;

	prog_begin(g, F_NET, "sendmsg4", K_SA4);
	g->deny = refuse(g, EADDRNOTAVAIL, "the source is not an address of the tree");
	cfg_flag(g, F_HAS4, false, refuse(g, ENETUNREACH, "the tree has no IPv4 address"));
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
	prog_end(g, false);
}

void gen_sendmsg6(struct gen *g)
{
	struct prog *p = &g->p;

	prog_begin(g, F_NET, "sendmsg6", K_SA6);
	g->deny = refuse(g, EADDRNOTAVAIL, "the source is not an address of the tree");
	cfg_flag(g, F_HAS6, false, refuse(g, ENETUNREACH, "the tree has no IPv6 address"));
	load6(g, R6, CTX(user_ip6));
	remap6(g, CTX(user_ip6));
	own6_check(g);
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
	prog_end(g, false);
}


/* getpeername4: lb4 -> 127.0.0.1 */
void gen_getpeer4(struct gen *g)
{
	struct prog *p = &g->p;

	prog_begin(g, F_NET, "getpeer4", K_SA4);
	cfg_flag(g, F_REMAP4, false, g->ok);
	ldx(p, BPF_W, R2, R6, CTX(user_ip4));
	cfg(p, R0, CF(lb4));
	jnex(p, R2, R0, g->ok);
	mov32i(p, R0, W(LO4));
	stx(p, BPF_W, R6, R0, CTX(user_ip4));
	ja(p, g->ok);
	prog_end(g, false);
}

/* getpeername6: lb6 -> ::1, ::ffff:lb4 -> ::ffff:127.0.0.1 */
void gen_getpeer6(struct gen *g)
{
	struct prog *p = &g->p;

	prog_begin(g, F_NET, "getpeer6", K_SA6);
	int v4 = label(p);
	load6(g, R6, CTX(user_ip6));            /* r2..r5 */
	cfg_flag(g, F_REMAP6, false, v4);
	is6(g, R2, CF(lb6), v4);
	for (int k = 0; k < 4; k++) {
		mov32i(p, R0, W(LO6 + 4 * k));
		stx(p, BPF_W, R6, R0, CTX(user_ip6) + 4 * k);
	}
	ja(p, g->ok);
	place(p, v4);
	cfg_flag(g, F_REMAP4, false, g->ok);
	jne(p, R2, 0, g->ok);
	jne(p, R3, 0, g->ok);
	jne(p, R4, W(MAPPED), g->ok);
	cfg(p, R0, CF(lb4));
	jnex(p, R5, R0, g->ok);
	mov32i(p, R0, W(LO4));
	stx(p, BPF_W, R6, R0, CTX(user_ip6) + 12);
	ja(p, g->ok);
	prog_end(g, false);
}
