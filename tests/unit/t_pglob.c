/* t_pglob.c - lib/pglob.c: shell patterns on paths, checked against musl's
 * fnmatch(FNM_PATHNAME | FNM_LEADING_DIR), the behaviour it stands for:
 * chosen cases, then many random patterns and paths */
#include "tap.h"
#include <fnmatch.h>

static int differ;

/* pglob_match against fnmatch on one pair; a difference is printed */
static bool same(const char *pat, const char *path)
{
	bool want = !fnmatch(pat, path, FNM_PATHNAME) || !fnmatch(pat, path, FNM_PATHNAME | FNM_LEADING_DIR);

	if (pglob_match(pat, path) == want)
		return true;
	if (differ++ < 10)
		printf("# '%s' on '%s': fnmatch says %d\n", pat, path, want);
	return false;
}

int main(void)
{
	static const char *const cases[][2] = {
		{ "/etc", "/etc" }, { "/etc", "/etc/passwd" }, { "/etc", "/etcetera" },
		{ "/opt/*/etc", "/opt/app/etc/x" }, { "/opt/*/etc", "/opt/app/lib/etc" },
		{ "*", "a/b" }, { "a*", "a/b" }, { "a?c", "a/c" }, { "a*c", "a/c" },
		{ "usr/lib", "usr" }, { "etc/", "etc/x" }, { "", "" }, { "", "a" },
		{ "*.[ch]", "x.c" }, { "*.[ch]", "x.o" }, { "*.[!ch]", "x.o" }, { "*.[^ch]", "x.c" },
		{ "[]]", "]" }, { "[!]]", "a" }, { "[a-c]x", "bx" }, { "[a-c]x", "dx" }, { "[c-a]", "b" },
		{ "[[:digit:]]*", "9lives" }, { "[[:alpha:]]", "9" }, { "[[:nosuch:]]", "a" },
		{ "[[:upper:][:digit:]]", "Q" }, { "[", "[" }, { "[a", "[a" }, { "a[", "a[" },
		{ "\\*", "*" }, { "\\*", "x" }, { "a\\", "a\\" }, { "[\\]]", "]" }, { "[a\\-c]", "-" },
		{ "**", "" }, { "*a*b*c", "xaybzc" }, { "*a*b*c", "xaybzcq" }, { ".*", ".hidden" },
		{ "*", ".hidden" }, { "?", "\xc3" }, { "[\xc0-\xff]", "\xe9" }, { "a//b", "a/b" },
		{ "/var/lib/*/state", "/var/lib/dpkg/state/x" }, { "*/*", "a/b/c" }, { "*/*", "a" },
	};
	static const char alpha[] = "ab*?[]!^-\\/:.";
	unsigned seed = 42;
	int bad = 0;

	applet_name = "t_pglob";
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char name[160];
		snprintf(name, sizeof(name), "'%s' on '%s' as fnmatch has it", cases[k][0], cases[k][1]);
		ok(same(cases[k][0], cases[k][1]), name);
	}
	ok(pglob_match("/etc", "/etc/passwd") && !pglob_match("/etc", "/etcetera"),
	   "a pattern matches a directory above, not a longer name");

	/* random pairs: patterns of pattern characters, paths of a, b, / and . */
	for (int n = 0; n < 200000; n++) {
		char pat[12], path[12];
		int lp, ls;

		seed = seed * 1103515245 + 12345;
		lp = (int)(seed >> 16) % 10;
		for (int i = 0; i < lp; i++) {
			seed = seed * 1103515245 + 12345;
			pat[i] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		pat[lp] = 0;
		seed = seed * 1103515245 + 12345;
		ls = (int)(seed >> 16) % 10;
		for (int i = 0; i < ls; i++) {
			seed = seed * 1103515245 + 12345;
			path[i] = "ab/.-]"[(seed >> 16) % 6];
		}
		path[ls] = 0;
		bad += !same(pat, path);
	}
	is_int(bad, 0, "200000 random patterns and paths: the same answers as fnmatch");
	return done_testing();
}
