/* ushift.c - USERNS_CHOWN=yes: a USERNS guest's root on a filesystem that
 * can't be idmapped (ramfs, some network and FUSE filesystems) gets its
 * ownership shifted once, on disk, instead: ids 0..USERNS_SIZE-1 become
 * USERNS_BASE.., so the guest's root sees them as its own through the
 * plain (not idmapped) root.
 *
 * Once: the root directory, shifted last, is the mark (owned by
 * USERNS_BASE: shifted); a shift cut short is finished by the next start,
 * which leaves alone what is in the range already. The walk never follows
 * a link and does not cross into other filesystems (lib/uwalk.c); chown
 * clears the setuid and setgid bits and the file capabilities, so both
 * are put back (the capabilities as a v3 entry whose root is USERNS_BASE:
 * effective inside the guest's namespace only). POSIX ACL entries naming
 * users or groups are not shifted. Only a filesystem that can't be
 * idmapped is shifted: on one that can, USERNS_CHOWN changes nothing.
 */
#include "vsbox.h"
#include "lib/unify.h"
#include <linux/capability.h>
#include <linux/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/* Can the filesystem under root be idmapped? Asked of the kernel with a
 * user namespace made for the question (a child's, mapped like the
 * guest's) and a detached copy of the root, both gone afterwards */
static bool can_idmap(const char *root, unsigned base, unsigned size)
{
	int ns = userns_fd(base, size), t = ns < 0 ? -1 : userns_clone(root, ns, false);

	if (t >= 0)
		close(t);
	if (ns >= 0)
		close(ns);
	return t >= 0;
}

struct shift {
	struct uwalk w;
	unsigned base, size;
	unsigned long files, changed, failed;
	bool progress;
	int err;
	char first[PATH_MAX + 32];
};

/* an id in the guest's range on disk: the host's for it */
static unsigned moved(unsigned id, const struct shift *s)
{
	return id < s->size ? id + s->base : id;
}

static void shift_one(struct shift *s, int dirfd, const char *name, const struct stat *st)
{
	unsigned uid = moved(st->st_uid, s), gid = moved(st->st_gid, s);
	char cap[sizeof(struct vfs_ns_cap_data)];
	ssize_t nc = -1;

	if (uid == st->st_uid && gid == st->st_gid)
		return;         /* outside the range, or shifted already */
	/* its file capabilities, which chown drops */
	if (S_ISREG(st->st_mode)) {
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0) {
			nc = fgetxattr(fd, "security.capability", cap, sizeof(cap));
			close(fd);
		}
	}
	if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) ||
	    (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
	     fchmodat(dirfd, name, st->st_mode & 07777, 0))) {
		if (!s->failed++) {
			s->err = errno;
			snprintf(s->first, sizeof(s->first), "%s", s->w.path);
		}
		return;
	}
	if (nc >= (ssize_t)XATTR_CAPS_SZ_2) {
		/* v2 or v3 in, v3 out: root is the guest's */
		struct vfs_ns_cap_data v3;
		memcpy(&v3, cap, (size_t)nc < sizeof(v3) ? (size_t)nc : sizeof(v3));
		v3.magic_etc = (v3.magic_etc & VFS_CAP_FLAGS_EFFECTIVE) | VFS_CAP_REVISION_3;
		v3.rootid = s->base;
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 || fsetxattr(fd, "security.capability", &v3, sizeof(v3), 0)) {
			if (!s->failed++) {
				s->err = errno;
				snprintf(s->first, sizeof(s->first), "%s (its file capabilities)", s->w.path);
			}
		}
		if (fd >= 0)
			close(fd);
	}
	s->changed++;
}

static void visit(struct uwalk *w, int dirfd, const char *name, const struct stat *st)
{
	struct shift *s = (struct shift *)w;

	shift_one(s, dirfd, name, st);
	if (++s->files % 2000 == 0 && s->progress)
		fprintf(stderr, "\r%lu files...", s->files);
}

bool ushift_prepare(const struct guest *g, bool quiet)
{
	struct shift s = { .w.visit = visit, .base = g->c.userns_base, .size = g->c.userns_size };
	struct stat st;
	struct statfs sf;
	int rootfd;
	uint64_t t0 = mono_ns();

	if (!g->c.userns_chown && !uovl_is(g->name))
		return false;
	rootfd = xopenat(AT_FDCWD, g->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fstat(rootfd, &st))
		die_errno("can't stat %s", g->root);
	/* shifted, or an overlay whose layers are idmapped (lib/uovl.c):
	 * shown as it is */
	if (st.st_uid == s.base) {
		close(rootfd);
		return true;
	}
	if (!g->c.userns_chown || can_idmap(g->root, s.base, s.size)) {
		close(rootfd);
		return false;   /* idmapped as usual: nothing to shift */
	}
	if (fstatfs(rootfd, &sf))
		sf.f_type = 0;
	s.progress = !quiet && isatty(2);
	if (!quiet)
		fprintf(stderr, "%s: shifting the ownership of %s by %u (USERNS_CHOWN: filesystem 0x%lx "
			"can't be idmapped; once)...\n", g->name, g->root, s.base, (unsigned long)sf.f_type);
	if (uwalk_run(&s.w, rootfd))
		die_errno("can't walk %s", g->root);
	/* the root last: the mark that it is done */
	if (!s.failed && !s.w.errors)
		shift_one(&s, rootfd, ".", &st);
	close(rootfd);
	if (s.progress && s.files >= 2000)
		fprintf(stderr, "\r%lu files.    \n", s.files);
	if (s.failed)
		die("%s: can't shift the ownership of %s/%s: %s (%lu failed; the next start goes on)",
		    g->name, g->root, s.first[0] == '/' ? s.first + 1 : s.first, strerror(s.err), s.failed);
	if (s.w.errors)
		die("%s: %lu entries of %s could not be read: ownership not shifted whole "
		    "(the next start goes on)", g->name, s.w.errors, g->root);
	if (!quiet)
		fprintf(stderr, "%s: %lu of %lu files shifted in %lu ms\n", g->name, s.changed + 1,
			s.files + 1, (unsigned long)((mono_ns() - t0) / 1000000));
	return true;
}
