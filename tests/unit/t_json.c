/* t_json.c - lib/json.c: commas at every nesting level, escapes, null, and
 * bytes that are not UTF-8 (each becomes U+FFFD, the rest passes as it is) */
#include "tap.h"
#include <sys/mman.h>

static char out[4096];

/* what fn writes on stdout, through a memfd put in its place */
static const char *capture(void (*fn)(void))
{
	int fd = memfd_create("json", 0), save = dup(1);
	ssize_t n;

	fflush(stdout);
	dup2(fd, 1);
	fn();
	fflush(stdout);
	dup2(save, 1);
	close(save);
	n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	return out;
}

static void nested(void)
{
	json_open('[');
	json_open('{');
	json_key("a");
	json_int(-1);
	json_key("b");
	json_open('[');
	json_str("x");
	json_null();
	json_bool(true);
	json_close(']');
	json_key("c");
	json_open('{');
	json_close('}');
	json_key("d");
	json_intn(5, false);
	json_close('}');
	json_open('{');
	json_key("e");
	json_uint(18446744073709551615ULL);
	json_key("f");
	json_real(1.5);
	json_close('}');
	json_close(']');
}

static void empty(void)
{
	json_open('[');
	json_close(']');
}

static void strings(void)
{
	json_open('[');
	json_str("q\"b\\s/");
	json_str("\t\n\x01\x7f");
	json_str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	json_str("\xff\xc3(\xe0\x80\xaf\xed\xa0\x80\xf4\x90\x80\x80\xc3");
	json_str(NULL);
	json_close(']');
}

int main(void)
{
	applet_name = "t_json";
	is_str(capture(nested), "[{\"a\":-1,\"b\":[\"x\",null,true],\"c\":{},\"d\":null},"
	       "{\"e\":18446744073709551615,\"f\":1.50}]\n", "nested objects and arrays: commas and no others");
	is_str(capture(empty), "[]\n", "an empty array");
	is_str(capture(empty), "[]\n", "a second document starts afresh");
	is_str(capture(strings), "[\"q\\\"b\\\\s/\",\"\\u0009\\u000a\\u0001\\u007f\","
	       "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
	       "\"\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\","
	       "null]\n", "escapes, UTF-8 kept, every byte of a bad sequence is U+FFFD");
	return done_testing();
}
