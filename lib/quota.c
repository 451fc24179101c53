/* quota.c - a guest's disk limits, DISK_LIMIT and INODE_LIMIT, enforced by
 * the filesystem its root is on (lib/qlabel.c labels trees, lib/btrfs.c
 * speaks to btrfs).
 *
 * ext4 and XFS: a project quota. Every inode of the guest's tree carries
 * the guest's project id, and its directories PROJINHERIT, so whatever is
 * made in it later, by the guest or from the host, is charged to the
 * guest, and a rename or hard link into it from another project is EXDEV.
 * The id is allocated once (quota_alloc_id) and kept by the root
 * directory's own inode, where it travels with the files: a context number
 * would not do, as a guest without S_CONTEXT gets another one at each start
 * and S_CONTEXT itself may be changed. "Labelled" means the root has its id
 * and PROJINHERIT, which a walk sets last: a build labels the empty root
 * (what it copies in inherits the id, no walk), a start labels the tree of
 * a guest built before or elsewhere (one walk, its time reported), later
 * starts find the label: an ioctl and a few quotactls. Nothing needs a walk
 * once the root is labelled: what the host makes in the tree meanwhile
 * inherits the id, and a rename or hard link from another project into it
 * is EXDEV (mv copies), so only an explicit "chattr -p" from the host can
 * put a file of another project there. df inside the guest
 * shows the project's limit as the size and its use as used (ext4 and XFS
 * both do, for a PROJINHERIT directory whose project has a limit).
 *
 * btrfs: the guest root is a subvolume (build makes it one), limited by its
 * qgroup 0/ID, which counts bytes only: INODE_LIMIT is refused there, and
 * df inside shows the whole filesystem (vserver NAME limits and
 * vserver-stat show the guest's use). Quotas must be enabled on the
 * filesystem ("btrfs quota enable"): vsbox does not turn them on behind
 * the administrator's back, since they cost every write and snapshot
 * deletion on the whole filesystem something.
 *
 * What keeps the guest inside its limit: it has no CAP_SYS_RESOURCE (quota
 * limits don't bind holders of it), and its seccomp filter refuses
 * FS_IOC_FSSETXATTR and file_setattr (project ids), FS_IOC_SETFLAGS
 * (chattr -P) and btrfs subvolume and snapshot creation (lib/seccomp.c);
 * hard links and reflinks of files outside its root cross a mount (EXDEV).
 */
#include "vsbox.h"
#include <dirent.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif

/* ---- where a filesystem is ---------------------------------------------- */
const char *fs_magic_name(unsigned long magic)
{
	switch (magic) {
	case 0xef53: return "ext4";
	case 0x58465342: return "xfs";
	case 0x9123683e: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x794c7630: return "overlay";
	case 0x6969: return "nfs";
	case 0x65735546: return "fuse";
	}
	return NULL;
}

/* The device and mount point of the filesystem dev, from mountinfo */
static int mount_of(dev_t dev, char *src, size_t ns, char *mnt, size_t nm)
{
	char want[32], line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = -1;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%u:%u", major(dev), minor(dev));
	/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - TYPE SOURCE SUPER */
	while (found && fgets(line, sizeof(line), f)) {
		char *fld[5], *save, *dash = strstr(line, " - ");
		int n = 0;
		if (!dash)
			continue;
		for (char *t = strtok_r(line, " ", &save); t && n < 5; t = strtok_r(NULL, " ", &save))
			fld[n++] = t;
		if (n < 5 || strcmp(fld[2], want))
			continue;
		snprintf(mnt, nm, "%s", fld[4]);
		char *s = strchr(dash + 3, ' ');
		snprintf(src, ns, "%.*s", s ? (int)strcspn(s + 1, " ") : 1, s ? s + 1 : "?");
		found = strcmp(fld[3], "/") ? 1 : 0;   /* the whole filesystem's mount wins */
	}
	fclose(f);
	return found < 0 ? -1 : 0;
}

/* ---- project quotas: quotactl ------------------------------------------- */
/* on the filesystem of fd: quotactl_fd (Linux 5.14), else quotactl on its
 * block device, as mountinfo names it */
static int qctl(int fd, unsigned cmd, unsigned id, void *addr)
{
	static bool no_fd_call;
	/* QCMD(cmd, PRJQUOTA), without its signed overflow */
	int c = (int)((cmd << SUBCMDSHIFT) | (PRJQUOTA & SUBCMDMASK));
	char src[PATH_MAX], mnt[PATH_MAX];
	struct stat st;

	if (!no_fd_call) {
		long r = syscall(SYS_quotactl_fd, fd, c, id, addr);
		if (!r || errno != ENOSYS)
			return (int)r;
		no_fd_call = true;
	}
	if (fstat(fd, &st) || mount_of(st.st_dev, src, sizeof(src), mnt, sizeof(mnt)))
		return -1;
	return (int)syscall(SYS_quotactl, c, src, id, addr);
}

/* the project's limits (bytes, inodes) and use; a project the filesystem
 * never saw (XFS: ENOENT) has none */
static int project_get(int fd, unsigned id, struct if_dqblk *d)
{
	memset(d, 0, sizeof(*d));
	if (qctl(fd, Q_GETQUOTA, id, d))
		return errno == ENOENT ? 0 : -1;
	return 0;
}

static int project_set(int fd, unsigned id, unsigned long long bytes, unsigned long long inodes)
{
	/* hard limits only: the soft ones would let it go over for a grace
	 * period, which a guest's root has nobody to warn */
	struct if_dqblk d = { .dqb_bhardlimit = bytes / 1024, .dqb_ihardlimit = inodes,
			      .dqb_valid = QIF_LIMITS };

	return qctl(fd, Q_SETQUOTA, id, &d);
}

static int fsx_get(int fd, struct fsxattr *x)
{
	memset(x, 0, sizeof(*x));
	return ioctl(fd, FS_IOC_FSGETXATTR, x);
}

/* ---- reading: what the filesystem holds for a root ---------------------- */
/* what: RD_LABEL the limits of a labelled root only (a start without a
 * limit: anything to clear?), RD_STATE and the quota state (a start with
 * one), RD_USE and the use too */
enum { RD_LABEL, RD_STATE, RD_USE };
static int qread(int fd, struct dquota *q, int what)
{
	bool use = what == RD_USE;

	struct statfs sf;
	struct fsxattr x;

	memset(q, 0, sizeof(*q));
	if (fstatfs(fd, &sf))
		return -1;
	q->magic = (unsigned long)sf.f_type;
	const char *n = fs_magic_name(q->magic);
	if (n)
		snprintf(q->fs, sizeof(q->fs), "%s", n);
	else
		snprintf(q->fs, sizeof(q->fs), "0x%lx", q->magic);
	if (!strcmp(q->fs, "btrfs")) {
		q->kind = QK_BTRFS;
		q->id = btrfs_subvol_id(fd);
		q->label = q->id != 0;
		if (!q->label)
			return 0;
		struct btrfs_qg g = { .want_use = use };
		int on = btrfs_qgroup(fd, q->id, &g);
		q->enforced = on != 0;          /* quotas on: limits hold */
		q->acct = on > 0;               /* and a qgroup counts for it */
		q->used = g.used;
		q->limit = g.limit;
		q->inconsistent = g.inconsistent;
		return 0;
	}
	if (strcmp(q->fs, "ext4") && strcmp(q->fs, "xfs"))
		return 0;               /* QK_NONE */
	q->kind = QK_PROJECT;
	if (!fsx_get(fd, &x)) {
		q->id = x.fsx_projid;
		q->label = x.fsx_projid && (x.fsx_xflags & FS_XFLAG_PROJINHERIT);
	}
	if (!q->label && what == RD_LABEL)
		return 0;
	struct fs_quota_statv sv = { .qs_version = FS_QSTATV_VERSION1 };
	if (qctl(fd, Q_XGETQSTATV, 0, &sv)) {
		q->qerr = errno;
		return 0;
	}
	q->acct = sv.qs_flags & FS_QUOTA_PDQ_ACCT;
	q->enforced = q->acct && (sv.qs_flags & FS_QUOTA_PDQ_ENFD);
	struct if_dqblk d;
	if (q->acct && q->label && !project_get(fd, (unsigned)q->id, &d)) {
		q->used = d.dqb_curspace;
		q->limit = d.dqb_bhardlimit * 1024;
		q->iused = d.dqb_curinodes;
		q->ilimit = d.dqb_ihardlimit;
		q->inodes = true;
	} else if (q->acct && q->label) {
		q->acct = false;
	}
	return 0;
}

int quota_read_fd(int fd, struct dquota *q)
{
	return qread(fd, q, RD_USE);
}

int quota_read(const char *root, struct dquota *q)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = quota_read_fd(fd, q);
	close(fd);
	return r;
}

/* ---- project ids: allocation ---------------------------------------------- */
struct idset { unsigned *v; int n; };

static void idset_add(struct idset *s, unsigned long id)
{
	if (id < QUOTA_ID_MIN || id > 0xfffffffeUL)
		return;
	s->v = xrealloc(s->v, (size_t)(s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = (unsigned)id;
}

static bool idset_has(const struct idset *s, unsigned id)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return true;
	return false;
}

unsigned quota_alloc_id(int fd)
{
	struct idset used = { 0 };
	struct stat me;
	char buf[65536];
	DIR *d;

	if (fstat(fd, &me))
		die_errno("can't stat a guest root");
	/* the other guests' roots on this filesystem */
	if ((d = opendir(rootdir()))) {
		struct dirent *e;
		while ((e = readdir(d))) {
			struct stat st;
			struct fsxattr x;
			int g = e->d_name[0] == '.' ? -1 :
				openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (g < 0)
				continue;
			if (!fstat(g, &st) && st.st_dev == me.st_dev && st.st_ino != me.st_ino && !fsx_get(g, &x))
				idset_add(&used, x.fsx_projid);
			close(g);
		}
		closedir(d);
	}
	/* the overlay method's store (lib/uovl.c), a project of its own */
	char sp[PATH_MAX];
	struct fsxattr sx;
	xsnprintf(sp, sizeof(sp), "%s/.ovl/store", rootdir());
	int sfd = open(sp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd >= 0 && !fsx_get(sfd, &sx))
		idset_add(&used, sx.fsx_projid);
	if (sfd >= 0)
		close(sfd);
	/* the administrator's named projects (NAME:ID) */
	if (read_file("/etc/projid", buf, sizeof(buf)) > 0)
		for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (*l != '#' && strchr(l, ':'))
				idset_add(&used, strtoul(strchr(l, ':') + 1, NULL, 10));
	/* and, where the filesystem counts, no id with a use or a limit */
	for (unsigned id = QUOTA_ID_MIN; id < 0xfffffffeU; id++) {
		struct if_dqblk q;
		if (idset_has(&used, id))
			continue;
		if (!project_get(fd, id, &q) && (q.dqb_curspace || q.dqb_curinodes ||
						q.dqb_bhardlimit || q.dqb_ihardlimit))
			continue;
		free(used.v);
		return id;
	}
	die("no free project id");
}

/* ---- build and delete ------------------------------------------------------ */
void quota_label_empty(int fd)
{
	struct fsxattr x;
	struct dquota q;

	if (fsx_get(fd, &x) || qread(fd, &q, RD_LABEL) || q.kind != QK_PROJECT || q.label)
		return;
	int lock = ctx_lock();          /* no other build takes the same id */
	x.fsx_projid = quota_alloc_id(fd);
	x.fsx_xflags |= FS_XFLAG_PROJINHERIT;
	ioctl(fd, FS_IOC_FSSETXATTR, &x);   /* EOPNOTSUPP: ext4 without project */
	ctx_unlock(lock);
}

int quota_mkroot(int parentfd, const char *name)
{
	int fd;

	/* btrfs: a subvolume, whose qgroup can limit it */
	if (btrfs_is(parentfd)) {
		if (btrfs_subvol_create(parentfd, name))
			return -1;
		return fchmodat(parentfd, name, 0755, 0);
	}
	if (mkdirat(parentfd, name, 0755))
		return -1;
	/* ext4 (with its project feature) and XFS: the empty root gets a
	 * project id of its own and PROJINHERIT, so that everything the build
	 * puts in inherits it. Where there are no project ids, it stays a
	 * plain directory (start says what is missing if it gets a limit). */
	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		quota_label_empty(fd);
		close(fd);
	}
	return 0;
}

int quota_rmroot(int parentfd, const char *name)
{
	struct dquota q = { 0 };
	int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	quota_read_fd(fd, &q);
	close(fd);
	/* a subvolume goes at once (the cleaner frees its extents later);
	 * its qgroup stays, stale, and is never reused (subvolume ids are
	 * not): "btrfs qgroup clear-stale" removes such */
	if (q.kind == QK_BTRFS && q.label && !btrfs_subvol_destroy(parentfd, name))
		return 0;
	if (remove_tree(parentfd, name))
		return -1;
	/* the project's limits would stay with its id, which the next guest
	 * could get */
	if (q.kind == QK_PROJECT && q.label && q.acct && (q.limit || q.ilimit))
		project_set(parentfd, (unsigned)q.id, 0, 0);
	return 0;
}

/* ---- applying: start, and limits set on a running guest ------------------ */
struct qundo {
	int kind;
	unsigned long long id, bytes, inodes;
	char root[PATH_MAX];
};

static int set_limits(int fd, int kind, unsigned long long id, unsigned long long bytes,
		      unsigned long long inodes)
{
	return kind == QK_BTRFS ? btrfs_qgroup_limit(fd, id, bytes) : project_set(fd, (unsigned)id, bytes, inodes);
}

static void undo_limits(void *arg)
{
	struct qundo *u = arg;
	int fd = open(u->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		set_limits(fd, u->kind, u->id, u->bytes, u->inodes);
		close(fd);
	}
}

/* set them, the old ones restored by the undo stack */
static void change_limits(const struct guest *g, int fd, const struct dquota *q,
			  unsigned long long bytes, unsigned long long inodes)
{
	struct qundo u = { q->kind, q->id, q->limit, q->ilimit, "" };

	if (q->limit == bytes && (q->kind == QK_BTRFS || q->ilimit == inodes))
		return;         /* the usual start: nothing to do */
	char own[PATH_MAX];
	snprintf(u.root, sizeof(u.root), "%s", uovl_own_root(g->name, g->root, own, sizeof(own)));
	if (set_limits(fd, q->kind, q->id, bytes, inodes))
		die_errno("%s: can't set the limits of %s %llu", g->name,
			  q->kind == QK_BTRFS ? "qgroup 0/" : "project", q->id);
	undo_push(undo_limits, &u, sizeof(u));
}

/* the seccomp rules that keep a guest inside its limit, lifted by S_SECCOMP */
static void rules_kept(const struct guest *g, const char *key, const char *const *rules, int n)
{
	for (int i = 0; i < n; i++)
		if (g->c.sc_allow & (1u << seccomp_rule(rules[i])))
			die("%s: S_SECCOMP allow:%s would let the guest out of its %s: remove it",
			    g->name, g->c.sc_allow == ~0u ? "all" : rules[i], key);
}

/* ext4, XFS: the project quota must be on, and enforced */
static void project_check(const struct guest *g, int fd, const struct dquota *q, const char *key)
{
	char src[PATH_MAX] = "?", mnt[PATH_MAX] = "?";
	struct stat st;
	bool xfs = !strcmp(q->fs, "xfs");

	if (q->enforced)
		return;
	if (!fstat(fd, &st))
		mount_of(st.st_dev, src, sizeof(src), mnt, sizeof(mnt));
	/* no quota operations at all (ENOSYS): an XFS mounted without quotas,
	 * or a kernel without XFS quota support (then /proc/fs/xfs has no
	 * xqmstat); an ext4 without the quota feature */
	if (xfs && q->qerr == ENOSYS && access("/proc/fs/xfs/xqmstat", F_OK))
		die("%s: %s: %s is on xfs (%s on %s), and this kernel has no XFS quota "
		    "support (CONFIG_XFS_QUOTA)", g->name, key, g->root, src, mnt);
	if (q->qerr && q->qerr != ESRCH && q->qerr != ENOENT && q->qerr != ENOSYS) {
		errno = q->qerr;
		die_errno("%s: %s: can't read the quota state of %s (%s on %s)", g->name, key, q->fs, src, mnt);
	}
	if (xfs)
		die("%s: %s: %s is on xfs (%s on %s) mounted without project quota enforcement: "
		    "mount it with -o prjquota (pquota)", g->name, key, g->root, src, mnt);
	if (q->acct)
		die("%s: %s: %s is on ext4 (%s on %s) mounted without prjquota: mount it with -o prjquota",
		    g->name, key, g->root, src, mnt);
	die("%s: %s: %s is on ext4 (%s on %s) without project quotas: enable them with "
	    "tune2fs -O project,quota %s (unmounted) and mount it with -o prjquota",
	    g->name, key, g->root, src, mnt, src);
}

/* give the tree its project id; q gets the id and the new figures */
static void project_label(const struct guest *g, int fd, struct dquota *q, bool quiet)
{
	struct qlabel r;
	unsigned id = (unsigned)q->id;
	uint64_t t0 = mono_ns();
	int lock = -1;

	if (!id) {
		lock = ctx_lock();      /* no other start or build takes the same id */
		id = quota_alloc_id(fd);
	}
	quota_label(fd, id, &r);
	if (lock >= 0)
		ctx_unlock(lock);
	double secs = (double)(mono_ns() - t0) / 1e9;
	if (r.failed) {
		errno = r.err;
		warn_errno("%s: %lu of %lu files could not get project %u (the first: %s), the next "
			   "start tries again", g->name, r.failed, r.files, id, r.first);
	}
	if (!quiet)
		printf("%s: project %u given to %lu of %lu files in %.2f s%s\n", g->name, id, r.changed,
		       r.files, secs, r.skipped ? " (symlinks and special files keep theirs: Linux 6.17 can change them)" : "");
	trace("tree labelled");
	if (qread(fd, q, RD_STATE))
		die_errno("%s: can't read the quota of %s", g->name, g->root);
	q->id = id;             /* (the root keeps its old label if anything failed) */
}

void quota_apply(const struct guest *g, unsigned long long bytes, unsigned long long inodes, unsigned how)
{
	static const char *const prules[] = { "fsxattr", "fsflags" }, *const brules[] = { "subvol" };
	const char *key = bytes || !inodes ? "DISK_LIMIT" : "INODE_LIMIT";
	char own[PATH_MAX];
	/* an overlay guest's limits are those of its own layer (lib/uovl.c) */
	int fd = open(uovl_own_root(g->name, g->root, own, sizeof(own)), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dquota q;

	if (fd < 0 || qread(fd, &q, bytes || inodes ? RD_STATE : RD_LABEL))
		die_errno("%s: can't open its root %s", g->name, g->root);
	if (!bytes && !inodes) {
		/* no limit (any more): a labelled root loses what it had */
		if (q.label && q.acct && (q.limit || q.ilimit))
			change_limits(g, fd, &q, 0, 0);
		close(fd);
		return;
	}
	switch (q.kind) {
	case QK_NONE:
		die("%s: %s: %s is on %s, which has no quota for a directory tree: ext4 or XFS "
		    "(project quotas) or btrfs (qgroups) can limit a guest", g->name, key, g->root, q.fs);
	case QK_BTRFS:
		if (!q.label)
			die("%s: %s: %s is a directory on btrfs, not a subvolume, which a qgroup could "
			    "limit (vserver build makes a guest root one): move its files into one "
			    "(btrfs subvolume create, then cp -a --reflink)", g->name, key, g->root);
		if (inodes)
			die("%s: INODE_LIMIT: %s is on btrfs, whose qgroups count bytes, not files: "
			    "unset INODE_LIMIT (DISK_LIMIT works)", g->name, g->root);
		if (!q.enforced)
			die("%s: %s: quotas are not enabled on the btrfs holding %s: enable them "
			    "with btrfs quota enable %s", g->name, key, g->root, rootdir());
		rules_kept(g, key, brules, 1);
		break;
	case QK_PROJECT:
		project_check(g, fd, &q, key);
		rules_kept(g, key, prules, 2);
		if (q.label)
			break;
		if (how & QA_LIVE)
			die("%s: %s: the files of the running guest have no project id yet: stop it, "
			    "set the limit, start it (the start gives them one)", g->name, key);
		project_label(g, fd, &q, how & QA_QUIET);
		break;
	}
	change_limits(g, fd, &q, bytes, inodes);
	close(fd);
}
