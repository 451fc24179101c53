/* t_reboot.c - lib/reboot.c: the request parser (guest and control lines),
 * and descriptors passed over a socket pair */
#include "tap.h"
#include <sys/socket.h>

static int parse(const char *s, bool ctl, struct rb_req *r, const char **why)
{
	return rb_parse(s, strlen(s), ctl, r, why);
}

int main(void)
{
	struct rb_req r;
	const char *why = "";
	char big[RB_LINE_MAX + 8];

	applet_name = "t_reboot";
	is_int(parse("reboot\n", false, &r, &why), 7, "reboot: the line's length");
	is_int(r.verb, RB_REBOOT, "  verb reboot");
	is_int(parse("halt\nreboot\n", false, &r, &why), 5, "halt: only the first line counts");
	is_int(r.verb, RB_HALT, "  verb halt");
	is_int(parse("reb", false, &r, &why), 0, "half a line: more to come");
	is_int(parse("", false, &r, &why), 0, "nothing yet: more to come");
	is_int(parse("reboot web\n", false, &r, &why), -1, "a guest's request names nothing");
	is_str(why, "a request takes no argument", "  why");
	is_int(parse("Reboot\n", false, &r, &why), -1, "verbs are lower case");
	is_int(parse("reboot \n", false, &r, &why), -1, "a trailing space");
	is_str(why, "stray space", "  why");
	is_int(parse("\n", false, &r, &why), -1, "an empty line");
	is_str(why, "empty request", "  why");
	is_int(rb_parse("re\0boot\n", 8, false, &r, &why), -1, "a NUL inside");
	is_str(why, "not a line of text", "  why");
	is_int(parse("reboot\r\n", false, &r, &why), -1, "a carriage return");
	is_int(parse("add web 2 100 5\n", false, &r, &why), -1, "control verbs are not a guest's");
	is_int(parse("reboot\n", true, &r, &why), -1, "nor a guest's the control socket's");
	memset(big, 'x', sizeof(big));
	is_int(rb_parse(big, RB_LINE_MAX - 1, false, &r, &why), 0, "RB_LINE_MAX - 1 bytes, no newline: more to come");
	is_int(rb_parse(big, RB_LINE_MAX, false, &r, &why), -1, "RB_LINE_MAX bytes, no newline: too long");
	is_str(why, "request too long", "  why");
	big[RB_LINE_MAX + 2] = '\n';
	is_int(rb_parse(big, sizeof(big), false, &r, &why), -1, "a newline only past RB_LINE_MAX: too long");

	is_int(parse("add web-1 17 4242 123456789\n", true, &r, &why), 28, "add");
	ok(r.verb == RB_ADD && !strcmp(r.name, "web-1") && r.xid == 17 && r.pid == 4242 && r.start == 123456789ULL,
	   "  name, xid, pid, start");
	is_int(parse("del web-1 17\n", true, &r, &why), 13, "del");
	ok(r.verb == RB_DEL && !strcmp(r.name, "web-1") && r.xid == 17, "  name, xid");
	is_int(parse("add ../x 17 4242 1\n", true, &r, &why), -1, "a bad guest name");
	is_int(parse("add web 1 4242 1\n", true, &r, &why), -1, "context 1 (the spectator) is no guest's");
	is_int(parse("add web 49152 4242 1\n", true, &r, &why), -1, "a context above XID_MAX");
	is_int(parse("add web 017 4242 1\n", true, &r, &why), -1, "a leading zero");
	is_int(parse("add web -2 4242 1\n", true, &r, &why), -1, "a sign");
	is_int(parse("add web 2 99999999999 1\n", true, &r, &why), -1, "a pid too large");
	is_int(parse("add web 2 4242 0\n", true, &r, &why), -1, "start time 0");
	is_int(parse("add web 2 4242 18446744073709551616\n", true, &r, &why), -1, "a start time past 64 bits");
	is_int(parse("add web 2 4242\n", true, &r, &why), -1, "a missing field");
	is_int(parse("del web 2 3\n", true, &r, &why), -1, "a field too many");

	/* a descriptor sent along a message, and what a receiver gets */
	int sp[2], got = -1;
	char b[8];
	ok(!socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp), "socket pair");
	is_int(rb_send(sp[0], "x", 1, 1), 1, "rb_send with a descriptor");
	is_int(rb_recv(sp[1], b, sizeof(b), &got, MSG_DONTWAIT), 1, "rb_recv");
	ok(got > 2 && (fcntl(got, F_GETFD) & FD_CLOEXEC), "  got a descriptor, close-on-exec");
	is_int(rb_send(sp[0], "y", 1, -1), 1, "rb_send without");
	is_int(rb_recv(sp[1], b, sizeof(b), &got, MSG_DONTWAIT), 1, "rb_recv");
	is_int(got, -1, "  got none");
	return done_testing();
}
