/* t_pglob.c - lib/pglob.c: shell patterns on paths, as musl's
 * fnmatch(FNM_PATHNAME | FNM_LEADING_DIR) matched them before (vsbox is
 * built with musl): chosen cases with musl's answers, then, where this test
 * is itself built with musl, many random patterns and paths against its
 * fnmatch (glibc's, in make check-asan, differs on odd sets and escapes) */
#include "tap.h"
#include <fnmatch.h>

#ifndef __GLIBC__
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
#endif

int main(void)
{
	static const struct { const char *pat, *path; bool match; } cases[] = {
		{ "/etc", "/etc", 1 }, { "/etc", "/etc/passwd", 1 }, { "/etc", "/etcetera", 0 },
		{ "/opt/*/etc", "/opt/app/etc/x", 1 }, { "/opt/*/etc", "/opt/app/lib/etc", 0 },
		{ "*", "a/b", 1 }, { "a*", "a/b", 1 }, { "a?c", "a/c", 0 }, { "a*c", "a/c", 0 },
		{ "usr/lib", "usr", 0 }, { "etc/", "etc/x", 0 }, { "", "", 1 }, { "", "a", 0 },
		{ "*.[ch]", "x.c", 1 }, { "*.[ch]", "x.o", 0 }, { "*.[!ch]", "x.o", 1 },
		{ "*.[^ch]", "x.c", 0 }, { "[]]", "]", 1 }, { "[!]]", "a", 1 }, { "[a-c]x", "bx", 1 },
		{ "[a-c]x", "dx", 0 }, { "[c-a]", "b", 0 }, { "[[:digit:]]*", "9lives", 1 },
		{ "[[:alpha:]]", "9", 0 }, { "[[:nosuch:]]", "a", 0 }, { "[[:upper:][:digit:]]", "Q", 1 },
		{ "[", "[", 1 }, { "[a", "[a", 1 }, { "a[", "a[", 1 }, { "\\*", "*", 1 },
		{ "\\*", "x", 0 }, { "a\\", "a\\", 1 }, { "[\\]]", "]", 0 }, { "[a\\-c]", "-", 0 },
		{ "**", "", 1 }, { "*a*b*c", "xaybzc", 1 }, { "*a*b*c", "xaybzcq", 0 },
		{ ".*", ".hidden", 1 }, { "*", ".hidden", 1 }, { "?", "\xc3", 1 },
		{ "[\xc0-\xff]", "\xe9", 1 }, { "a//b", "a/b", 0 },
		{ "/var/lib/*/state", "/var/lib/dpkg/state/x", 1 }, { "*/*", "a/b/c", 1 },
		{ "*/*", "a", 0 },
	};
	applet_name = "t_pglob";
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char name[160];
		snprintf(name, sizeof(name), "'%s' on '%s': %s", cases[k].pat, cases[k].path,
			 cases[k].match ? "a match" : "none");
		ok(pglob_match(cases[k].pat, cases[k].path) == cases[k].match, name);
	}
	ok(pglob_match("/etc", "/etc/passwd") && !pglob_match("/etc", "/etcetera"),
	   "a pattern matches a directory above, not a longer name");

#ifdef __GLIBC__
	printf("ok %d # SKIP random pairs: fnmatch here is glibc's, not musl's\n", ++tap_n);
#else
	static const char alpha[] = "ab*?[]!^-\\/:.";
	unsigned seed = 42;
	int bad = 0;

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
	is_int(bad, 0, "200000 random patterns and paths: the same answers as musl's fnmatch");
#endif
	return done_testing();
}
