/* t_proc.c - lib/proc.c parsing and formats, lib/pidctx.c's pid reuse guard */
#include "tap.h"

static bool only_self(pid_t pid, void *arg)
{
	return pid == *(pid_t *)arg;
}

/* a child that waits to be killed */
static pid_t sleeper(void)
{
	pid_t p = fork();
	if (!p) {
		alarm(30);
		pause();
		_exit(0);
	}
	return p;
}

/* the pid reuse race, made to happen: a pidfd of a process that is gone,
 * its pid now another process's */
static void reuse_race(void)
{
	char dir[] = "/tmp/vsbox-unit-proc.XXXXXX", buf[24];
	struct ctxmap m;
	pid_t a, b = -1;
	int fd;

	if (geteuid() != 0 || access("/proc/sys/kernel/ns_last_pid", W_OK)) {
		printf("ok %d # SKIP pid reuse needs root (ns_last_pid)\n", ++tap_n);
		return;
	}
	if (!mkdtemp(dir))
		return;
	setenv("VSBOX_RUNDIR", dir, 1);
	a = sleeper();
	fd = sys_pidfd_open(a);
	ok(fd >= 0, "pidfd of a live process");
	ctxmap_load(&m);
	is_int(pidfd_ctx(fd, a, &m), 0, "a host process is in context 0");
	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
	/* ask the kernel for pid a again (others fork too: a few tries) */
	for (int i = 0; i < 200 && b != a; i++) {
		if (b > 0) {
			kill(b, SIGKILL);
			waitpid(b, NULL, 0);
		}
		snprintf(buf, sizeof(buf), "%d", (int)a - 1);
		write_file("/proc/sys/kernel/ns_last_pid", buf);
		b = sleeper();
	}
	if (b != a) {
		printf("ok %d # SKIP could not recycle pid %d\n", ++tap_n, (int)a);
		printf("ok %d # SKIP\n", ++tap_n);
		printf("ok %d # SKIP\n", ++tap_n);
	} else {
		errno = 0;
		is_int(pidfd_ctx(fd, a, &m), -1, "pidfd_ctx: the old pidfd's process is gone");
		is_int(errno, ESRCH, "and says ESRCH");
		ok(sys_pidfd_send_signal(fd, SIGKILL) < 0 && kill(b, 0) == 0,
		   "a signal through the old pidfd never reaches the recycled pid");
	}
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
	close(fd);
	ctxmap_free(&m);
	rmdir(dir);
}

int main(void)
{
	struct proc p;
	struct proclist l;
	char buf[64];
	pid_t self = getpid();

	applet_name = "t_proc";
	memset(&p, 0, sizeof(p));
	/* a comm with blanks and parentheses: fields resume after the last ')' */
	ok(!proc_parse_stat("123 (a) b) c) S 1 120 121 34817 120 4194560 5 6 7 8 250 75 0 0 "
			    "20 -5 3 0 4200 10485760 300 18446744073709551615 1 1 0 0 0", &p),
	   "stat line parses");
	is_str(p.comm, "a) b) c", "comm with ') ' inside");
	ok(p.state == 'S' && p.ppid == 1 && p.pgrp == 120 && p.sid == 121, "state, ppid, pgrp, sid");
	ok(p.utime == 250 && p.stime == 75 && p.nice == -5 && p.nlwp == 3 && p.start == 4200,
	   "times, nice, threads, start");
	is_int(p.vsz, 10240, "vsize in KiB");
	is_int(p.rss, 300 * (sysconf(_SC_PAGESIZE) / 1024), "rss pages in KiB");
	ok(!p.kthread, "not a kernel thread");
	is_str(proc_tty(p.tty, buf, sizeof(buf)), "pts/1", "tty_nr 136:1 is pts/1");
	is_str(proc_stat_str(&p, buf, sizeof(buf)), "S<l+", "BSD state: nice < 0, threads, foreground");
	ok(proc_parse_stat("1 (x", &p) < 0, "a cut line is refused");
	ok(!proc_parse_stat("7 (\x1b[2Jx\xff) S 1 1 1 0 0 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0", &p),
	   "stat line with escapes in comm");
	is_str(p.comm, "?[2Jx?", "comm: escape and a stray byte become ?");
	{
		char s[] = "caf\xc3\xa9 \xe2\x82\xac \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82 \x7f\t";
		proc_printable(s);
		is_str(s, "caf\xc3\xa9 \xe2\x82\xac ?? ??? ???? ?? ??",
		       "printable: UTF-8 kept; overlong, surrogate, > U+10FFFF, cut, DEL, TAB -> ?");
	}
	is_str(proc_tty(0, buf, sizeof(buf)), "?", "no tty");
	is_str(proc_tty(4 << 8 | 2, buf, sizeof(buf)), "tty2", "4:2 is tty2");
	is_str(proc_tty(4 << 8 | 65, buf, sizeof(buf)), "ttyS1", "4:65 is ttyS1");
	is_str(proc_tty(137 << 8 | 4, buf, sizeof(buf)), "pts/260", "137:4 is pts/260");
	is_str(fmt_bsdtime(125 * proc_hz(), buf, sizeof(buf)), "2:05", "BSD time M:SS");
	is_str(fmt_dhms(90061, false, buf, sizeof(buf)), "1-01:01:01", "days-HH:MM:SS");
	is_str(fmt_dhms(61, true, buf, sizeof(buf)), "01:01", "short MM:SS");
	is_str(fmt_dhms(61, false, buf, sizeof(buf)), "00:01:01", "long HH:MM:SS");
	is_str(fmt_kib(980, buf, sizeof(buf)), "980K", "KiB");
	is_str(fmt_kib(12595, buf, sizeof(buf)), "12.3M", "MiB with a decimal");
	is_str(fmt_kib(4194304, buf, sizeof(buf)), "4.0G", "GiB");

	ok(!proc_read(self, PR_STATUS, &p) && p.pid == self && p.ppid == getppid() &&
	   p.uid == geteuid() && p.start == proc_starttime(self), "proc_read of ourselves");
	is_int(proc_scan(&l, PR_ARGS, only_self, &self), 1, "keep() selects before reading");
	ok(l.n == 1 && l.p[0].pid == self && strstr(l.p[0].args, "t_proc"), "our own args");
	proc_free(&l);
	ok(proc_scan(&l, 0, NULL, NULL) > 1 && l.p[0].pid == 1, "a full scan starts at pid 1");
	proc_free(&l);
	ok(proc_meminfo("MemTotal") > 0, "MemTotal");
	ok(proc_uptime() > 0, "uptime");

	reuse_race();
	return done_testing();
}
