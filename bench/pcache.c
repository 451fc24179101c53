/* pcache.c - the page cache of the files of a filesystem tree.
 *
 * usage: pcache count|drop DIR...
 * Walks each DIR without following symlinks or entering another mount
 * (the overlays mounted on a unified guest's root are not entered: their
 * pages are the underlying files', counted where those are). count prints
 * "BYTES FILES": the bytes of regular files resident in the page cache
 * (mincore over a mapping that faults nothing in) and how many files have
 * any. drop evicts every clean page of them (POSIX_FADV_DONTNEED; sync
 * first): the cache of one filesystem emptied without remounting it or
 * dropping the whole host's. Built and run by bench/60-unify-overlay.sh;
 * not part of vsbox.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int drop;
static unsigned long long bytes, files;

static int visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
	if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size == 0)
		return 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOATIME | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;               /* gone meanwhile */
	if (drop) {
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
		return 0;
	}
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)st->st_size, np = (len + pg - 1) / pg;
	void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *v = malloc(np);
	unsigned long long n = 0;
	if (m != MAP_FAILED && v && !mincore(m, len, v))
		for (size_t i = 0; i < np; i++)
			n += v[i] & 1;
	if (m != MAP_FAILED)
		munmap(m, len);
	free(v);
	close(fd);
	if (n) {
		bytes += n * pg;
		files++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "count") && strcmp(argv[1], "drop"))) {
		fprintf(stderr, "usage: pcache count|drop DIR...\n");
		return 2;
	}
	drop = !strcmp(argv[1], "drop");
	for (int i = 2; i < argc; i++)
		if (nftw(argv[i], visit, 64, FTW_PHYS | FTW_MOUNT)) {
			perror(argv[i]);
			return 1;
		}
	if (!drop)
		printf("%llu %llu\n", bytes, files);
	return 0;
}
