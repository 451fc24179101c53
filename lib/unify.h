/* unify.h - guest trees shared and moved: SHA-256, walking a root,
 * extents, vdu's figures, vunify, and copy/move to another host.
 * Part of vsbox.h, which includes it: include vsbox.h, not this.
 */
#ifndef VSBOX_UNIFY_H
#define VSBOX_UNIFY_H

/* ---- lib/sha256.c ---------------------------------------------------------- */
struct sha256 { uint32_t h[8]; uint64_t len; unsigned char buf[64]; };
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, unsigned char out[32]);

/* ---- lib/uwalk.c: walking a guest root, never following its links -------- */
struct uwalk {
	/* every entry below the root but those excluded, before a directory's
	 * contents; dirfd/name is it, w->path its path from the root */
	void (*visit)(struct uwalk *w, int dirfd, const char *name, const struct stat *st);
	const char *const *exclude;  /* fnmatch patterns on w->path ("/etc") */
	int nexclude;
	char path[PATH_MAX];
	dev_t dev;                   /* the root's: other devices are not entered */
	unsigned long errors;        /* entries that could not be read */
};
int uwalk_run(struct uwalk *w, int rootfd);   /* -1 + errno: no root */
bool uwalk_excluded(const char *const *pat, int n, const char *path);

/* ---- lib/fiemap.c: extents, and filesystems that can share them ---------- */
struct fext { uint64_t logical, phys, len; unsigned flags; };
/* fd's extents (malloc'd); count, or -1 + errno (EOPNOTSUPP: no FIEMAP) */
int fiemap_get(int fd, struct fext **out);
bool fext_placed(const struct fext *e);   /* has a disk address of its own */
bool fext_shared(const struct fext *e);   /* another file refers to it too */
/* the same placed extents (two names for the same data) */
bool fext_same(const struct fext *a, int na, const struct fext *b, int nb);
/* NULL when fd's filesystem can share extents (FIDEDUPERANGE), else why not */
const char *fs_reflink_missing(int fd);
const char *fs_name(int fd, char *buf, size_t n);   /* "btrfs", "xfs", ... */
const char *fs_magic_name(unsigned long magic);    /* lib/quota.c; NULL: unknown */
/* One key per filesystem (btrfs subvolumes included): 0, or -1 + errno */
int fs_key(int fd, char *buf, size_t n);

/* ---- lib/du.c: unification-aware disk usage (vdu) ------------------------ */
struct du_figs {
	unsigned long long total, shared, own;   /* bytes */
	unsigned long files, nofiemap, errors;
};
struct iset;
struct du_state {                  /* what several trees have, for the sum */
	struct fext *ext;
	size_t n, cap;
	struct iset *seen;
	unsigned long long loose;
};
/* The figures of the tree at rootfd, remembered in s; -1 + errno */
int du_tree(struct du_state *s, int rootfd, struct du_figs *f);
/* the same for an overlay guest: its upper layer at rootfd, and the store
 * files (storefd) the stubs of its lower layers (nlower of lowerfd) name,
 * all shared; for the store: rootfd = storefd, every guest's lower */
int du_tree_ovl(struct du_state *s, int rootfd, const int *lowerfd, int nlower, int storefd, struct du_figs *f);
/* f->own set to the sum of the trees' own bytes: total and shared of them
 * all, shared data counted once */
void du_total(struct du_state *s, struct du_figs *f);
void du_free(struct du_state *s);

/* ---- lib/unify.c: the files guests have in common (vunify) --------------- */
/* vunify's methods; unify_method() names one (--method, vapt --unify=), or
 * dies with a usage error naming opt */
enum { M_AUTO, M_LINK, M_REFLINK, M_OVERLAY };
int unify_method(const char *name, const char *opt);
struct ucand {                     /* one inode of one guest */
	int guest;                     /* index in unify.g */
	uint32_t path;                 /* its path from the guest's root (pool) */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	nlink_t nlink;
	unsigned names;                /* names of it found in its guest */
	bool dropped;                  /* unreadable, or changed: left alone */
	unsigned char csum[32], xsum[32];  /* content and xattr digests */
	struct fext *x;                /* its extents, while its group is handled */
	int nx;
};
struct ualias { uint32_t first, path; };   /* another name of a candidate */
int ualias_cmp(const void *a, const void *b);  /* by first */
struct uguest {
	char name[64];
	int rootfd;
	int fs;                        /* which filesystem (an index) */
	char **conff;                  /* its dpkg conffiles, sorted */
	int nconff;
};
struct unify {
	int ng;
	struct uguest *g;
	struct ucand *c;
	size_t n, cap;
	char *pool;
	size_t plen, pcap;
	char **excl;
	int nexcl;
	bool dry, tty;                 /* tty: progress on stderr */
	bool copyup;                   /* a write copies a unified file for its
					* guest (overlay): config and state too */
	bool every;                    /* hand the method every group of equal
					* files, one guest's too (the link store) */
	dev_t sdev;                    /* the link store's inodes, sorted: files */
	ino_t *sino;                   /* linked to one are already unified */
	size_t nsino;
	struct ualias *alias;          /* every: the other names of candidates */
	size_t nalias, calias;         /* (sorted by first by unify_run) */
	off_t min_size;
	uint64_t shown;
	unsigned long scanned, hashed, unified, already, changed, refused, failed, outside, errors;
	unsigned long deferred;        /* overlay: of running guests, at their next start */
	unsigned long long saved;      /* bytes */
};
/* the first of the other names of the candidate found as path, or NULL */
const struct ualias *ualias_first(const struct unify *u, uint32_t path);
/* The exclude patterns: .defaults/vunify-exclude or the built-in list (a
 * shorter one for u->copyup), then FILE's (extra, may be NULL); dies with
 * FILE:LINE */
void unify_excludes(struct unify *u, const char *extra);
int unify_scan(struct unify *u, int gi);       /* guest gi's candidates; -1 + errno */
/* Append the guest's rpm %config files (absolute paths) to *list; their
 * count, 0 without an rpm database; dies when it has one and the host's
 * rpm can't read it (lib/urpm.c) */
int urpm_configfiles(const char *guest, int rootfd, char ***list, int *n);
/* Group the candidates, read those that may be equal, and call method for
 * each set of identical files spanning two guests or more */
void unify_run(struct unify *u, void (*method)(struct unify *u, struct ucand *m, size_t n));
void unify_progress(struct unify *u, bool last);
/* c opened by its path again, still the inode the walk saw; -1 + errno */
int ucand_open(const struct unify *u, const struct ucand *c);
bool ucand_same(const struct ucand *c, const struct stat *st);
/* lib/ureflink.c: share the members' extents with the first one's */
void unify_reflink(struct unify *u, struct ucand *m, size_t n);
/* lib/ulink.c: the link method. ulink_open: the store (ROOTDIR/.hash),
 * its inodes in u->sino, temporary names a killed run left removed; dies
 * with a one-line reason. unify_link: one inode of the store, immutable +
 * iunlink, hard-linked in place of each member. ulink_close: the end of a
 * run (its journal of temporary names emptied). */
void ulink_open(struct unify *u);
void unify_link(struct unify *u, struct ucand *m, size_t n);
void ulink_close(struct unify *u);
bool ulink_stored(const struct unify *u, dev_t dev, ino_t ino);
/* lib/uovl.c: the overlay method (its design at the top of the file).
 * uovl_open: the guests locked and checked stopped, each guest's upper
 * layer (or plain root) as its rootfd; dies with a one-line reason, and
 * changes nothing. uovl_prepare (after the scan): their overlays
 * unmounted, plain roots made overlays. unify_overlay: one store file,
 * each member replaced by a stub in its lower layer. uovl_close: the
 * overlays mounted again, the locks dropped. */
void uovl_open(struct unify *u);
void uovl_prepare(struct unify *u);
void unify_overlay(struct unify *u, struct ucand *m, size_t n);
void uovl_close(struct unify *u);
bool uovl_is(const char *name);       /* its root is an overlay of ours */
/* why the named guests can't be made overlays (a root that is a mount);
 * NULL if they can */
const char *uovl_unfit(const struct unify *u);
void uovl_mount(const char *name);    /* mounted on ROOTDIR/NAME if not yet; dies */
bool uovl_fold_pending(const char *name);  /* a run left it for its next start */
/* run "vunify --method overlay NAME" before its start (a warning if it
 * fails: the guest starts as it is) */
void uovl_start_fold(const char *name, bool quiet);
void uovl_path(const char *name, const char *sub, char *buf, size_t n);  /* ROOTDIR/.ovl/NAME/sub */
bool uovl_mounted(const char *path); /* an overlay's mount root */
int uovl_umount(const char *path);   /* unmounted (a busy moment waited out); -1 + errno */
/* lib/uovlsv.c: a guest whose root is a btrfs subvolume. uovl_sv: is path
 * a subvolume's root; uovl_sv_unfit: why its root (rootfd) can't be
 * adopted, or NULL; uovl_sv_adopt: the subvolume at path becomes
 * ROOTDIR/.ovl/NAME with its layers; uovl_sv_undo: back to root, a
 * subvolume root (its layers cleaned by --undo). uovl_pending: a move of
 * either kind was interrupted; uovl_resume finishes it (the guest locked
 * by the caller; _locked: locked meanwhile). All die on failure. */
bool uovl_sv(const char *path);
const char *uovl_sv_unfit(const char *name, int rootfd, char *why, size_t n);
void uovl_sv_adopt(const char *name, const char *path);
void uovl_sv_undo(const char *name, const char *root);
bool uovl_pending(const char *name);
void uovl_resume(const char *name);
void uovl_resume_locked(const char *name);
/* lib/uovlundo.c: vunify --undo NAME, a plain directory again; dies */
int uovl_undo(const char *name);
/* vserver NAME delete of an overlay guest: unmounted, its layers and
 * mount point removed (its own layer as quota_rmroot does); -1 + errno */
unsigned uovl_shift(const char *name);  /* what its overlay adds to ids on disk (USERNS) */
int uovl_remove(const char *name);
/* the directory a guest's disk limits label and charge: for an overlay
 * guest (buf) its upper layer, or on btrfs the subvolume holding it
 * (ROOTDIR/.ovl/NAME), else root */
const char *uovl_own_root(const char *name, const char *root, char *buf, size_t n);
/* its work directory given the project id of its upper layer again (after
 * the start labelled it for DISK_LIMIT: a copy-up renames across them) */
void uovl_work_project(const char *name);
/* the digest of fd's xattrs, names sorted (lib/unify.c); -1 + errno */
int unify_xattr_sum(int fd, unsigned char out[32]);
/* copy fd's xattrs to another file: 0, or -1 + errno */
int unify_copy_xattrs(int from, int to);
/* xattrs whose name starts with prefix are left out of both (NULL: none) */
void unify_xattr_ignore(const char *prefix);
/* copy from's data to to, its SHA-256 into sum: 0, or -1 + errno */
int unify_copy_sum(int from, int to, unsigned char sum[32]);
void unify_hex(const unsigned char *b, size_t n, char *out);
/* the test hook VSBOX_VUNIFY_CRASH=POINT:N: SIGKILL at the Nth call
 * naming POINT (dies if the variable is malformed) */
void unify_crash_point(const char *what);

/* ---- lib/migrate.c: vserver NAME copy|move [USER@]HOST[:NEWNAME] ---------
 * The source side: pre-flight on the target, rsync passes (over ssh, or
 * local with HOST "."), a short stop and a final pass for a move, then the
 * start there; lib/migrecv.c is the target's half ("vserver NEWNAME recv",
 * one session holding the target's lock, which undoes everything unless
 * told to commit). args: what follows the command; exit status. */
int guest_migrate(const char *name, char **args, bool move);
int guest_recv(const char *name, char **args);
/* vserver NAME start (or stop) in a child, whose die() ends only it; the
 * child first closes the n descriptors given; exit status */
int guest_fork_cmd(const char *name, bool start, bool quiet, const int *closefds, int n);
#define MIGRATE_PROTO 1
/* lib/resolv.c: a TCP connection to HOST (an address, or a name from
 * /etc/hosts or DNS as /etc/resolv.conf says) port PORT: each of its
 * addresses in turn until one accepts within SECS; the socket, -1 if none */
int tcp_connect(const char *host, int port, int secs);
/* lib/mchan.c: the line channel between the two */
struct mchan { int in, out; size_t off, len; char buf[8192]; };
void mchan_init(struct mchan *ch, int in, int out);
int mchan_getline(struct mchan *ch, char *line, size_t n);    /* -1: EOF, too long */
int mchan_read(struct mchan *ch, char *buf, size_t n);        /* exactly n */
int mchan_write(struct mchan *ch, const void *buf, size_t n);
int mchan_printf(struct mchan *ch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* lib/mtree.c: a guest tree's size and its immutable/append-only files */
struct mlink { ino_t ino; nlink_t nlink, seen; };
struct mtree {
	unsigned long long bytes, inodes;
	int nflag, capflag;
	struct { unsigned flags; char *path; } *flag;
	size_t nlink, caplink;
	struct mlink *link;            /* files with several links, by inode */
	unsigned long outlinks;        /* files linked from outside the tree */
};
void mtree_scan(int rootfd, struct mtree *t);     /* dies if unreadable */
void mtree_free(struct mtree *t);
void mtree_escape(const char *s, char *out, size_t n);   /* dies if too long */
int mtree_unescape(const char *s, char *out, size_t n);  /* -1: bad */
/* set (on) or clear the FS_IMMUTABLE_FL/FS_APPEND_FL bits in flags on rel
 * under rootfd (lib/path.c); -1 + errno */
int mtree_setflags(int rootfd, const char *rel, unsigned flags, bool on);

#endif
