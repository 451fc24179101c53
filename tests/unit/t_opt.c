/* t_opt.c - lib/opt.c and lib/ctx.c parsers: numbers, signals, flags */
#include "tap.h"

int main(void)
{
	char buf[128];

	applet_name = "t_opt";
	is_int(parse_long("0", 0, 10, "n"), 0, "parse_long 0");
	is_int(parse_long("49151", 1, XID_MAX, "n"), 49151, "parse_long at the top of the range");
	is_int(parse_long("-5", -10, 10, "n"), -5, "parse_long negative");
	exits_with(2, "parse_long above the range is a usage error", parse_long("49152", 1, XID_MAX, "n"));
	exits_with(2, "parse_long empty", parse_long("", 0, 10, "n"));
	exits_with(2, "parse_long trailing junk", parse_long("12x", 0, 100, "n"));
	exits_with(2, "parse_long overflow", parse_long("99999999999999999999999", 0, LONG_MAX, "n"));
	exits_with(2, "parse_long leading space", parse_long(" 1", 0, 10, "n"));

	is_int(parse_signal("TERM", "s"), SIGTERM, "parse_signal TERM");
	is_int(parse_signal("sigkill", "s"), SIGKILL, "parse_signal sigkill");
	is_int(parse_signal("SIGUSR1", "s"), SIGUSR1, "parse_signal SIGUSR1");
	is_int(parse_signal("9", "s"), 9, "parse_signal 9");
	exits_with(2, "parse_signal unknown name", parse_signal("BOGUS", "s"));
	exits_with(2, "parse_signal out of range", parse_signal("65", "s"));

	is_int(parse_ctx_flags("lock", "f"), CF_LOCK, "flag lock");
	is_int(parse_ctx_flags("lock,nproc", "f"), CF_LOCK | CF_NPROC, "flags lock,nproc");
	is_int(parse_ctx_flags("sched private fakeinit", "f"), CF_SCHED | CF_PRIVATE | CF_FAKEINIT,
	       "flags separated by spaces");
	is_int(parse_ctx_flags("", "f"), 0, "no flags");
	exits_with(2, "unknown flag", parse_ctx_flags("lock,bogus", "f"));
	is_str(ctx_flags_str(CF_LOCK | CF_NPROC | CF_FAKEINIT, buf, sizeof(buf)), "lock,nproc,fakeinit",
	       "ctx_flags_str");
	is_str(ctx_flags_str(0, buf, sizeof(buf)), "", "ctx_flags_str of none");

	is_int(parse_cap("CAP_NET_RAW", "c"), 13, "parse_cap CAP_NET_RAW");
	is_int(parse_cap("net_raw", "c"), 13, "parse_cap net_raw");
	is_int(parse_cap("Sys_Admin", "c"), 21, "parse_cap Sys_Admin");
	is_int(parse_cap("0", "c"), 0, "parse_cap by number");
	exits_with(2, "parse_cap unknown", parse_cap("CAP_BOGUS", "c"));
	exits_with(2, "parse_cap beyond the kernel's last", parse_cap("200", "c"));
	ok((caps_secure() & caps_default()) == caps_secure(), "the secure set is within the default set");
	ok(!(caps_default() & (1ULL << 21)), "no default keeps CAP_SYS_ADMIN");
	ok(!(caps_default() & (1ULL << 13)), "no default keeps CAP_NET_RAW");
	ok(!(caps_default() & (1ULL << 2)), "no default keeps CAP_DAC_READ_SEARCH");
	return done_testing();
}
