/* vreboot.c - vreboot and vhalt: ask the host's rebootmgr to restart or
 * stop this guest, over the unix socket rebootmgr put at /dev/reboot
 * (lib/reboot.c; rebootmgr knows the guest from the socket alone).
 * Kernel interfaces: a unix stream socket.
 */
#include "vsbox.h"

#define COMMON \
"       (vreboot: a \"vserver NAME restart\" on the host, its stop and start\n" \
"       hooks run and NAME.conf is read again; vhalt: \"vserver NAME stop\").\n" \
"rebootmgr knows the guest from the socket, not from anything sent.\n" \
"  --socket PATH  another socket than /dev/reboot (from the host, a guest's\n" \
"                 is /proc/INIT/root/dev/reboot)\n" \
"Exit 0 once rebootmgr has the request (the guest is then restarted or\n" \
"stopped), 1 if it does not.\n"
USAGE(vreboot, usage_reboot,
"usage: vreboot [--socket PATH]\n"
"Ask the host's rebootmgr to restart this guest\n" COMMON);
USAGE(vreboot, usage_halt,
"usage: vhalt [--socket PATH]\n"
"Ask the host's rebootmgr to stop this guest\n" COMMON);

static const struct option opts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static int ask(int argc, char **argv, int verb, const struct usage *usage)
{
	const char *sock = "/dev/reboot";
	char reply[RB_LINE_MAX];
	int c;

	while ((c = opt_next(argc, argv, "h", opts, usage)) != -1)
		if (c == 's')
			sock = optarg;
	if (optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
	if (rb_ask(sock, verb, reply, sizeof(reply))) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			die("no rebootmgr runs on the host (%s: %s)", sock, strerror(errno));
		if (errno == EACCES)
			die("only root may ask rebootmgr (%s: %s)", sock, strerror(errno));
		die_errno("no answer from rebootmgr on %s", sock);
	}
	if (strcmp(reply, "ok"))
		die("rebootmgr refused: %s", strncmp(reply, "error: ", 7) ? reply : reply + 7);
	return 0;
}

int vreboot_main(int argc, char **argv)
{
	return ask(argc, argv, RB_REBOOT, usage_reboot);
}

int vhalt_main(int argc, char **argv)
{
	return ask(argc, argv, RB_HALT, usage_halt);
}
