/* bpfnet.c - lock a cgroup v2 directory to a list of IP addresses: load the
 * programs once, find them again, attach them, and fill a cgroup's
 * configuration from its address list.
 *
 * Kernel interfaces: bpf(2) BPF_MAP_CREATE (cgroup local storage),
 * BPF_PROG_LOAD / BPF_PROG_ATTACH / BPF_PROG_DETACH / BPF_PROG_QUERY and
 * the *_GET_FD_BY_ID commands (no libbpf). Kernel 5.10 or later.
 *
 * The programs (lib/bpfsock.c, lib/bpfgen.c) are generated and loaded once
 * and attached to the v2 base, where their storage is all zeroes: they
 * allow everything below the base but what a lock of its own turns on. A
 * lock attaches the same programs to its cgroup and writes the cgroup's
 * configuration (struct bncfg) into their storage. Attaching uses
 * BPF_F_ALLOW_MULTI: a program attached that way can only be detached by
 * whoever holds its fd, and the programs of every ancestor cgroup run too,
 * after ours, so a lock inside a locked tree can only narrow it.
 */
#include "vsbox.h"
#include "lib/bpfgen.h"
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/mman.h>

/* one loaded set: the storage map and a program per hook */
struct set {
	int map;
	int prog[NHOOKS];
};

static void set_init(struct set *s)
{
	s->map = -1;
	for (size_t i = 0; i < NHOOKS; i++)
		s->prog[i] = -1;
}

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
	/* refusals say what a real host would (5.18+), and with VSBOX_TRACE
	 * why, in the trace buffer where the kernel has one for BPF (not
	 * without CONFIG_BPF_EVENTS): such programs are a set of their own
	 * (another name, see set_name) beside the quiet ones */
	g->retval = bpf_can_set_retval();
	g->trace = g->retval && trace_fileno() >= 0 && bpf_can_trace_printk();
	g->v6only = bpf_can_track_v6only();
	g->skmap = 0;
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
	/* the socket storage only the programs hold */
	if (g->v6only && (g->skmap = sk_v6only_map()) < 0) {
		set_close(s);
		return -1;
	}
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
		if (g->v6only)
			close(g->skmap);
		errno = e;
		return -1;
	}
	if (g->v6only)
		close(g->skmap);
	return 0;
}

/* the ids of the (at most two) maps a program named so uses: how many */
static int prog_maps(int fd, const char *name, uint32_t ids[2])
{
	struct bpf_prog_info info;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 2;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_info(fd, &info, sizeof(info)) || info.nr_map_ids > 2 ||
	    strncmp(info.name, name, sizeof(info.name)))
		return 0;
	return (int)info.nr_map_ids;
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
			uint32_t m[2];
			int nm = prog_maps(fd, hooks[i].name, m);
			for (int j = 0; j < nm && !mapid; j++)
				if ((s->map = map_named(m[j], name)) >= 0)
					mapid = m[j];
			for (int j = 0; j < nm && s->prog[i] < 0; j++)
				if (m[j] == mapid)
					s->prog[i] = fd;
			if (s->prog[i] != fd)
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

/* What makes the set's name, besides the kernel (its boot: the probes of
 * gen_map answer the same until the next): this binary (its file) and
 * VSBOX_TRACE. KEY gets them as text; "" if they can't be had. */
static void name_key(char *key, size_t n)
{
	struct stat st;

	key[0] = 0;
	if (!stat("/proc/self/exe", &st))
		snprintf(key, n, "%llx:%llx:%llx:%llx.%lx %d", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino, (unsigned long long)st.st_size,
			 (unsigned long long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec, trace_fileno() >= 0);
}

/* RUNDIR/bpfset (run_note): the name set_name gave the last run of this
 * binary on this boot. Looking the set up under it spares a start the
 * probes (three BPF loads), the 37 KB of the generator and generating all
 * nine programs to hash them; a name that finds nothing (the base is new,
 * or the set was taken off it) is only a detour to the usual way. A name
 * can only find a set whose programs hash to it, so not even a wrong file
 * could attach other programs than these. */
static bool name_cached(const char *key, char name[BPF_OBJ_NAME_LEN])
{
	return key[0] && run_note("bpfset", key, name, BPF_OBJ_NAME_LEN) && !strncmp(name, "vsbox_", 6);
}

/* The set every lock shares: found on the v2 base, or loaded and attached
 * there (its storage there all zeroes: the programs allow everything below
 * the base but what a lock of its own turns on). It stays as long as the
 * base does, so a guest start attaches the programs instead of loading and
 * verifying nine new ones, and they exist once, not per guest. -1 + errno
 * when there is no base or nothing can be loaded. */
static int set_shared(struct set **out)
{
	static struct set s = { .map = -2 };    /* -2: not yet set_init */
	const struct cg_hier *v2 = cg_v2();
	char name[BPF_OBJ_NAME_LEN], key[160] = "";
	struct gen *g = NULL;
	int base, e;

	if (s.map >= 0)
		return *out = &s, 0;
	if (s.map == -2)
		set_init(&s);
	if (!v2 || (base = open(v2->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	name_key(key, sizeof(key));
	if (name_cached(key, name) && !set_find(base, &s, name)) {
		trace("BPF programs found under the name of the last start");
		goto done;
	}
	g = gen_map();
	set_name(g, name);
	if (key[0])
		run_note_set("bpfset", key, name);
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
	if (g)
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

/* the first IPv6 address of the list's own (not the private loopback) */
static const struct netaddr *first6(const struct netaddrs *l)
{
	for (int i = 0; i < l->n; i++)
		if (l->a[i].family == AF_INET6 && !(l->own6 && netaddr_eq(&l->a[i], &l->lb6)))
			return &l->a[i];
	return NULL;
}

/* the private loopback (lib/lback6.c): ::1 and :: go to it, bind(::1)
 * too, the rest of its prefix is out of reach; with no other IPv6 address
 * so is every other IPv6 destination */
static void own6_cfg(struct bncfg *c, const struct netaddrs *l, bool only)
{
	c->flags |= F_HAS6 | F_REMAP6 | F_BINDLB6 | F_OWN6;
	put6(c->lb6, l->lb6.a);
	put6(c->bindlb6, l->lb6.a);
	for (int k = 0; k < 4; k++) {
		int bits = l->lb6.prefix - 32 * k;
		uint32_t m = bits <= 0 ? 0 : bits >= 32 ? 0xffffffffu : ~0u << (32 - bits);
		uint32_t w;
		memcpy(&w, l->lb6.a + 4 * k, 4);
		c->pmask6[k] = htonl(m);
		c->priv6[k] = w & htonl(m);
	}
	if (only) {
		c->flags |= F_ONLYLB6;
		put6(c->first6, l->lb6.a);
		if (!(c->flags & F_ANY6)) {     /* (--no-v4mapped) */
			c->flags |= F_ANY6;
			put6(c->any6, l->lb6.a);
		}
	}
}

/* the configuration of a lock to l */
static void net_cfg(struct bncfg *c, const struct netaddrs *l, unsigned opts)
{
	const struct netaddr *f4 = netaddrs_first(l, AF_INET), *f6 = first6(l);
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
	if (l->own6)
		own6_cfg(c, l, !f6);
}

static bool wanted(const struct hook *h, const struct netaddrs *l, unsigned opts)
{
	if (h->attach == BPF_CGROUP_DEVICE)
		return !l;
	return l && !(h->attach == BPF_CGROUP_INET_INGRESS && (opts & BN_NO_INGRESS)) &&
	       !(h->attach == BPF_CGROUP_INET_SOCK_CREATE && (opts & BN_KEEP_RAW)) &&
	       !(h->attach == BPF_CGROUP_SETSOCKOPT && !l->own6);
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
	struct set *s, own;
	int e;

	char name[BPF_OBJ_NAME_LEN];
	struct gen *g;

	if (!set_shared(&s) && !set_attach(s, cgfd, l, opts))
		return 0;
	set_init(&own);
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

	if (!attach(cgfd, l, opts)) {
		kview_set(cgfd, l);     /* and, where the kernel can, hidden */
		return NULL;
	}
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
