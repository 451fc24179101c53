/* t_scan.c - lib/scan.c: words, whole numbers, decimal fractions, hex pairs */
#include "tap.h"

int main(void)
{
	char buf[16], line[] = "  36 35 98:0 /a /sys/fs/cgroup\trw - cgroup2 cgroup2 rw\n", *w[12];
	unsigned long long u;
	long long v;

	applet_name = "t_scan";
	is_int(split_words(line, w, 12), 10, "split_words: ten words, blanks of every kind");
	is_str(w[0], "36", "  the first, leading blanks skipped");
	is_str(w[5], "rw", "  one after a tab");
	is_str(w[9], "rw", "  the last, its newline gone");
	char two[] = "a b c";
	is_int(split_words(two, w, 2), 2, "split_words stops at MAX");
	ok(word_at(" x  yz\n", 1, buf, sizeof(buf)) && !strcmp(buf, "yz"), "word_at 1");
	ok(!word_at("x y", 2, buf, sizeof(buf)), "word_at: no such word");
	ok(!word_at("0123456789abcdef", 0, buf, sizeof(buf)), "word_at: too long for the buffer is refused, not cut");
	ok(word_at("0123456789abcde", 0, buf, sizeof(buf)), "  one byte less fits");

	ok(scan_ull("18446744073709551615", 10, &u) && u == ULLONG_MAX, "scan_ull at the top");
	ok(!scan_ull("18446744073709551616", 10, &u), "scan_ull overflow");
	ok(!scan_ull("-1", 10, &u), "scan_ull: no sign");
	ok(!scan_ull(" 1", 10, &u), "scan_ull: no leading blank");
	ok(!scan_ull("1 ", 10, &u), "scan_ull: no trailing anything");
	ok(!scan_ull("", 10, &u), "scan_ull: empty");
	ok(scan_ull("ff", 16, &u) && u == 255, "scan_ull hex");
	ok(!scan_ull("0x10", 16, &u), "scan_ull hex: no 0x");
	ok(scan_ll("-5", -10, 10, &v) && v == -5, "scan_ll negative");
	ok(!scan_ll("11", -10, 10, &v), "scan_ll above the range");
	ok(!scan_ll("--1", -10, 10, &v), "scan_ll two signs");
	ok(!scan_ll("9223372036854775808", 0, LLONG_MAX, &v), "scan_ll overflow");

	ok(scan_fixed("12.345", 3, &v) && v == 12345, "scan_fixed 12.345 in thousandths");
	ok(scan_fixed("0.1", 3, &v) && v == 100, "scan_fixed 0.1");
	ok(scan_fixed("7", 2, &v) && v == 700, "scan_fixed without a point");
	ok(scan_fixed("3.", 1, &v) && v == 30, "scan_fixed with a point and nothing after");
	ok(scan_fixed("1.23456", 2, &v) && v == 123, "scan_fixed cuts further digits");
	ok(!scan_fixed(".5", 1, &v), "scan_fixed: a digit first");
	ok(!scan_fixed("1.2.3", 1, &v), "scan_fixed: one point");
	ok(!scan_fixed("1e3", 1, &v), "scan_fixed: no exponent");
	ok(!scan_fixed("-1", 1, &v), "scan_fixed: no sign");
	ok(!scan_fixed("99999999999999999999", 0, &v), "scan_fixed overflow");
	ok(!scan_fixed("999999999999999999", 3, &v), "scan_fixed overflow by the scale");

	is_int(hex2("0a"), 10, "hex2 0a");
	is_int(hex2("FF"), 255, "hex2 FF");
	is_int(hex2("g0"), -1, "hex2 not hex");
	is_int(hex2("1"), -1, "hex2 one digit only");
	return done_testing();
}
