/* nocg2.c - run CMD in a mount namespace of its own without the cgroup2
 * mount of a hybrid cgroup host (/sys/fs/cgroup/unified). crun 1.8 refuses
 * to run on a hybrid host whose cgroup2 has a controller ("drop all
 * controllers from cgroupv2"), even with --cgroup-manager=disabled;
 * bench/10-peers.sh times crun through this, and times this alone too, so
 * its own cost can be read off. Only this process's view changes: the
 * namespace is a slave copy of the host's. Built and run by the bench; not
 * part of vsbox.
 *
 * usage: nocg2 CMD [ARG]...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mount.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL)) {
		perror("nocg2: can't make a mount namespace");
		return 1;
	}
	/* no such mount (a pure v1 or v2 host): nothing to hide */
	if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) && errno != EINVAL && errno != ENOENT) {
		perror("nocg2: can't detach /sys/fs/cgroup/unified");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
