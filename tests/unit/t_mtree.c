/* t_mtree.c - lib/mtree.c's path escaping (the flags list of a copy) and
 * lib/mchan.c's line channel, over a pipe. */
#include "tap.h"

static void roundtrip(const char *s, const char *want)
{
	char esc[256], back[256];

	mtree_escape(s, esc, sizeof(esc));
	is_str(esc, want, want);
	ok(!mtree_unescape(esc, back, sizeof(back)) && !strcmp(back, s), "and back");
}

int main(void)
{
	char out[64], line[16];
	struct mchan ch;
	int p[2];

	applet_name = "t_mtree";
	roundtrip("etc/passwd", "etc/passwd");
	roundtrip("a b\nc", "a%20b%0Ac");
	roundtrip("100%\x7f\x01", "100%25%7F%01");
	roundtrip("\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9");
	ok(mtree_unescape("a%2", out, sizeof(out)), "a cut escape is refused");
	ok(mtree_unescape("a%zz", out, sizeof(out)), "a bad escape is refused");
	ok(mtree_unescape("a%00b", out, sizeof(out)), "an escaped NUL is refused");
	ok(mtree_unescape("", out, sizeof(out)), "an empty path is refused");
	ok(mtree_unescape("abcdefgh", out, 4), "one too long is refused");
	exits_with(1, "escaping into too small a buffer dies", mtree_escape("abcdefgh", out, 6));

	if (pipe(p))
		return 1;
	mchan_init(&ch, p[0], p[1]);
	mchan_printf(&ch, "ok %d\nfile conf 3\nabcnext\n%s\n", 42, "0123456789abcdef");
	close(p[1]);
	ok(!mchan_getline(&ch, line, sizeof(line)) && !strcmp(line, "ok 42"), "a line");
	ok(!mchan_getline(&ch, line, sizeof(line)) && !strcmp(line, "file conf 3"), "a file header");
	ok(!mchan_read(&ch, out, 3) && !memcmp(out, "abc", 3), "its bytes");
	ok(!mchan_getline(&ch, line, sizeof(line)) && !strcmp(line, "next"), "the line after them");
	ok(mchan_getline(&ch, line, sizeof(line)), "a line longer than the buffer is refused");
	close(p[0]);
	if (pipe(p))
		return 1;
	mchan_init(&ch, p[0], p[1]);
	mchan_write(&ch, "cut", 3);
	close(p[1]);
	ok(mchan_getline(&ch, line, sizeof(line)), "a line without its newline at EOF is none");
	ok(mchan_read(&ch, out, 1), "nor are bytes after EOF");
	return done_testing();
}
