/* floor.h - what the bench's floor programs (nullguest.c, guestfloor.c)
 * share: a guest's stop, the least it can be. Not part of vsbox. */
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>

/* PID (a guest's PID 1) killed, and waited for until it has exited */
static int kill_wait(int pid)
{
	struct pollfd p = { .events = POLLIN };

	p.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p.fd < 0 || syscall(SYS_pidfd_send_signal, p.fd, SIGKILL, NULL, 0))
		return -1;
	while (poll(&p, 1, -1) < 0)
		;
	close(p.fd);
	return 0;
}
