/* ureflink.c - vunify's reflink method: identical files share extents.
 *
 * FIDEDUPERANGE (btrfs; XFS with reflink=1) makes a file's range refer to
 * another file's extents after the kernel itself has compared the bytes
 * of both under lock: nothing that changed since vunify read it can be
 * shared by mistake, and the files' names, inodes, owners, modes, times
 * and semantics do not change at all. Each guest may still write its copy:
 * the filesystem copies the extent it writes (copy-on-write), the others
 * keep theirs. A kill -9 at any moment leaves every file whole: each range
 * is shared or not, atomically. Memory is not shared: the page cache
 * holds one copy per inode.
 *
 * The first member of a group (the first guest's file) is the source; a
 * member whose extents are already the source's (a rerun) is counted as
 * already shared and left alone. What a member saves is the bytes of the
 * extents it did not share with anything before.
 */
#include "vsbox.h"
#include <linux/fs.h>
#include <sys/ioctl.h>

#define CHUNK (16ULL << 20)   /* btrfs dedupes at most 16 MiB a call */

static unsigned long long exclusive(const struct fext *x, int n)
{
	unsigned long long b = 0;

	for (int i = 0; i < n; i++)
		if (fext_placed(&x[i]) && !fext_shared(&x[i]))
			b += x[i].len;
	return b;
}

static int dedupe(int src, int dst, unsigned long long size)
{
	union {
		struct file_dedupe_range r;
		char b[sizeof(struct file_dedupe_range) + sizeof(struct file_dedupe_range_info)];
	} a;
	struct file_dedupe_range_info *i = &a.r.info[0];

	for (unsigned long long off = 0; off < size;) {
		memset(&a, 0, sizeof(a));
		a.r.src_offset = off;
		a.r.src_length = size - off < CHUNK ? size - off : CHUNK;
		a.r.dest_count = 1;
		i->dest_fd = dst;
		i->dest_offset = off;
		if (ioctl(src, FIDEDUPERANGE, &a))
			return -1;
		if (i->status < 0) {
			errno = -i->status;
			return -1;
		}
		if (i->status == FILE_DEDUPE_RANGE_DIFFERS || !i->bytes_deduped) {
			errno = ESTALE;     /* changed since it was read */
			return -1;
		}
		off += i->bytes_deduped;
	}
	return 0;
}

static void say(const struct unify *u, const struct ucand *c, const struct ucand *src,
		unsigned long long bytes)
{
	char b[32];

	printf("%s:%s = %s:%s (%s)\n", u->g[c->guest].name, u->pool + c->path,
	       u->g[src->guest].name, u->pool + src->path, fmt_kib((bytes + 1023) / 1024, b, sizeof(b)));
}

void unify_reflink(struct unify *u, struct ucand *m, size_t n)
{
	struct ucand *s = &m[0];
	int sfd = -1;

	/* data kept in the metadata (btrfs inline) has no extent to share */
	for (int i = 0; i < s->nx; i++)
		if (!fext_placed(&s->x[i]))
			return;
	if (!s->nx)
		return;
	for (size_t i = 1; i < n; i++) {
		struct ucand *c = &m[i];
		if (fext_same(s->x, s->nx, c->x, c->nx)) {
			u->already++;
			continue;
		}
		unsigned long long bytes = exclusive(c->x, c->nx);
		if (u->dry) {
			say(u, c, s, bytes);
			u->unified++;
			u->saved += bytes;
			continue;
		}
		if (sfd < 0 && (sfd = ucand_open(u, s)) < 0) {
			u->changed++;
			return;
		}
		int dfd = ucand_open(u, c);
		if (dfd < 0) {
			u->changed++;
			continue;
		}
		if (dedupe(sfd, dfd, (unsigned long long)c->size)) {
			if (errno == ESTALE)
				u->changed++;
			else if (errno == EPERM || errno == ETXTBSY) {
				u->refused++;      /* immutable, append-only, a swap file */
			} else {
				warn_errno("can't share %s:%s", u->g[c->guest].name, u->pool + c->path);
				u->failed++;
			}
		} else {
			u->unified++;
			u->saved += bytes;
		}
		close(dfd);
		unify_progress(u, false);
	}
	if (sfd >= 0)
		close(sfd);
}
