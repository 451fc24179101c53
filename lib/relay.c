/* relay.c - the terminal and pipe a guest's rc writes to, and copying what
 * it writes to the admin (vserver start and stop).
 *
 * Stock rc scripts expect to run on a console: Debian's /lib/init/rc starts
 * with "stty onlcr 0>&1", which fails on anything but a terminal ("stty:
 * 'standard input': Inappropriate ioctl for device"), and the LSB init
 * functions colour their "[ ok ]" only on one. So the rc's standard output
 * is a pseudo-terminal of the host's devpts (its master the caller's, then
 * the guest's init's to drain), its standard error a pipe, and its standard
 * input stays /dev/null (a script that reads gets EOF at once, as from a
 * console nobody types on, instead of waiting). The copy drops the CR the
 * pty's ONLCR puts before each LF, and when the admin's own output is no
 * terminal the guest gets TERM=dumb (guest_setup): a log of a start holds
 * plain lines. The pty is the host's: the guest sees a descriptor of
 * it, never the host's /dev/pts; what it can do with it (TIOCSTI is refused
 * by the guest's seccomp filter) reaches only its own reads.
 *
 * Kernel interfaces: /dev/ptmx (posix_openpt), TIOCGPTPEER (Linux 4.13+;
 * before, the slave by its name).
 */
#include "vsbox.h"
#include <sys/ioctl.h>
#include <termios.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* a pty: [0] the master, [1] the slave; close-on-exec both */
static int open_pty(int fds[2])
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), s;

	if (m < 0)
		return -1;
	if (unlockpt(m)) {
		close(m);
		return -1;
	}
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		char name[64];
		if (ptsname_r(m, name, sizeof(name)) ||
		    (s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
			close(m);
			return -1;
		}
	}
	fds[0] = m;
	fds[1] = s;
	return 0;
}

int relay_pipes(int out[2], int err[2])
{
	/* no pty (none left, no devpts): a pipe, and stty complains */
	if (open_pty(out) && pipe2(out, O_CLOEXEC))
		return -1;
	if (pipe2(err, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		return -1;
	}
	if (fcntl(out[0], F_SETFL, O_NONBLOCK) || fcntl(err[0], F_SETFL, O_NONBLOCK)) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			close(out[i]);
			close(err[i]);
		}
		errno = e;
		return -1;
	}
	return 0;
}

bool relay_copy(int rd, int fd, bool *ok)
{
	char buf[4096];
	ssize_t k;

	while ((k = read(rd, buf, sizeof(buf))) > 0) {
		/* "\r\n" -> "\n": a terminal of the admin's puts its own CR
		 * back (a CR split from its LF by the read stays: the pty
		 * writes them together) */
		size_t n = 0;
		for (ssize_t i = 0; i < k; i++)
			if (!(buf[i] == '\r' && i + 1 < k && buf[i + 1] == '\n'))
				buf[n++] = buf[i];
		if (*ok && write(fd, buf, n) != (ssize_t)n)
			*ok = false;
	}
	/* the end: a pipe's EOF, a pty master's EIO (every slave closed) */
	return k != 0 && !(k < 0 && errno == EIO);
}
