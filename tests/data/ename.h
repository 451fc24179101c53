/* ename.h - the symbolic name of an errno value, as the test probes
 * (hprobe.c, qprobe.c) print it: "OK" for 0, glibc's own name otherwise
 * (strerrorname_np, glibc 2.32), "EOTHER" for a value it does not know. */
#ifndef ENAME_H
#define ENAME_H
#include <string.h>

static const char *ename(int e)
{
	const char *n = e ? strerrorname_np(e) : "OK";
	return n ? n : "EOTHER";
}
#endif
