/* fstab.c - NAME.fstab: the guest's extra mounts, one per line,
 * "SOURCE TARGET TYPE [OPTIONS [0 0]]" as in fstab(5). Bind sources are
 * absolute host paths; targets are absolute paths inside the guest without
 * "..". Errors name FILE:LINE like NAME.conf's (conf_lineerr).
 */
#include "vsbox.h"
#include <sys/mount.h>

/* ---- NAME.fstab: "SOURCE TARGET TYPE OPTIONS [0 0]" -------------------- */
static const struct { const char *name; unsigned long set, clear; } mopts[] = {
	{ "ro", MS_RDONLY, 0 }, { "rw", 0, MS_RDONLY }, { "bind", MS_BIND, 0 },
	{ "rbind", MS_BIND | MS_REC, 0 }, { "nosuid", MS_NOSUID, 0 }, { "nodev", MS_NODEV, 0 },
	{ "noexec", MS_NOEXEC, 0 }, { "noatime", MS_NOATIME, 0 }, { "relatime", MS_RELATIME, 0 },
	{ "defaults", 0, 0 }, { "suid", 0, MS_NOSUID }, { "exec", 0, MS_NOEXEC },
};

static int fstab_lines(const char *file, const char *text, struct vc_mount **out, char *err, size_t n)
{
	int lineno = 0;
	char buf[65536], *save, *line;
	int cnt = 0;

	*out = NULL;
	snprintf(buf, sizeof(buf), "%s", text);
	for (line = buf; line; line = save) {
		char *f[6], *s2, *o;
		int nf = 0;

		save = strchr(line, '\n');
		if (save)
			*save++ = 0;
		lineno++;
		if (strchr(line, '#'))
			*strchr(line, '#') = 0;
		for (char *t = strtok_r(line, " \t", &s2); t && nf < 6; t = strtok_r(NULL, " \t", &s2))
			f[nf++] = t;
		if (!nf)
			continue;
		if (nf < 3)
			return conf_lineerr(err, n, file, lineno, "expected SOURCE TARGET TYPE [OPTIONS]");
		struct vc_mount m = { .flags = MS_NOSUID | MS_NODEV };
		if (strlen(f[0]) >= sizeof(m.src) || strlen(f[1]) >= sizeof(m.target) ||
		    strlen(f[2]) >= sizeof(m.type))
			return conf_lineerr(err, n, file, lineno, "field too long");
		if (f[1][0] != '/' || strstr(f[1], ".."))
			return conf_lineerr(err, n, file, lineno, "target '%s' must be an absolute path inside the guest, without '..'", f[1]);
		strcpy(m.src, f[0]);
		strcpy(m.target, f[1]);
		strcpy(m.type, f[2]);
		if (!strcmp(m.type, "bind") || !strcmp(m.type, "rbind")) {
			m.flags |= MS_BIND | (m.type[0] == 'r' ? MS_REC : 0);
			strcpy(m.type, "none");
		}
		for (o = nf > 3 ? strtok_r(f[3], ",", &s2) : NULL; o; o = strtok_r(NULL, ",", &s2)) {
			size_t i;
			for (i = 0; i < sizeof(mopts) / sizeof(mopts[0]) && strcmp(o, mopts[i].name); i++)
				;
			if (i < sizeof(mopts) / sizeof(mopts[0])) {
				m.flags = (m.flags | mopts[i].set) & ~mopts[i].clear;
				continue;
			}
			/* anything else is data for the filesystem (size=64m, mode=0755) */
			if (m.flags & MS_BIND)
				return conf_lineerr(err, n, file, lineno, "option '%s' makes no sense for a bind mount", o);
			size_t l = strlen(m.data);
			if (l + strlen(o) + 2 >= sizeof(m.data))
				return conf_lineerr(err, n, file, lineno, "options too long");
			snprintf(m.data + l, sizeof(m.data) - l, "%s%s", l ? "," : "", o);
		}
		if ((m.flags & MS_BIND) && m.src[0] != '/')
			return conf_lineerr(err, n, file, lineno, "bind source '%s' must be an absolute host path", m.src);
		*out = xrealloc(*out, (size_t)(cnt + 1) * sizeof(**out));
		(*out)[cnt++] = m;
	}
	return cnt;
}

int conf_fstab(const char *file, const char *text, struct vc_mount **out, char *err, size_t n)
{
	int cnt = fstab_lines(file, text, out, err, n);

	if (cnt < 0) {
		/* the lines before the bad one are no use to anybody */
		free(*out);
		*out = NULL;
	}
	return cnt;
}
