/* uovl.h - what lib/uovl.c (layers, mounts, a run), lib/uovlfold.c (the
 * store, folding a file) and the other uovl*.c files share; the design is
 * at the top of lib/uovl.c. Not part of vsbox.h: only the uovl*.c files
 * include it.
 */
#ifndef VSBOX_UOVL_H
#define VSBOX_UOVL_H

#define X_PREFIX "trusted.overlay."
#define X_META X_PREFIX "metacopy"
#define X_REDIRECT X_PREFIX "redirect"
#define X_OPAQUE X_PREFIX "opaque"
#define X_SUM "trusted.vsbox.sha256"       /* a store file's whole digest */

/* a run's state (lib/uovl.c fills it, lib/uovlfold.c reads it) */
struct uovl_run {
	int store;               /* ROOTDIR/.ovl/store */
	int *lower;              /* each guest's lower layer (-1: a dry run) */
	struct guest **lock;     /* each guest, locked */
	bool *ro;                /* running: read only, folded at its next start */
};
extern struct uovl_run O;

/* store files no stub of any guest names removed (none while a guest
 * waits to be folded at its next start): their count (lib/uovlfold.c) */
unsigned long uovl_gc(void);
/* a stopped guest's layers tidied: what upper hides removed from lower,
 * the upper directories left empty removed, lower's showing instead with
 * their metadata; the count of entries removed (lib/uovldir.c) */
unsigned long uovl_tidy(int upperfd, int lowerfd);
/* mark fd a stub whose data is the store's file at redirect: 0, -1 + errno */
int uovl_stub_xattrs(int fd, const char *redirect);
/* ovl_mount_in: an overlay (device name src) mounted on target, opts
 * naming its layers relative to dir; ovl_mount_ns: the same relative to
 * dir/sub, and with a user namespace ns (>= 0) each layer idmapped through
 * it, attached a moment on stage (lib/uovl.c); both 0, or -1 + errno */
int ovl_mount_in(const char *dir, const char *src, const char *target, const char *opts);
int ovl_mount_ns(const char *dir, const char *sub, const char *target, const char *opts,
		 int ns, unsigned base, const char *stage);

#endif
