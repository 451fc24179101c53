/* applets.h - the registry: one APPLET(name, flags) line per command, sorted.
 * main.c, --list and --install all read this one table. flags: 0 for now. */
APPLET(chbind, 0)
APPLET(chcontext, 0)
APPLET(newvserver, 0)
APPLET(reducecap, 0)
APPLET(vbuild, 0)
APPLET(vkill, 0)
APPLET(vps, 0)
APPLET(vpstree, 0)
APPLET(vserver, 0)
APPLET(vserver_stat, 0)
APPLET(vservers, 0)
APPLET(vtop, 0)
