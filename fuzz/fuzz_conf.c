/* fuzz_conf.c - libFuzzer target for lib/conf.c: NAME.conf (every key: the
 * address, capability, ulimit, size, flag and seccomp-rule parsers) and
 * NAME.fstab. Built by "make fuzz" with clang -fsanitize=fuzzer,address,
 * undefined against glibc; a parser that dies, overflows or reads past its
 * input is a finding. The first byte picks the parser. */
#include "vsbox.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vconf c;
	char err[512], *text;
	struct vc_mount *m = NULL;

	if (!size)
		return 0;
	applet_name = "fuzz_conf";
	if (!(text = fuzz_cstr(data, size, 1)))
		return 0;
	if (data[0] & 1) {
		/* on an error nothing stays allocated (LeakSanitizer checks) */
		if (conf_fstab("g.fstab", text, &m, err, sizeof(err)) < 0 && m)
			abort();
		free(m);
	} else {
		memset(&c, 0, sizeof(c));
		conf_parse("g.conf", text, &c, err, sizeof(err));
	}
	free(text);
	return 0;
}
