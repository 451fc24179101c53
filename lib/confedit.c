/* confedit.c - change KEYs of a NAME.conf in place (vserver NAME limits
 * set, vserver NAME set...), keeping comments and the order of the lines.
 */
#include "vsbox.h"

/* ---- editing: set KEYs in a NAME.conf, keeping everything else ----------
 * Line by line, blank lines and comments included: the first "KEY=" or
 * "#KEY=" line of each key becomes KEY="value", later KEY= lines go, a key
 * not there is appended. The result must parse (conf_parse) before it
 * replaces the file (tmp + rename): a reader sees the old or the new one. */
void conf_edit(const char *path, int n, const char *const *keys, const char *const *values)
{
	static char text[65536] BIG, out[65536 + 4096] BIG;
	char err[512];
	struct vconf check;
	bool done[16] = { false };
	size_t len = 0;
	ssize_t tl;

	if (n > 16)
		die("%s: too many keys at once", path);
	for (int k = 0; k < n; k++)
		if (strpbrk(values[k], "\"$`\\\n"))
			die("%s: a value for %s may not contain \" $ ` \\ or a newline", path, keys[k]);
	if ((tl = read_file(path, text, sizeof(text))) < 0)
		die_errno("can't read %s", path);
	if ((size_t)tl >= sizeof(text) - 1)
		die("%s: too big", path);
	for (char *line = text, *next; *line; line = next) {
		int k;
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		else
			next = line + strlen(line);
		const char *key = line + (line[0] == '#');
		for (k = 0; k < n; k++) {
			size_t kl = strlen(keys[k]);
			if (!strncmp(key, keys[k], kl) && key[kl] == '=')
				break;
		}
		if (k < n && !done[k]) {
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s=\"%s\"\n", keys[k], values[k]);
			done[k] = true;
		} else if (k == n || line[0] == '#') {
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s\n", line);
		}
		if (len >= sizeof(out))
			die("%s: too big", path);
	}
	for (int k = 0; k < n; k++)
		if (!done[k] && (len += (size_t)snprintf(out + len, sizeof(out) - len, "%s=\"%s\"\n",
							 keys[k], values[k])) >= sizeof(out))
			die("%s: too big", path);
	if (conf_parse(path, out, &check, err, sizeof(err)))
		die("the new %s would not be valid: %s", path, err);
	xreplace_file(path, out, len);
}

void conf_set(const char *path, const char *key, const char *value)
{
	conf_edit(path, 1, &key, &value);
}
