/* rbinit.c - a guest's PID 1 for tests/rebootmgr.t that calls reboot(2)
 * itself. At each boot it appends "boot" to /tmp/rbinit.log, then runs the
 * command named in /etc/rbinit.cmd (taken away first, so the next boot runs
 * nothing; /etc/rbinit.loop is kept, so every boot runs it): restart,
 * restart2, halt, poweroff, cad_on, cad_off, kexec, suspend, badmagic.
 * A call that returns appends "CMD ret=R errno=E"; then it waits for
 * TERM or PWR (the stop) and exits. Built static by the test (gcc). It
 * refuses to do anything unless it is PID 1 of a PID namespace of its own:
 * run on the host by mistake it must never reach the host's reboot(2).
 * "CMD later" waits 300 ms first (for vserver start to see it run). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/reboot.h>

static void done(int sig)
{
	_exit(0);
}

static const struct { const char *name; unsigned cmd; } cmds[] = {
	{ "restart", LINUX_REBOOT_CMD_RESTART }, { "restart2", LINUX_REBOOT_CMD_RESTART2 },
	{ "halt", LINUX_REBOOT_CMD_HALT }, { "poweroff", LINUX_REBOOT_CMD_POWER_OFF },
	{ "cad_on", LINUX_REBOOT_CMD_CAD_ON }, { "cad_off", LINUX_REBOOT_CMD_CAD_OFF },
	{ "kexec", LINUX_REBOOT_CMD_KEXEC }, { "suspend", LINUX_REBOOT_CMD_SW_SUSPEND },
	{ "badmagic", LINUX_REBOOT_CMD_RESTART },
};

int main(void)
{
	char name[32] = "", when[32] = "";
	FILE *f, *log;
	long r;

	if (getpid() != 1)
		return 2;
	signal(SIGTERM, done);
	signal(SIGPWR, done);
	log = fopen("/tmp/rbinit.log", "a");
	if (!log)
		return 3;
	setvbuf(log, NULL, _IONBF, 0);
	fprintf(log, "boot\n");
	if ((f = fopen("/etc/rbinit.cmd", "r")) || (f = fopen("/etc/rbinit.loop", "r"))) {
		if (fscanf(f, "%31s %31s", name, when) < 1)
			name[0] = 0;
		fclose(f);
		unlink("/etc/rbinit.cmd");
	}
	for (size_t i = 0; name[0] && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(name, cmds[i].name))
			continue;
		if (!strcmp(when, "later"))
			usleep(300000);
		r = syscall(SYS_reboot, !strcmp(name, "badmagic") ? 0x12345678 : LINUX_REBOOT_MAGIC1,
			    LINUX_REBOOT_MAGIC2, cmds[i].cmd, "vsbox-test");
		fprintf(log, "%s ret=%ld errno=%s\n", name, r, r ? strerror(errno) : "0");
	}
	for (;;)
		pause();
}
