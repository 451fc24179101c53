/* oci.h - OCI images into guests: a JSON reader, a tar reader, layers
 * applied to a guest root, the image layout and its configuration.
 * Part of vsbox.h, which includes it: include vsbox.h, not this.
 */
#ifndef VSBOX_OCI_H
#define VSBOX_OCI_H

/* ---- lib/jsonr.c: a small strict JSON reader ------------------------------
 * Tokens in one array, each subtree contiguous: an object's members are key
 * then value, end is the index past a token's whole subtree. */
enum { JR_NULL, JR_BOOL, JR_NUM, JR_STR, JR_ARR, JR_OBJ };
struct jr_tok {
	unsigned char type;
	int n;                      /* elements or members */
	int end;                    /* index past the subtree */
	size_t off, len;            /* its text (a string's: between the quotes) */
};
struct jr { const char *text; int ntok; struct jr_tok *tok; };
/* text[0..len) into d (token 0 the value); 0, or -1 with what and where in err */
int jr_parse(struct jr *d, const char *text, size_t len, char *err, size_t n);
void jr_free(struct jr *d);
/* the value of key in object o: -1 when absent (or o no object), -2 when twice */
int jr_get(const struct jr *d, int o, const char *key);
/* the first element (an object's first key) of t, the next after t; -1: none */
int jr_first(const struct jr *d, int t);
int jr_next(const struct jr *d, int parent, int t);
/* a string decoded to UTF-8 into out[n]; false: no string, too long, a NUL */
bool jr_str(const struct jr *d, int t, char *out, size_t n);
char *jr_strdup(const struct jr *d, int t);     /* the same, malloc'd; NULL */
bool jr_int(const struct jr *d, int t, long long *out);   /* an integer */

/* ---- lib/tar.c: a tar stream's entries (ustar, pax, GNU long names) ----- */
#define TAR_MAXXATTR 16
struct tar_xattr { char *name, *value; size_t len; };
struct tar_ent {
	char type;                  /* '0' file '1' hard link '2' symlink '3' char
				       '4' block '5' directory '6' FIFO */
	char *path, *link;          /* as written; valid until the next tar_next */
	unsigned mode;              /* permission bits */
	long long uid, gid, mtime;
	unsigned long long size;    /* bytes of data (tar_read) */
	unsigned devmajor, devminor;
	int nxattr;
	struct tar_xattr *xattr;    /* pax SCHILY.xattr.NAME */
};
struct tar_rd {
	/* the stream: read(2)-like, 0 at its end, -1 + errno */
	ssize_t (*read)(void *arg, void *buf, size_t n);
	void *arg;
	unsigned long long pos;     /* bytes consumed: the data of an entry starts here */
	char err[320];              /* what tar_next or tar_read found wrong */
	/* the reader's own state */
	unsigned long long left;
	unsigned pad;
	int zeros;
	bool done;
	struct tar_ent e;
	char *xpath, *xlink, *lpath, *llink;
	long long xsize, xuid, xgid, xmtime;
	unsigned have;
	int nxattr;
	struct tar_xattr xattr[TAR_MAXXATTR];
};
/* The next entry: 1, 0 at the end of the archive, -1 with r->err */
int tar_next(struct tar_rd *r, struct tar_ent *e);
/* The entry's data: up to n bytes, 0 at its end, -1 with r->err */
ssize_t tar_read(struct tar_rd *r, void *buf, size_t n);
/* pax records buf[0..n) for the next entry (global: checked only); -1 + r->err */
int tar_pax(struct tar_rd *r, const char *buf, size_t n, bool global);
void tar_free(struct tar_rd *r);

/* ---- lib/ocitar.c: one layer applied to a guest root ----------------------
 * Entries are created below rootfd through no symlink (any on the way is
 * refused), ".." refused, device nodes refused, hard links only to files
 * inside; .wh.NAME removes NAME of the layers below, .wh..wh..opq hides a
 * directory's lower contents. Dies with "WHAT: PATH: why" on anything else. */
void ocitar_apply(int rootfd, struct tar_rd *r, const char *what);

/* ---- lib/oci.c: an OCI image layout (a directory or its tar) into a root -- */
struct oci_image {
	char *init;                 /* INIT: Entrypoint + Cmd as words, or NULL */
	char *env;                  /* ENV: the config's Env as words, or NULL */
	char *dir, *user;           /* INIT_DIR, INIT_USER, or NULL */
	char *stopsig;              /* STOPSIG: StopSignal, or NULL (TERM) */
};
/* src: DIR or FILE.tar, optionally ":TAG" (org.opencontainers.image.ref.name);
 * verifies every blob, applies the layers to rootfd; dies (the caller's
 * undo removes the root). progress: a line per layer on stderr */
void oci_build(const char *src, int rootfd, struct oci_image *im, bool progress);
/* lib/ocicfg.c: the image's config object (token cfg of d) into im; dies */
void oci_config(const struct jr *d, int cfg, int rootfd, struct oci_image *im);
/* NAME.conf lines for im (INIT=..., ENV=..., ...), malloc'd */
char *oci_conf_lines(const struct oci_image *im);

#endif
