/* ocicfg.c - an image's configuration as NAME.conf keys.
 *
 * The image-spec's config object says how its containers start:
 * Entrypoint and Cmd (the command line: Entrypoint's words, then Cmd's),
 * Env (NAME=VALUE strings), WorkingDir and User. They become INIT, ENV,
 * INIT_DIR and INIT_USER (lib/confinit.c). INIT must be an absolute path:
 * a bare command name is looked up, at build time, in the image's PATH
 * (its Env's, else the usual one) inside the new root, as a runtime would
 * at start. Every word is quoted so that the conf parser gives it back
 * exactly; a value NAME.conf cannot hold (a newline) is refused.
 */
#include "vsbox.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* the strings of array t (null or absent: none) appended to w */
static int strings(const struct jr *j, int t, char **w, int n, int max, const char *key)
{
	if (t < 0 || j->tok[t].type == JR_NULL)
		return n;
	if (j->tok[t].type != JR_ARR)
		die("image config: %s is not an array", key);
	for (int e = jr_first(j, t); e >= 0; e = jr_next(j, t, e)) {
		if (n == max)
			die("image config: %s: too many words", key);
		if (!(w[n++] = jr_strdup(j, e)))
			die("image config: %s: an element that is no string (or holds a NUL)", key);
		if (strchr(w[n - 1], '\n'))
			die("image config: %s: a newline in '%.40s': NAME.conf can't hold it", key, w[n - 1]);
	}
	return n;
}

/* a bare command name through PATH inside the root; malloc'd, or NULL */
static char *lookup(int rootfd, const char *cmd, const char *path)
{
	char *dirs = xstrdup(path), *save, *d, full[PATH_MAX];
	struct stat st;

	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (*d != '/')
			continue;
		snprintf(full, sizeof(full), "%s/%s", d, cmd);
		int fd = path_open(rootfd, full, O_PATH | O_CLOEXEC, 0);
		if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode)) {
			close(fd);
			free(dirs);
			return xstrdup(full);
		}
		if (fd >= 0)
			close(fd);
	}
	free(dirs);
	return NULL;
}

/* words quoted into one value (conf_words gives them back); malloc'd */
static char *join(char **w, int n, size_t max, const char *key)
{
	char *out = xmalloc(max);
	size_t len = 0;

	out[0] = 0;
	for (int i = 0; i < n; i++)
		if (!conf_quote(out, max, &len, w[i]))
			die("image config: %s: too long for NAME.conf", key);
	return out;
}

static char *string(const struct jr *j, int t, const char *key)
{
	char *s;

	if (t < 0 || j->tok[t].type == JR_NULL)
		return NULL;
	if (!(s = jr_strdup(j, t)))
		die("image config: %s is not a string", key);
	if (!*s) {
		free(s);
		return NULL;
	}
	return s;
}

void oci_config(const struct jr *j, int top, int rootfd, struct oci_image *im)
{
	char *w[VC_MAXARGS], *env[256], msg[256];
	const char *why;
	struct vconf check;
	int c = jr_get(j, top, "config"), n, ne;

	memset(im, 0, sizeof(*im));
	if (c == -2)
		die("image config: config is there twice");
	if (c < 0 || j->tok[c].type == JR_NULL)
		return;
	if (j->tok[c].type != JR_OBJ)
		die("image config: config is not an object");
	ne = strings(j, jr_get(j, c, "Env"), env, 0, 256, "Env");
	n = strings(j, jr_get(j, c, "Entrypoint"), w, 0, VC_MAXARGS - 1, "Entrypoint");
	n = strings(j, jr_get(j, c, "Cmd"), w, n, VC_MAXARGS - 1, "Cmd");
	if (ne) {
		im->env = join(env, ne, sizeof(check.env), "Env");
		if ((why = conf_init_key(1, im->env, &check, msg, sizeof(msg))))
			die("image config: %s", why);
	}
	if (n) {
		if (w[0][0] != '/') {
			const char *path = DEFAULT_PATH;
			for (int i = 0; i < ne; i++)
				if (!strncmp(env[i], "PATH=", 5))
					path = env[i] + 5;
			char *full = lookup(rootfd, w[0], path);
			if (!full)
				die("image config: the command %.64s is not in the image's PATH", w[0]);
			free(w[0]);
			w[0] = full;
		}
		im->init = join(w, n, sizeof(check.init), "Entrypoint and Cmd");
		if ((why = conf_init_key(0, im->init, &check, msg, sizeof(msg))))
			die("image config: %s", why);
	}
	if ((im->dir = string(j, jr_get(j, c, "WorkingDir"), "WorkingDir"))) {
		if ((why = conf_init_key(2, im->dir, &check, msg, sizeof(msg))))
			die("image config: WorkingDir: %s", why);
		/* a runtime makes it when missing; inside the root as the guest sees it */
		close(path_mkdirs(rootfd, im->dir, 0755));
	}
	if ((im->user = string(j, jr_get(j, c, "User"), "User")) &&
	    (why = conf_init_key(3, im->user, &check, msg, sizeof(msg))))
		die("image config: User: %s", why);
	/* the signal a stop sends PID 1 (the image's process): its own, else
	 * TERM, as image runtimes do; a name conf_parse does not know fails there */
	if ((im->stopsig = string(j, jr_get(j, c, "StopSignal"), "StopSignal")) &&
	    strspn(im->stopsig, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+") != strlen(im->stopsig))
		die("image config: StopSignal '%.20s' is no signal", im->stopsig);
	for (int i = 0; i < n; i++)
		free(w[i]);
	for (int i = 0; i < ne; i++)
		free(env[i]);
}

char *oci_conf_lines(const struct oci_image *im)
{
	static const char *const keys[] = { "INIT", "ENV", "INIT_DIR", "INIT_USER", "STOPSIG" };
	const char *vals[] = { im->init, im->env, im->dir, im->user, im->stopsig ? im->stopsig : "TERM" };
	size_t max = 64;

	for (int i = 0; i < 5; i++)
		max += vals[i] ? 4 * strlen(vals[i]) + 32 : 0;
	char *out = xmalloc(max);
	size_t len = (size_t)snprintf(out, max, "# from the image's configuration\n");

	for (int i = 0; i < 5; i++) {
		if (!vals[i])
			continue;
		/* KEY=value as the conf parser reads it: the value one word */
		size_t k = 0;
		char *q = xmalloc(4 * strlen(vals[i]) + 8);
		if (strpbrk(vals[i], "\"$`\\"))
			conf_quote(q, 4 * strlen(vals[i]) + 8, &k, vals[i]);
		else    /* the common case, easier to read: "a 'b c'" */
			snprintf(q, 4 * strlen(vals[i]) + 8, "\"%s\"", vals[i]);
		len += (size_t)snprintf(out + len, max - len, "%s=%s\n", keys[i], q);
		free(q);
	}
	return out;
}
