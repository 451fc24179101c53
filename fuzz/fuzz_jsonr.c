/* fuzz_jsonr.c - libFuzzer target for the JSON reader (lib/jsonr.c) that
 * reads OCI index.json, manifests and image configs. Whatever parses must
 * be a well-formed token tree: every subtree inside its parent's, an
 * object's members key (a string) then value, element counts matching;
 * every string must decode (or be refused for a NUL) within its escaped
 * length, and lookups must stay in bounds. Failures must say why. */
#include "vsbox.h"
#include <assert.h>
#include "fuzz/fuzz.h"

static void walk(const struct jr *d, int t)
{
	const struct jr_tok *k = &d->tok[t];
	int n = 0;

	assert(k->end > t && k->end <= d->ntok);
	assert(k->off + k->len <= strlen(d->text));
	if (k->type == JR_STR) {
		char *s = jr_strdup(d, t);
		assert(!s || strlen(s) <= k->len);
		free(s);
	}
	if (k->type == JR_NUM) {
		long long v;
		(void)jr_int(d, t, &v);
	}
	if (k->type < JR_ARR) {
		assert(k->end == t + 1);
		return;
	}
	for (int c = jr_first(d, t); c >= 0; c = jr_next(d, t, c), n++) {
		assert(c > t && c < k->end);
		if (k->type == JR_OBJ) {
			assert(d->tok[c].type == JR_STR && d->tok[c].end == c + 1);
			walk(d, c + 1);
			char key[64];
			if (jr_str(d, c, key, sizeof(key))) {
				int v = jr_get(d, t, key);
				assert(v == -2 || v == c + 1 || (v > t && v < k->end));
			}
		} else {
			walk(d, c);
		}
	}
	assert(n == k->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr d;
	char err[128], *s;

	applet_name = "fuzz_jsonr";
	if (!(s = fuzz_cstr(data, size, 0)))
		return 0;
	/* the text as the callers give it: its length, NULs and all */
	if (!jr_parse(&d, s, strlen(s), err, sizeof(err))) {
		assert(d.ntok > 0 && d.tok[0].end == d.ntok);
		walk(&d, 0);
		assert(jr_get(&d, 0, "mediaType") >= -2);
		jr_free(&d);
	} else {
		assert(err[0] && !d.tok);
	}
	free(s);
	return 0;
}
