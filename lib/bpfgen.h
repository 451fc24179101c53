/* bpfgen.h - private to the BPF generator (lib/bpfgen.c, lib/bpfsock.c)
 * and its loader (lib/bpfnet.c): a tiny assembler for raw BPF instructions
 * with forward labels, the layout of the per-cgroup configuration the
 * programs read, and the table of programs, one per cgroup hook.
 */
#ifndef VSBOX_BPFGEN_H
#define VSBOX_BPFGEN_H
#include <linux/bpf.h>

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

static inline void emit(struct prog *p, uint8_t code, int dst, int src, int16_t off, int32_t imm)
{
	if (p->n == MAXINSN)
		die("BPF program too long (too many addresses)");
	p->in[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = (uint8_t)dst,
		.src_reg = (uint8_t)src, .off = off, .imm = imm };
}

static inline int label(struct prog *p)
{
	if (p->nlbl == MAXLBL)
		die("BPF program too long (too many addresses)");
	p->pos[p->nlbl] = -1;
	p->refs[p->nlbl] = 0;
	return p->nlbl++;
}

static inline void place(struct prog *p, int l)
{
	p->pos[l] = p->n;
}

/* a jump to label l; code is the whole opcode (class | op | source) */
static inline void jump(struct prog *p, uint8_t code, int dst, int src, int32_t imm, int l)
{
	p->fix[p->nfix].at = p->n;
	p->fix[p->nfix++].lbl = l;
	p->refs[l]++;
	emit(p, code, dst, src, 0, imm);
}

static inline void link_jumps(struct prog *p)
{
	for (int i = 0; i < p->nfix; i++)
		p->in[p->fix[i].at].off = (int16_t)(p->pos[p->fix[i].lbl] - p->fix[i].at - 1);
}

/* can the instruction just emitted fall through into what follows? */
static inline bool falls(const struct prog *p)
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
static inline int32_t W(const unsigned char *b)
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
	F_OWN6 = 1 << 10,       /* lb6 is the private loopback: others of its
				   prefix (priv6/pmask6) are refused */
	F_ONLYLB6 = 1 << 11,    /* no IPv6 address but it: other IPv6
				   destinations are unreachable */
};
struct bncfg {
	uint32_t flags, n4, n6, first4, lb4;
	uint32_t first6[4], lb6[4], any6[4], bindlb6[4];
	uint32_t priv6[4], pmask6[4];
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

/* What a program's context is, for the trace of its refusals */
enum { K_SA4, K_SA6, K_OTHER };
#define MAXREF 12
struct gen {
	int map;                /* the storage map's fd */
	bool retval;            /* refusals set their errno (bpf_set_retval) */
	bool trace;             /* ... and write why to the trace buffer */
	bool v6only;            /* IPV6_V6ONLY is tracked (skmap) */
	int skmap;              /* socket storage: the IPV6_V6ONLY a socket set */
	struct prog p;
	int ok;                 /* allow */
	int deny;               /* the program's usual refusal (a ref[]) */
	const char *what;       /* "bind4", ... */
	int kind;               /* K_* */
	int nref;
	struct { int lbl, err; const char *why; } ref[MAXREF];
};


/* the pieces every program is made of (lib/bpfgen.c) */
void cfg_flag(struct gen *g, unsigned f, bool set, int l);
void prog_begin(struct gen *g, unsigned want, const char *what, int kind);
void prog_end(struct gen *g, bool bind);
/* A way out refusing with errno err (0: the negative errno in r0, from a
 * helper) for the reason why: its label. Without bpf_set_retval (before
 * Linux 5.18) every refusal is EPERM. */
int refuse(struct gen *g, int err, const char *why);
/* Can programs set their errno (bpf_set_retval, Linux 5.18+)? Probed once */
bool bpf_can_set_retval(void);
/* Can they call bpf_trace_printk (CONFIG_BPF_EVENTS)? Probed once */
bool bpf_can_trace_printk(void);
/* A socket storage map (an int per socket: the IPV6_V6ONLY it set), or -1;
 * can bind6 programs read one (probed once)? */
int sk_v6only_map(void);
bool bpf_can_track_v6only(void);
/* the map (fd) into r1, for a helper call */
void ld_map(struct gen *g, int fd);
void in_list4(struct gen *g, int r);
void in_list6(struct gen *g, int r);
void load6(struct gen *g, int base, int16_t off);

/* the socket-address programs (lib/bpfsock.c) */
void gen_bind4(struct gen *g);
void gen_bind6(struct gen *g);
void gen_connect4(struct gen *g);
void gen_connect6(struct gen *g);
void gen_sendmsg4(struct gen *g);
void gen_sendmsg6(struct gen *g);
void gen_getpeer4(struct gen *g);
void gen_getpeer6(struct gen *g);

/* one program per hook, in the order a set holds them (lib/bpfgen.c) */
struct hook {
	const char *name;
	int type, attach;
	void (*gen)(struct gen *);
};
#define NHOOKS 12
extern const struct hook hooks[NHOOKS];

#endif
