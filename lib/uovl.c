/* uovl.c - vunify's overlay method: guests share files through overlayfs,
 * on a stock kernel and any filesystem with trusted xattrs (ext4, XFS,
 * btrfs), one copy on disk and one in the page cache.
 *
 * Where things live (ROOTDIR is $VSBOX_ROOTDIR):
 *   ROOTDIR/.ovl/store/X/YZ...      one file per content (its SHA-256's
 *                                   first 132 bits in base64url, the
 *                                   whole digest its trusted.vsbox.sha256:
 *                                   lib/uovlfold.c), root's, mode 0400,
 *                                   immutable
 *   ROOTDIR/.ovl/NAME/upper         what is the guest's own: its old root,
 *                                   moved here whole by one rename
 *   ROOTDIR/.ovl/NAME/lower         a tree of "metacopy" stubs: for each
 *                                   unified file an empty sparse file of its
 *                                   size, owner, mode, times and xattrs,
 *                                   whose trusted.overlay.redirect names
 *                                   its content in the store
 *   ROOTDIR/.ovl/NAME/work          overlayfs's scratch directory
 *   ROOTDIR/NAME                    an empty immutable directory on which
 *                                   the overlay is mounted in the host's
 *                                   mount namespace
 * The overlay is lowerdir=lower::store (the store is a data-only lower
 * layer, Linux 6.5+, as composefs uses it), metacopy=on: a stub's data is
 * read from the store file, whose page cache every guest shares. The store
 * is referred to by path, never by hard link: its files can be immutable
 * (a hard link to an immutable inode can't be made on a stock kernel), and
 * they carry no owner or mode of a guest's (the stubs do), so one content
 * is one file whoever owns its copies. It is not the link method's
 * ROOTDIR/.hash: that store's entries are removed when no guest links them.
 *
 * What the guest sees is the overlay: a write, truncate, chmod or chown of
 * a unified file copies it (or only its metadata) up into the guest's
 * upper layer; a delete is a whiteout there. The store and the other
 * guests are untouched, and overlayfs refuses to let anyone set a
 * trusted.overlay.* xattr through it, so no guest can point a stub
 * elsewhere. The host finds the guest's whole tree at ROOTDIR/NAME, running
 * or stopped: the mount stays after a stop. A write there is a write to
 * the overlay (a copy-up), never to the store. After a host boot the first
 * start, or vunify, mounts it again (uovl_mount); until then ROOTDIR/NAME
 * is the empty immutable directory: nothing can be written into it.
 *
 * A USERNS guest's overlay has idmapped layers (Linux 5.19+): each layer,
 * the store's too, is a copy of ROOTDIR/.ovl shown through a user
 * namespace mapped as the guest's (userns_fd), attached a moment on a
 * staging directory for the option string to name, and overlayfs works
 * in them as root inside (USERNS_BASE): host root's ids are not in the
 * map, and a layer it can't write in leaves the overlay read-only. So the
 * files on disk keep plain ids (the store is shared with plain guests)
 * and the one overlay shows them shifted, to the guest (whose root is a
 * plain copy of it, lib/ushift.c) and to the host at ROOTDIR/NAME alike:
 * overlayfs can't be idmapped itself, and a second overlay on the same
 * upper layer would be undefined. A guest whose ids USERNS_CHOWN shifted
 * on disk before (its upper's root owned by USERNS_BASE) keeps a plain
 * overlay, as does one where overlayfs can't idmap its layers and
 * USERNS_CHOWN is set; without it such a guest is refused.
 *
 * A running guest is folded at its next start: overlayfs leaves changes
 * to the layers of a mounted overlay undefined, and a guest keeps its root
 * mounted while it runs. Its files still count for what is shared (its
 * upper layer, or its plain root, is only read), so the store gets the
 * files it has in common with others, and the run leaves a marker,
 * ROOTDIR/.ovl/.fold/NAME; its next start first runs "vunify --method
 * overlay NAME" (uovl_start_fold), which joins it to what the store holds.
 * So vapt ALL --unify ends with the new files in the store, each guest
 * sharing them from its next start. vunify holds the lock of every
 * stopped guest named (a start waits), unmounts their overlays (refusing
 * if the host has a file open there), folds, and mounts them again.
 *
 * Folding one file F of a guest (a plain file in upper, every name of it
 * found in the guest, no overlayfs metadata of its own; every directory
 * above each name in upper neither opaque nor redirected, so a lookup
 * reaches lower's same path): (1) the store file of its content, if
 * missing, is made from a fresh O_TMPFILE copy whose digest is checked
 * again, linked under its name, then made immutable; (2) the stub is made
 * as an O_TMPFILE and linked in lower at F's path (and hard-linked at its
 * other names); (3) F's names are removed from upper. Each step is one
 * atomic name change and F in upper hides the stub until (3), so a
 * kill -9 at any moment leaves every guest's file either as it was or
 * unified, and no temporary name anywhere a guest sees. A store file
 * linked but not yet immutable (killed between (1)'s two steps) was
 * complete before its link and is made immutable by the next run. A guest
 * still a plain directory becomes an overlay by one rename of its root
 * into .ovl/NAME/upper; a run killed before the empty ROOTDIR/NAME is made
 * and mounted leaves it for the next start or run to make. A btrfs
 * subvolume root becomes .ovl/NAME itself, with them in it: lib/uovlsv.c.
 *
 * What is folded: the candidates of lib/unify.c, but configuration and
 * state too (/etc, /var, dpkg conffiles): what keeps them out of the
 * link method is that a guest changes them in place, which here is a
 * copy-up like any write. Left out are only what is volatile or not
 * files (/tmp /var/tmp /run /dev /proc /sys) and the users' own (/home
 * /root /srv).
 *
 * Then each upper directory folding left empty, and that lower has too,
 * goes (lib/uovldir.c): a guest's own is then mostly its lower layer's
 * directories, one block each on ext4 and XFS, and what is its alone.
 *
 * A run ends by removing the store files no stub of any guest names any
 * more (not while a guest waits to be folded at its next start).
 *
 * The store is charged to a project of its own on ext4 and XFS (a fresh
 * project id with PROJINHERIT given to the empty store, lib/quota.c), so
 * a guest's DISK_LIMIT charges only its own layer; vdu --store and
 * vserver-stat report it.
 *
 * The store and the folding of a file are lib/uovlfold.c, the upper
 * layer's directories lib/uovldir.c; vunify --undo (lib/uovlundo.c) makes
 * a guest a plain directory again; lib/uovlprobe.c tells whether this
 * kernel and filesystem can do all this.
 *
 * A test hook, VSBOX_VUNIFY_CRASH=POINT:N, kills vunify after the Nth
 * rename of a root ("adopt"), store file ("store"), stub ("stub"),
 * removal from upper ("fold"), of a hidden lower entry ("sweep") or of
 * an upper directory ("prune").
 */
#include "vsbox.h"
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "lib/uovl.h"

#define OVL_MAGIC 0x794c7630

struct uovl_run O = { .store = -1 };

/* ---- a guest's layers and its mount --------------------------------------- */
void uovl_path(const char *name, const char *sub, char *buf, size_t n)
{
	xsnprintf(buf, n, "%s/.ovl/%s%s%s", rootdir(), name, *sub ? "/" : "", sub);
}

bool uovl_is(const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	uovl_path(name, "upper", p, sizeof(p));
	return !lstat(p, &st) && S_ISDIR(st.st_mode);
}

/* the root of a mount? statx's STATX_ATTR_MOUNT_ROOT (Linux 5.8; musl
 * has no statx(): the kernel's struct, the fields used) */
static bool mount_root(const char *path)
{
	struct { uint32_t mask, blksize; uint64_t attr; uint32_t nlink, uid, gid; uint16_t mode, pad;
		 uint64_t ino, size, blocks, attr_mask; unsigned char rest[192]; } x;   /* 256 bytes */

	return !syscall(SYS_statx, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0, &x) &&
	       (x.attr_mask & 0x2000) && (x.attr & 0x2000);
}

/* is path an overlay's mount root? */
bool uovl_mounted(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && (unsigned long)sf.f_type == OVL_MAGIC && mount_root(path);
}

/* mount an overlay of the layers opts names relative to dir, from dir:
 * overlayfs shows its options as it was given them, and a guest reads
 * them in its /proc/mounts and mountinfo, which so name no host path (nor
 * can a path holding ',' or ':' upset the option string); 0 or -1 + errno */
int ovl_mount_in(const char *dir, const char *src, const char *target, const char *opts)
{
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), r = -1, e;
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	/* nodev: a device node in a guest's files opens nothing on the host
	 * (a guest's own root is bound nodev at its start anyway) */
	if (here >= 0 && dfd >= 0 && !fchdir(dfd))
		r = mount(src, target, "overlay", MS_NODEV, opts);
	e = errno;
	if (here >= 0 && fchdir(here))
		die_errno("can't return to the working directory");
	if (here >= 0)
		close(here);
	if (dfd >= 0)
		close(dfd);
	errno = e;
	return r;
}

/* ovl_mount_in, opts naming the layers relative to dir/sub; with a user
 * namespace ns, each layer idmapped through it: a copy of dir shown
 * through ns is attached on stage (an empty directory) for the names to
 * reach, and detached once the overlay is made (overlayfs keeps private
 * clones of its layers); 0 or -1 + errno */
int ovl_mount_ns(const char *dir, const char *sub, const char *target, const char *opts,
			int ns, unsigned base, const char *stage)
{
	char d[PATH_MAX];
	int t = -1, r = -1, e, sb;

	xsnprintf(d, sizeof(d), "%s/%s", ns < 0 ? dir : stage, sub);
	if (ns < 0)
		return ovl_mount_in(d, "vsbox-unified", target, opts);
	if ((t = userns_clone(dir, ns, false)) >= 0 &&
	    !syscall(SYS_move_mount, t, "", AT_FDCWD, stage, 4 /* MOVE_MOUNT_F_EMPTY_PATH */)) {
		/* overlayfs makes its work files, copy-ups and whiteouts as
		 * its mounter, whose file ids must map into the layers: host
		 * root's do not, root inside's (base) do; every capability
		 * kept meanwhile (no set*id fixup), then host root's again */
		sb = prctl(PR_GET_SECUREBITS);
		if (sb < 0 || prctl(PR_SET_SECUREBITS, sb | 4 /* SECBIT_NO_SETUID_FIXUP */))
			die_errno("can't keep the capabilities over a change of file ids");
		userns_fsids(base, base);
		r = ovl_mount_in(d, "vsbox-unified", target, opts);
		e = errno;
		userns_fsids(0, 0);
		prctl(PR_SET_SECUREBITS, sb);
		umount2(stage, MNT_DETACH);
		errno = e;
	}
	e = errno;
	if (t >= 0)
		close(t);
	errno = e;
	return r;
}

/* the empty, immutable mount point ROOTDIR/NAME (made if missing) */
static void mount_point(const char *name, const char *path)
{
	struct stat st;
	int fd;

	if (mkdir(path, 0755) && errno != EEXIST)
		die_errno("%s: can't make its mount point %s", name, path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die_errno("%s: can't open %s", name, path);
	/* a plain root there and layers too: someone made a guest anew */
	if (st.st_nlink > 2 || fd_setflags(fd, FS_IMMUTABLE_FL, true))
		die("%s: %s is not the empty mount point of its layers in %s/.ovl/%s (a new root made there?)",
		    name, path, rootdir(), name);
	close(fd);
}

/* overlayfs makes a copy-up in work/ and renames it into upper: where
 * the guest's root carries a project id (DISK_LIMIT, lib/quota.c) with
 * PROJINHERIT, the kernel refuses a rename from another project (EXDEV),
 * so work/ takes the same; its own files are then charged to the guest */
static void work_project(const char *name, const char *u, const char *w)
{
	struct fsxattr a, b;
	int uf = open(u, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int wf = open(w, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), e = 0;

	if (uf >= 0 && wf >= 0 && !ioctl(uf, FS_IOC_FSGETXATTR, &a) && !ioctl(wf, FS_IOC_FSGETXATTR, &b)) {
		unsigned inherit = a.fsx_xflags & FS_XFLAG_PROJINHERIT;
		if (b.fsx_projid != a.fsx_projid || (b.fsx_xflags & FS_XFLAG_PROJINHERIT) != inherit) {
			b.fsx_projid = a.fsx_projid;
			b.fsx_xflags = (b.fsx_xflags & ~FS_XFLAG_PROJINHERIT) | inherit;
			if (ioctl(wf, FS_IOC_FSSETXATTR, &b))
				e = errno;
		}
	}
	if (uf >= 0)
		close(uf);
	if (wf >= 0)
		close(wf);
	if (e) {
		errno = e;
		die_errno("%s: can't give %s the project id of %s", name, w, u);
	}
}

const char *uovl_own_root(const char *name, const char *root, char *buf, size_t n)
{
	if (!uovl_is(name))
		return root;
	uovl_path(name, "", buf, n);
	if (!uovl_sv(buf))
		uovl_path(name, "upper", buf, n);
	return buf;
}

void uovl_work_project(const char *name)
{
	char u[PATH_MAX], w[PATH_MAX];

	uovl_path(name, "upper", u, sizeof(u));
	uovl_path(name, "work", w, sizeof(w));
	work_project(name, u, w);
}

/* why a USERNS guest's overlay can't be shown to it, in why (NULL: it can) */
static const char *userns_why(const char *name, bool chown, char *why, size_t n)
{
	if (chown || feat_overlay_idmap(rootdir()) == FEAT_YES)
		return NULL;
	snprintf(why, n, "%s: USERNS=yes needs overlayfs with idmapped layers here (%s), or USERNS_CHOWN=yes",
		 name, feat_overlay_idmap_why());
	return why;
}

/* The user namespace a USERNS guest's overlay is shown through (its
 * range chosen now if it has none yet); -1: not a USERNS guest, or one
 * whose ids USERNS_CHOWN shifts on disk (lib/ushift.c) instead: unified
 * before idmapped layers (its own layer's root is owned by USERNS_BASE),
 * or where overlayfs can't idmap them. Dies where neither can be done */
static int guest_ns(const char *name, unsigned *base)
{
	char p[PATH_MAX], why[PATH_MAX + 256];
	struct guest *g;
	struct stat st;
	int ns = -1;

	xsnprintf(p, sizeof(p), "%s/%s.conf", confdir(), name);
	if (access(p, F_OK))
		return -1;
	g = xcalloc(1, sizeof(*g));
	guest_load(name, g);
	if (g->c.userns) {
		userns_range(g);
		uovl_path(name, "upper", p, sizeof(p));
		if (lstat(p, &st))
			die_errno("%s: can't stat %s", name, p);
		if (st.st_uid == g->c.userns_base)
			;       /* shifted on disk */
		else if (userns_why(name, g->c.userns_chown, why, sizeof(why)))
			die("%s", why);
		else if (feat_overlay_idmap(rootdir()) == FEAT_YES &&
			 (ns = userns_fd(g->c.userns_base, g->c.userns_size)) < 0)
			die_errno("%s: can't make a user namespace mapped as its", name);
		*base = g->c.userns_base;
	}
	free(g->mounts);
	free(g);
	return ns;
}

void uovl_mount(const char *name)
{
	static const char opts[] = "lowerdir=lower::../store,upperdir=upper,workdir=work,metacopy=on,redirect_dir=on";
	char path[PATH_MAX], d[PATH_MAX], u[PATH_MAX], w[PATH_MAX], stage[PATH_MAX];
	unsigned base = 0;
	int ns, r;

	if (!uovl_is(name))
		return;
	xsnprintf(path, sizeof(path), "%s/%s", rootdir(), name);
	if (uovl_mounted(path))
		return;
	mount_point(name, path);
	uovl_path(name, "upper", u, sizeof(u));
	uovl_path(name, "work", w, sizeof(w));
	work_project(name, u, w);
	/* a USERNS guest's layers idmapped: the host and the guest see its
	 * ids shifted at ROOTDIR/NAME, its files on disk keep them plain
	 * (as a plain USERNS guest's, and the store's) */
	ns = guest_ns(name, &base);
	xsnprintf(d, sizeof(d), "%s/.ovl", rootdir());
	xsnprintf(stage, sizeof(stage), "%s/ovl.%s", rundir(), name);
	if (ns >= 0) {
		xmkdir_p(rundir(), 0755);
		if (mkdir(stage, 0700) && errno != EEXIST)
			die_errno("%s: can't make %s", name, stage);
		umount2(stage, MNT_DETACH);     /* (what a kill -9 here left) */
	}
	r = ovl_mount_ns(d, name, path, opts, ns, base, stage);
	if (ns >= 0) {
		int e = errno;
		rmdir(stage);
		close(ns);
		errno = e;
	}
	if (r)
		die_errno("%s: can't mount its overlay on %s%s", name, path, ns >= 0 ? " (idmapped layers)" : "");
	/* private: a mount namespace made later gets a copy that our unmount
	 * does not reach (nor make busy) */
	if (mount(NULL, path, NULL, MS_PRIVATE, NULL))
		die_errno("%s: can't make its overlay on %s private", name, path);
}

int uovl_umount(const char *path)
{
	/* a mount namespace being made elsewhere on the host may hold it a
	 * moment (a copy of ours before it turned its own private) */
	for (int i = 0; umount2(path, 0); i++) {
		if (errno != EBUSY || i == 20)
			return -1;
		usleep(100000);
	}
	return 0;
}

/* a stub: its size's bytes are the data of the store's file at redirect */
int uovl_stub_xattrs(int fd, const char *redirect)
{
	return fsetxattr(fd, X_META, "", 0, 0) || fsetxattr(fd, X_REDIRECT, redirect, strlen(redirect), 0) ? -1 : 0;
}

/* ---- a run: the guests stopped, unmounted, their uppers the roots read ---- */
/* a plain root becomes an overlay's upper layer: one rename */
static void adopt(const char *name, const char *path)
{
	char d[PATH_MAX], up[PATH_MAX];

	if (uovl_sv(path)) {          /* a btrfs subvolume: lib/uovlsv.c */
		uovl_sv_adopt(name, path);
		mount_point(name, path);
		return;
	}
	uovl_path(name, "", d, sizeof(d));
	if (mkdir(d, 0700) && errno != EEXIST)
		die_errno("%s: can't make %s", name, d);
	uovl_path(name, "lower", d, sizeof(d));
	if (mkdir(d, 0755) && errno != EEXIST)
		die_errno("%s: can't make %s", name, d);
	uovl_path(name, "work", d, sizeof(d));
	if (mkdir(d, 0700) && errno != EEXIST)
		die_errno("%s: can't make %s", name, d);
	uovl_path(name, "upper", up, sizeof(up));
	if (rename(path, up))
		die_errno("%s: can't move its root %s to %s", name, path, up);
	unify_crash_point("adopt");
	mount_point(name, path);
}

/* why guest name can't become (or stay) an overlay now, in why; NULL if it can */
static const char *unfit(const char *name, char *why, size_t n)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	/* a user-namespaced guest's overlay has idmapped layers; where it
	 * can't, USERNS_CHOWN shifts its ids on disk instead (lib/ushift.c),
	 * through the overlay: a chown there copies up metadata only */
	xsnprintf(path, sizeof(path), "%s/%s.conf", confdir(), name);
	if (!access(path, F_OK)) {
		struct vconf *c = xcalloc(1, sizeof(*c));
		conf_load(path, c);
		bool userns = c->userns, chown = c->userns_chown;
		free(c);
		if (userns && userns_why(name, chown, why, n))
			return why;
	}
	xsnprintf(path, sizeof(path), "%s/%s", rootdir(), name);
	if (uovl_is(name))
		return NULL;
	else if (lstat(path, &st) || !S_ISDIR(st.st_mode))
		snprintf(why, n, "%s: its root %s is not a directory", name, path);
	else if (mount_root(path))
		snprintf(why, n, "%s: its root %s is a filesystem of its own: --method overlay moves it into "
			 "%s/.ovl, which needs it on %s's filesystem", name, path, rootdir(), rootdir());
	else {   /* (a btrfs subvolume moves whole: lib/uovlsv.c) */
		fd = xopenat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		const char *w = btrfs_subvol_id(fd) ? uovl_sv_unfit(name, fd, why, n) : NULL;
		return close(fd), w;
	}
	return why;
}

const char *uovl_unfit(const struct unify *u)
{
	static char why[2 * PATH_MAX + 256] BIG;

	for (int i = 0; i < u->ng; i++)
		if (unfit(u->g[i].name, why, sizeof(why)))
			return why;
	return NULL;
}

/* Every check before the first change: each root a plain directory that
 * can be moved into ROOTDIR/.ovl, or an overlay of ours; a stopped guest
 * locked until uovl_close (none starts meanwhile), a running one only
 * read (its lock is not kept: its stop need not wait for us) */
static void check_guest(struct unify *u, int i)
{
	char why[2 * PATH_MAX + 256];
	struct ctx c;

	if (!u->dry) {
		O.lock[i] = xcalloc(1, sizeof(struct guest));
		xsnprintf(O.lock[i]->name, sizeof(O.lock[i]->name), "%s", u->g[i].name);
		O.lock[i]->lockfd = -1;
		guest_lock(O.lock[i]);
		if (ctx_by_name(u->g[i].name, &c)) {
			O.ro[i] = true;
			guest_unlock_drop(O.lock[i]);   /* (a running guest has no lock file) */
			free(O.lock[i]);
			O.lock[i] = NULL;
		}
	}
	if (unfit(u->g[i].name, why, sizeof(why)))
		die("%s", why);
}

void uovl_open(struct unify *u)
{
	char path[PATH_MAX];

	O.lock = xcalloc((size_t)u->ng, sizeof(*O.lock));
	O.lower = xcalloc((size_t)u->ng, sizeof(int));
	O.ro = xcalloc((size_t)u->ng, sizeof(bool));
	for (int i = 0; i < u->ng; i++)
		check_guest(u, i);
	/* overlayfs keeps its own xattrs on upper files (origin, metacopy):
	 * they are not the guest's, and never copied into a stub */
	unify_xattr_ignore(X_PREFIX);
	/* the roots vunify opened are read in upper (a plain root: itself,
	 * which becomes upper by a rename that keeps this descriptor good);
	 * they are closed, or they would keep the mounts busy */
	for (int i = 0; i < u->ng; i++) {
		struct uguest *g = &u->g[i];
		close(g->rootfd);
		O.lower[i] = -1;
		if (uovl_is(g->name))
			uovl_path(g->name, "upper", path, sizeof(path));
		else
			xsnprintf(path, sizeof(path), "%s/%s", rootdir(), g->name);
		g->rootfd = xopenat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		g->fs = 0;     /* a store file serves every filesystem: one group */
	}
	xsnprintf(path, sizeof(path), "%s/.ovl/store", rootdir());
	O.store = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (O.store < 0 && errno != ENOENT)
		die_errno("can't open the store %s", path);
}

void uovl_prepare(struct unify *u)
{
	char path[PATH_MAX];

	if (u->dry)
		return;
	/* unmount first, all of them: a busy one is found before any change */
	for (int i = 0; i < u->ng; i++) {
		xsnprintf(path, sizeof(path), "%s/%s", rootdir(), u->g[i].name);
		if (!O.ro[i] && uovl_is(u->g[i].name) && uovl_mounted(path) && uovl_umount(path)) {
			int e = errno;
			for (int j = 0; j < i; j++)
				if (!O.ro[j])
					uovl_mount(u->g[j].name);
			errno = e;
			die_errno("%s: can't unmount its overlay %s (a file of it open on the host?)",
				  u->g[i].name, path);
		}
	}
	xsnprintf(path, sizeof(path), "%s/.ovl", rootdir());
	if (mkdir(path, 0700) && errno != EEXIST)
		die_errno("can't make %s", path);
	xsnprintf(path, sizeof(path), "%s/.ovl/store", rootdir());
	if (O.store < 0 && ((mkdir(path, 0700) && errno != EEXIST) ||
			    (O.store = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0))
		die_errno("can't make the store %s", path);
	/* charged to a project of its own (ext4, XFS), neither guest's: the
	 * empty store labelled, what is made in it inherits the id */
	struct stat st;
	if (!fstat(O.store, &st) && st.st_nlink == 2)
		quota_label_empty(O.store);
	for (int i = 0; i < u->ng; i++) {
		const char *name = u->g[i].name;
		if (O.ro[i])
			continue;
		if (!uovl_is(name)) {
			xsnprintf(path, sizeof(path), "%s/%s", rootdir(), name);
			adopt(name, path);
			close(u->g[i].rootfd);   /* (a subvolume's entries: in upper now) */
			uovl_path(name, "upper", path, sizeof(path));
			u->g[i].rootfd = xopenat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		}
		uovl_path(name, "lower", path, sizeof(path));
		O.lower[i] = xopenat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	}
}

/* ROOTDIR/.ovl/.fold/NAME: fold NAME at its next start */
static void fold_marker(const char *name, char *buf, size_t n)
{
	xsnprintf(buf, n, "%s/.ovl/.fold/%s", rootdir(), name);
}

bool uovl_fold_pending(const char *name)
{
	char p[PATH_MAX];

	fold_marker(name, p, sizeof(p));
	return !access(p, F_OK);
}

void uovl_close(struct unify *u)
{
	char p[PATH_MAX], d[PATH_MAX];
	int fd;

	xsnprintf(d, sizeof(d), "%s/.ovl/.fold", rootdir());
	for (int i = 0; i < u->ng && !u->dry; i++) {
		fold_marker(u->g[i].name, p, sizeof(p));
		if (!O.ro[i]) {
			if (O.lower[i] >= 0)
				uovl_tidy(u->g[i].rootfd, O.lower[i]);
			uovl_mount(u->g[i].name);
			if (unlink(p) && errno != ENOENT)
				warn_errno("can't remove %s", p);
		} else if ((mkdir(d, 0700) && errno != EEXIST) ||
			   (fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 || close(fd)) {
			warn_errno("%s: can't leave %s for its next start", u->g[i].name, p);
		}
	}
	/* the store files the run left unreferenced (replaced, undone, a
	 * killed run's), while every named stopped guest is still locked */
	unsigned long gone = u->dry ? 0 : uovl_gc();
	if (gone)
		printf("vunify: removed %lu store file%s no guest refers to any more\n", gone, gone == 1 ? "" : "s");
	for (int i = 0; i < u->ng; i++) {
		if (O.lower[i] >= 0)
			close(O.lower[i]);
		if (O.lock[i])
			guest_unlock_drop(O.lock[i]);
		free(O.lock[i]);
	}
	free(O.lock);
	free(O.lower);
	free(O.ro);
	if (O.store >= 0)
		close(O.store);
	O.store = -1;
}

void uovl_start_fold(const char *name, bool quiet)
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) < 0)
		die_errno("can't fork");
	if (!pid) {
		/* vunify itself: the same checks, locks and crash safety */
		int null = quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
		if (null >= 0)
			dup2(null, 1);
		execl("/proc/self/exe", "vunify", "--method", "overlay", name, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_errno("can't wait for process %d", (int)pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		warn("%s: folding its files into the store failed (vunify --method overlay %s): starting it as it is",
		     name, name);
}
