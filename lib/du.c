/* du.c - disk usage that knows about unification (vdu).
 *
 * A guest's files are walked once (lib/uwalk.c); each inode counts once
 * however many names it has. Its bytes are its extents' lengths (FIEMAP),
 * or its allocated blocks where there are no extents (directories,
 * symlinks, btrfs inline data, a filesystem without FIEMAP). Shared bytes
 * are those of extents the filesystem marks shared (a reflink, vunify's
 * deduplication, a snapshot), and every byte of an inode with hard links
 * outside the tree (more links than names the walk found: a store or
 * another guest has the rest). Own = total - shared: what the guest alone
 * costs, and what removing it would free.
 *
 * The sum over several trees counts shared data once: the union of every
 * placed extent (by physical address) and each other inode once.
 *
 * A guest unified by the overlay method (lib/uovl.c) is its upper layer,
 * counted as any tree, and the store files its lower layer's stubs refer
 * to, each once, all shared, and its lower layer's directories, its own
 * (vunify moves there the upper directories it leaves empty); the stubs
 * themselves (empty, sparse, their xattrs shared by ext4 between
 * guests) are not counted. The store itself is walked the same way, with
 * every guest's lower layer: the files a stub names are shared, the rest
 * its own.
 */
#include "vsbox.h"
#include <sys/xattr.h>

/* an open-addressed set of (dev, ino), with a little data each */
struct islot { uint64_t key; unsigned names, nlink; unsigned long long bytes, shared; bool used, store; };
struct iset { struct islot *s; size_t cap, n; };

static uint64_t ikey(const struct stat *st)
{
	return (uint64_t)st->st_ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)st->st_dev;
}

static struct islot *iset_get(struct iset *t, const struct stat *st, bool *fresh)
{
	uint64_t k = ikey(st);

	if (2 * (t->n + 1) > t->cap) {
		struct iset o = *t;
		t->cap = o.cap ? 2 * o.cap : 1024;
		t->s = xcalloc(t->cap, sizeof(*t->s));
		t->n = 0;
		for (size_t i = 0; i < o.cap; i++)
			if (o.s[i].used) {
				size_t j = (size_t)(o.s[i].key % t->cap);
				while (t->s[j].used)
					j = (j + 1) % t->cap;
				t->s[j] = o.s[i];
				t->n++;
			}
		free(o.s);
	}
	size_t j = (size_t)(k % t->cap);
	while (t->s[j].used && t->s[j].key != k)
		j = (j + 1) % t->cap;
	*fresh = !t->s[j].used;
	if (*fresh) {
		memset(&t->s[j], 0, sizeof(t->s[j]));
		t->s[j].used = true;
		t->s[j].key = k;
		t->n++;
	}
	return &t->s[j];
}

struct duw {
	struct uwalk w;
	struct du_state *st;
	struct du_figs *f;
	struct iset local;
	int storefd;            /* the overlay store, walking a lower layer */
	bool lowerdirs;         /* a guest's lower layer: its directories count */
};

static void add_ext(struct du_state *s, const struct fext *e)
{
	if (s->n == s->cap)
		s->ext = xrealloc(s->ext, (s->cap = s->cap ? 2 * s->cap : 4096) * sizeof(*s->ext));
	s->ext[s->n++] = *e;
}

/* bytes not in placed extents count once over every tree */
static void add_loose(struct du_state *s, const struct stat *st, unsigned long long bytes)
{
	bool fresh;

	if (!bytes)
		return;
	iset_get(s->seen, st, &fresh);
	if (fresh)
		s->loose += bytes;
}

static void visit(struct uwalk *w, int dirfd, const char *name, const struct stat *st)
{
	struct duw *d = (struct duw *)w;
	bool fresh;
	struct islot *i = iset_get(&d->local, st, &fresh);

	i->names++;
	if (!fresh)
		return;
	/* a directory's links are its subdirectories' "..": never shared */
	i->nlink = S_ISDIR(st->st_mode) ? 1 : (unsigned)st->st_nlink;
	d->f->files++;
	unsigned long long blocks = (unsigned long long)st->st_blocks * 512;
	if (!S_ISREG(st->st_mode) || !st->st_size) {
		i->bytes = blocks;
		add_loose(d->st, st, blocks);
		return;
	}
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat s2;
	struct fext *x;
	int n = -1;
	if (fd >= 0 && !fstat(fd, &s2) && s2.st_ino == st->st_ino && S_ISREG(s2.st_mode))
		n = fiemap_get(fd, &x);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		if (errno != ENOENT)
			d->f->nofiemap++;
		i->bytes = blocks;
		add_loose(d->st, st, blocks);
		return;
	}
	unsigned long long loose = 0;
	for (int k = 0; k < n; k++) {
		i->bytes += x[k].len;
		if (!fext_placed(&x[k])) {
			loose += x[k].len;
			continue;
		}
		if (fext_shared(&x[k]))
			i->shared += x[k].len;
		add_ext(d->st, &x[k]);
	}
	add_loose(d->st, st, loose);
	free(x);
}

/* a stub of a lower layer: the store file it names counts instead */
static void stub_visit(struct uwalk *w, int dirfd, const char *name, const struct stat *st)
{
	struct duw *d = (struct duw *)w;
	char redirect[128], *slash;
	struct stat sst;
	bool fresh;

	if (S_ISDIR(st->st_mode) && d->lowerdirs)
		visit(w, dirfd, name, st);
	if (!S_ISREG(st->st_mode))
		return;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	ssize_t l = fd < 0 ? -1 : fgetxattr(fd, "trusted.overlay.redirect", redirect, sizeof(redirect) - 1);
	if (fd >= 0)
		close(fd);
	if (l < 4 || redirect[0] != '/')
		return;            /* not a stub of vunify's */
	redirect[l] = 0;
	if (!(slash = strchr(redirect + 1, '/')))
		return;
	*slash = 0;
	int sd = openat(d->storefd, redirect + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sd < 0 || fstatat(sd, slash + 1, &sst, AT_SYMLINK_NOFOLLOW) || !S_ISREG(sst.st_mode)) {
		w->errors++;       /* a stub whose data is missing */
		if (sd >= 0)
			close(sd);
		return;
	}
	visit(w, sd, slash + 1, &sst);
	iset_get(&d->local, &sst, &fresh)->store = true;
	close(sd);
}

int du_tree_ovl(struct du_state *s, int rootfd, const int *lowerfd, int nlower, int storefd, struct du_figs *f)
{
	struct duw d;
	struct stat st;

	memset(&d, 0, sizeof(d));
	memset(f, 0, sizeof(*f));
	if (!s->seen)
		s->seen = xcalloc(1, sizeof(struct iset));
	d.st = s;
	d.f = f;
	d.w.visit = visit;
	if (fstat(rootfd, &st) || uwalk_run(&d.w, rootfd))
		return -1;
	visit(&d.w, rootfd, ".", &st);
	d.storefd = storefd;
	d.lowerdirs = rootfd != storefd;
	d.w.visit = stub_visit;
	for (int k = 0; k < nlower; k++) {
		unsigned long errors = d.w.errors;
		if (uwalk_run(&d.w, lowerfd[k]) || fstat(lowerfd[k], &st))
			return -1;
		stub_visit(&d.w, lowerfd[k], ".", &st);
		d.w.errors += errors;
	}
	for (size_t k = 0; k < d.local.cap; k++) {
		struct islot *i = &d.local.s[k];
		if (!i->used)
			continue;
		/* hard links elsewhere: a store, another guest, the host; a
		 * store file of the overlay method */
		if (i->nlink > i->names || i->store)
			i->shared = i->bytes;
		f->total += i->bytes;
		f->shared += i->shared < i->bytes ? i->shared : i->bytes;
	}
	f->own = f->total - f->shared;
	f->errors = d.w.errors;
	free(d.local.s);
	return 0;
}

int du_tree(struct du_state *s, int rootfd, struct du_figs *f)
{
	return du_tree_ovl(s, rootfd, NULL, 0, -1, f);
}

static int by_phys(const void *a, const void *b)
{
	const struct fext *x = a, *y = b;
	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

void du_total(struct du_state *s, struct du_figs *f)
{
	unsigned long long sum = 0, end = 0;

	if (s->n)
		qsort(s->ext, s->n, sizeof(*s->ext), by_phys);
	for (size_t k = 0; k < s->n; k++) {
		unsigned long long a = s->ext[k].phys, b = a + s->ext[k].len;
		if (b <= end)
			continue;
		sum += b - (a > end ? a : end);
		end = b;
	}
	f->total = sum + s->loose;
	f->shared = f->total >= f->own ? f->total - f->own : 0;
}

void du_free(struct du_state *s)
{
	if (s->seen)
		free(((struct iset *)s->seen)->s);
	free(s->seen);
	free(s->ext);
	memset(s, 0, sizeof(*s));
}
