/* fuzz.h - what every libFuzzer target in fuzz/ shares: the entry point's
 * prototype and the input as a C string (the parsers take those). */
#ifndef VSBOX_FUZZ_H
#define VSBOX_FUZZ_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data[skip..size) as a malloc'd, NUL-terminated string; NULL when there is
 * no input or no memory. The targets that pick a parser by their first
 * byte skip it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size, size_t skip)
{
	char *s;

	if (size < skip || !(s = malloc(size - skip + 1)))
		return NULL;
	memcpy(s, data + skip, size - skip);
	s[size - skip] = 0;
	return s;
}
#endif
