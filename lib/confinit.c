/* confinit.c - what a guest's first process is given: INIT (its command
 * line), ENV (its environment), INIT_DIR (its working directory) and
 * INIT_USER (whom it runs as), and the word syntax INIT and ENV share.
 *
 * INIT and ENV are lists of words inside the one NAME.conf value, split
 * like a shell would without expanding anything: blanks separate words,
 * '...' is literal, "..." takes \" \\ \$ \` escapes, a backslash outside
 * quotes escapes the next character. An OCI image's Entrypoint, Cmd and
 * Env are arrays of arbitrary strings: conf_quote writes each so that
 * conf_words gives it back exactly (lib/ocicfg.c).
 */
#include "vsbox.h"

int conf_words(const char *s, char *buf, size_t n, char **argv, int max, const char **why)
{
	size_t k = 0;
	int argc = 0;

#define PUT(ch) do { if (k + 1 >= n) return *why = "too long", -1; buf[k++] = (ch); } while (0)
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		if (argc + 1 >= max)
			return *why = "too many words", -1;
		argv[argc++] = buf + k;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n') {
			if (*s == '\'') {
				for (s++; *s != '\''; s++) {
					if (!*s)
						return *why = "an unterminated ' quote", -1;
					PUT(*s);
				}
				s++;
			} else if (*s == '"') {
				for (s++; *s != '"'; s++) {
					if (!*s)
						return *why = "an unterminated \" quote", -1;
					if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
						s++;
					PUT(*s);
				}
				s++;
			} else {
				if (*s == '\\' && s[1])
					s++;
				PUT(*s++);
			}
		}
		PUT(0);
	}
#undef PUT
	argv[argc] = NULL;
	return argc;
}

bool conf_quote(char *out, size_t n, size_t *len, const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_./:=,+@%-";
	bool plain = *s && strspn(s, safe) == strlen(s);
	size_t k = *len;

#define PUT(ch) do { if (k + 1 >= n) return false; out[k++] = (ch); } while (0)
	if (k)
		PUT(' ');
	if (!plain)
		PUT('\'');
	for (; *s; s++) {
		if (*s == '\'' && !plain) {
			/* close, an escaped quote, open again: '\'' */
			PUT('\'');
			PUT('\\');
			PUT('\'');
		}
		PUT(*s);
	}
	if (!plain)
		PUT('\'');
#undef PUT
	out[k] = 0;
	*len = k;
	return true;
}

static bool envname_ok(const char *s, size_t l)
{
	if (!l || (*s >= '0' && *s <= '9'))
		return false;
	for (size_t i = 0; i < l; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

const char *conf_init_key(int k, const char *v, struct vconf *c, char *msg, size_t n)
{
	static char buf[4096] BIG;
	char *w[256];
	const char *why;
	int nw;

	switch (k) {
	case 0: /* INIT: an absolute path inside the guest, then its arguments */
		if (strlen(v) >= sizeof(c->init))
			return "INIT: too long";
		if ((nw = conf_words(v, buf, sizeof(buf), w, VC_MAXARGS, &why)) < 0)
			return snprintf(msg, n, "INIT: %s", why), msg;
		if (!nw || w[0][0] != '/')
			return snprintf(msg, n, "INIT: '%s' is not an absolute path inside the guest", v), msg;
		snprintf(c->init, sizeof(c->init), "%s", v);
		return NULL;
	case 1: /* ENV: NAME=VALUE words */
		if (strlen(v) >= sizeof(c->env))
			return "ENV: too long";
		if ((nw = conf_words(v, buf, sizeof(buf), w, 256, &why)) < 0)
			return snprintf(msg, n, "ENV: %s", why), msg;
		for (int i = 0; i < nw; i++) {
			const char *eq = strchr(w[i], '=');
			if (!eq || !envname_ok(w[i], (size_t)(eq - w[i])))
				return snprintf(msg, n, "ENV: '%s' is not NAME=VALUE", w[i]), msg;
		}
		snprintf(c->env, sizeof(c->env), "%s", v);
		return NULL;
	case 2: /* INIT_DIR */
		if (v[0] != '/' || strlen(v) >= sizeof(c->init_dir))
			return snprintf(msg, n, "INIT_DIR: '%s' is not an absolute path inside the guest", v), msg;
		snprintf(c->init_dir, sizeof(c->init_dir), "%s", v);
		return NULL;
	case 3: { /* INIT_USER: USER[:GROUP], names or numbers of the guest */
		size_t l = strlen(v), colon = strcspn(v, ":");
		if (l >= sizeof(c->init_user) || !colon || colon + 1 == l ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:") != l ||
		    strchr(v + colon + 1, ':') || v[0] == '-' || v[colon + (colon < l)] == '-')
			return snprintf(msg, n, "INIT_USER: '%s' is not USER or USER:GROUP", v), msg;
		snprintf(c->init_user, sizeof(c->init_user), "%s", v);
		return NULL;
	}
	}
	return NULL;
}
