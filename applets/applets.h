/* applets.h - the registry: one APPLET(name, flags) line per command, sorted.
 * main.c, --list and --install all read this one table. flags: 0 for now. */
APPLET(chbind, 0)
APPLET(chcontext, 0)
APPLET(reducecap, 0)
APPLET(vserver, 0)
APPLET(vservers, 0)
