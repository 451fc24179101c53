/* applets.h - the registry: one APPLET(name, flags) line per command, sorted.
 * main.c, --list and --install all read this one table. flags: 0 for now. */
APPLET(chcontext, 0)
APPLET(reducecap, 0)
