/* debguest.c - what a Debian root from debootstrap still needs to be a
 * guest: the files the Debian installer writes (/etc/hostname, /etc/hosts,
 * which debootstrap leaves as the host's hostname and none), and its init
 * scripts and systemd units that only make sense on real hardware, turned
 * off the guest's own way.
 *
 * /etc/hosts is the installer's: localhost as 127.0.0.1 and ::1, the
 * guest's name as 127.0.1.1 (so daemons that look their host name up, like
 * apache2, find it), the IPv6 multicast names.
 *
 * A guest has no hardware clock, loads no kernel module, runs no device
 * manager, has no console keymap or font to set, and its /proc/sys is
 * read-only; the scripts that do these things at boot or shutdown only
 * print errors ("hwclock: Cannot access the Hardware Clock via any known
 * method" at every stop). These are turned off where the guest has them:
 *
 *   SysV (update-rc.d NAME disable, then update-rc.d -f NAME remove: the
 *   links of every runlevel go but the K link in rcS.d that disable made,
 *   which rc never runs and insserv reads as "started nowhere", so a
 *   package upgrade's "update-rc.d NAME defaults" puts none back):
 *     hwclock.sh          the RTC (util-linux; K in rc 0 and 6)
 *     kmod                /etc/modules (kmod)
 *     udev                the device manager (udev)
 *     keyboard-setup.sh   the console keymap (keyboard-configuration)
 *     console-setup.sh    the console font (console-setup)
 *     procps              sysctl --system into the read-only /proc/sys
 *   systemd (systemctl mask; the others skip themselves in a container:
 *   ConditionVirtualization=, ConditionPathIsReadWrite=/sys or /proc/sys,
 *   ConditionCapability=, and Debian masks hwclock.service already):
 *     keyboard-setup.service  console-setup.service
 *
 * The same shell script does it in both cases: right after build
 * --debootstrap, chrooted into the new root (debootstrap's fresh files,
 * run as the host's root like debootstrap's own scripts were), and for a
 * guest that exists with "vserver NAME hwdisable", inside the running
 * guest, as its root (never the guest's files run by the host's root).
 * It prints one line: what it turned off.
 */
#include "vsbox.h"
#include <sys/wait.h>

const char hwoff_script[] =
	"off=\n"
	"for s in hwclock.sh kmod udev keyboard-setup.sh console-setup.sh procps; do\n"
	"	[ -f /etc/init.d/$s ] && command -v update-rc.d >/dev/null 2>&1 || continue\n"
	/* a start link anywhere or a stop link in a runlevel: still on */
	"	ls /etc/rc[0-6S].d/S[0-9][0-9]$s /etc/rc[0-6].d/K[0-9][0-9]$s >/dev/null 2>&1 || continue\n"
	"	update-rc.d $s disable >/dev/null 2>&1 && update-rc.d -f $s remove >/dev/null 2>&1 &&\n"
	"		off=\"$off $s\"\n"
	"done\n"
	"for u in keyboard-setup.service console-setup.service; do\n"
	"	[ -f /lib/systemd/system/$u ] || [ -f /usr/lib/systemd/system/$u ] || continue\n"
	"	[ \"$(readlink /etc/systemd/system/$u)\" != /dev/null ] && command -v systemctl >/dev/null 2>&1 || continue\n"
	"	systemctl mask $u >/dev/null 2>&1 && off=\"$off $u\"\n"
	"done\n"
	"echo \"$1: turned off, as they need real hardware:${off:- nothing (none on)}\"\n";

static const char hosts[] =
	"127.0.0.1\tlocalhost\n"
	"127.0.1.1\t%s\n"
	"\n"
	"# The following lines are desirable for IPv6 capable hosts\n"
	"::1     localhost ip6-localhost ip6-loopback\n"
	"ff02::1 ip6-allnodes\n"
	"ff02::2 ip6-allrouters\n";

/* in the fresh root (chrooted): /etc/hostname, and /etc/hosts if it has none */
static void host_files(const char *name)
{
	FILE *f;

	if (!(f = fopen("/etc/hostname", "we")) || fprintf(f, "%s\n", name) < 0 || fclose(f))
		die_errno("can't write /etc/hostname");
	if (access("/etc/hosts", F_OK) && errno == ENOENT) {
		if (!(f = fopen("/etc/hosts", "wxe")) || fprintf(f, hosts, name) < 0 || fclose(f))
			die_errno("can't write /etc/hosts");
	}
}

int debian_finish(const char *root, const char *name, bool quiet)
{
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) < 0)
		die_errno("can't fork");
	if (!pid) {
		/* the guest's own tools, its root as "/" (a fresh debootstrap) */
		if (chroot(root) || chdir("/"))
			die_errno("can't chroot to %s", root);
		host_files(name);
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
			if (fd >= 0)
				dup2(fd, 1);
		}
		clearenv();
		setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
		execl("/bin/sh", "sh", "-c", hwoff_script, "sh", name, (char *)NULL);
		die_errno("can't execute /bin/sh in %s", root);
	}
	return wait_forward(pid);
}
