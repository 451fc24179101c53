/* uovlprobe.c - whether the overlay method works here (vunify --method
 * auto, vsbox --check-kernel, a USERNS guest's overlay): a scratch overlay
 * of the method's own kind, lowerdir=l::d with metacopy and a stub
 * redirected into the data-only layer d, mounted in a directory of the
 * filesystem asked about and read through; then the same with idmapped
 * layers. Each answer is cached for the process, with a line saying why.
 * The design of the method is at the top of lib/uovl.c.
 *
 * Kernel interfaces: overlayfs data-only lower layers (Linux 6.5+),
 * metacopy and redirect_dir, trusted xattrs; idmapped mounts
 * (mount_setattr, Linux 5.12+) as overlay layers (Linux 5.19+).
 */
#include "vsbox.h"
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "lib/uovl.h"

static char probe_why[PATH_MAX + 128] BIG;

const char *feat_overlay_why(void)
{
	return probe_why;
}

static void probe_rm(const char *top)
{
	static const char *const sub[] = { "m", "s", "l/x", "l", "d/x", "d", "u/x", "u", "w/work", "w/index", "w", "" };
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		xsnprintf(p, sizeof(p), "%s/%s", top, sub[i]);
		if (unlink(p))
			rmdir(p);
	}
}

static const char *fs_of(const char *dir)
{
	static char b[16];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *n = fd < 0 ? "?" : fs_name(fd, b, sizeof(b));

	if (fd >= 0)
		close(fd);
	return n;
}

#define PROBE_ID 2000000000u
#define PROBE_OPTS "lowerdir=l::d,upperdir=u,workdir=w,metacopy=on,redirect_dir=on"
static int idmap_cached = FEAT_NO;
static char idmap_why[sizeof(probe_why)] BIG;

/* overlayfs with idmapped layers (Linux 5.19+, on a filesystem that can
 * be idmapped: ext4, XFS, btrfs...), what a USERNS guest's overlay is: the
 * stub of the scratch layers in top shown owned by the id its owner maps
 * to, and written (a copy-up: where it can't be, the overlay is read-only) */
static void probe_idmap(const char *dir, const char *top, const char *m)
{
	char p[PATH_MAX];
	struct stat st;
	int ns = userns_fd(PROBE_ID, 1), fd = -1;

	xsnprintf(p, sizeof(p), "%s/s", top);
	mkdir(p, 0700);
	if (ns >= 0 && !ovl_mount_ns(top, "", m, PROBE_OPTS, ns, PROBE_ID, p)) {
		xsnprintf(p, sizeof(p), "%s/x", m);
		if ((fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC)) >= 0 && write(fd, "!", 1) == 1 &&
		    !fstat(fd, &st) && st.st_uid == PROBE_ID)
			idmap_cached = FEAT_YES;
		else if (!errno)
			errno = EIO;
	}
	snprintf(idmap_why, sizeof(idmap_why), idmap_cached == FEAT_YES ? "on %s" :
		 "overlayfs can't use idmapped layers on %s (Linux 5.19+): %s", fs_of(dir), strerror(errno));
	if (fd >= 0)
		close(fd);
	umount2(m, 0);
	if (ns >= 0)
		close(ns);
}

int feat_overlay_idmap(const char *dir)
{
	if (feat_overlay(dir) == FEAT_YES)
		return idmap_cached;
	snprintf(idmap_why, sizeof(idmap_why), "%s", probe_why);
	return feat_overlay(dir);
}

const char *feat_overlay_idmap_why(void)
{
	return idmap_why;
}

/* Mount a scratch overlay of the method's kind in dir and read a file
 * through a stub: what vunify --method overlay needs, nothing less */
int feat_overlay(const char *dir)
{
	static int cached = -1;
	char top[PATH_MAX], l[PATH_MAX], d[PATH_MAX], u[PATH_MAX], w[PATH_MAX], m[PATH_MAX], p[PATH_MAX];
	char buf[8] = "";
	int fd;

	if (cached >= 0)
		return cached;
	cached = FEAT_NO;
	xsnprintf(top, sizeof(top), "%s/.vsbox-ovlprobe.XXXXXX", dir);
	if (!mkdtemp(top)) {
		cached = FEAT_UNKNOWN;
		snprintf(probe_why, sizeof(probe_why), "no scratch directory in %s: %s", dir, strerror(errno));
		return cached;
	}
	xsnprintf(l, sizeof(l), "%s/l", top);
	xsnprintf(d, sizeof(d), "%s/d", top);
	xsnprintf(u, sizeof(u), "%s/u", top);
	xsnprintf(w, sizeof(w), "%s/w", top);
	xsnprintf(m, sizeof(m), "%s/m", top);
	for (const char *x = l; x; x = x == l ? d : x == d ? u : x == u ? w : x == w ? m : NULL)
		mkdir(x, 0700);
	xsnprintf(p, sizeof(p), "%s/x", d);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 || write(fd, "vsbox", 5) != 5) {
		snprintf(probe_why, sizeof(probe_why), "can't write in %s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	xsnprintf(p, sizeof(p), "%s/x", l);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 5) || uovl_stub_xattrs(fd, "/x")) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (e == EPERM)
			cached = FEAT_UNKNOWN;
		snprintf(probe_why, sizeof(probe_why), e == EPERM ? "probing needs CAP_SYS_ADMIN" :
			 "no trusted xattrs on %s (%s)", fs_of(dir), strerror(e));
		goto out;
	}
	close(fd);
	if (ovl_mount_in(top, "vsbox-probe", m, PROBE_OPTS)) {
		int e = errno;
		if (e == EPERM)
			cached = FEAT_UNKNOWN;
		snprintf(probe_why, sizeof(probe_why), e == ENODEV ? "no overlay filesystem in this kernel" :
			 e == EPERM ? "probing needs CAP_SYS_ADMIN" :
			 "overlayfs refused data-only lower layers with metacopy on %s (Linux 6.5+): %s",
			 fs_of(dir), strerror(e));
		goto out;
	}
	xsnprintf(p, sizeof(p), "%s/x", m);
	if (read_file(p, buf, sizeof(buf)) != 5 || memcmp(buf, "vsbox", 5))
		snprintf(probe_why, sizeof(probe_why), "overlayfs did not read a stub's data from its data-only layer");
	else {
		cached = FEAT_YES;
		snprintf(probe_why, sizeof(probe_why), "data-only lower layers, metacopy, on %s", fs_of(dir));
	}
	umount2(m, 0);
	if (cached == FEAT_YES)
		probe_idmap(dir, top, m);
out:
	probe_rm(top);
	return cached;
}
