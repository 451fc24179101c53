/* confnet.c - NAME.conf's network keys (NET, NET_MODE, BRIDGE, NET_MAC,
 * NET_UPLINK, NET_GATEWAY), parsed for lib/conf.c, which reports the
 * message with the file and line. Nothing here touches the host: whether
 * BRIDGE and NET_UPLINK exist is asked at start (netns_check()). */
#include "vsbox.h"
#include <arpa/inet.h>

static bool devname_ok(const char *v)
{
	if (!*v || strlen(v) >= 16 || !strcmp(v, ".") || !strcmp(v, ".."))
		return false;
	for (; *v; v++)
		if (*v == '/' || *v == ':' || *v <= ' ' || *v == 0x7f)
			return false;
	return true;
}

const char *conf_net_key(int k, char *v, struct vconf *c)
{
	static char why[160];
	char *save, *t;

	switch (k) {
	case 0: /* NET */
		if (strcmp(v, "shared") && strcmp(v, "private"))
			return snprintf(why, sizeof(why), "NET: '%.40s' is not shared or private", v), why;
		c->net_private = !strcmp(v, "private");
		return NULL;
	case 1: /* NET_MODE */
		if (strcmp(v, "bridge") && strcmp(v, "routed"))
			return snprintf(why, sizeof(why), "NET_MODE: '%.40s' is not bridge or routed", v), why;
		c->net_mode = strcmp(v, "bridge") ? NET_ROUTED : NET_BRIDGE;
		return NULL;
	case 2: /* BRIDGE */
	case 4: /* NET_UPLINK */
		if (!devname_ok(v))
			return snprintf(why, sizeof(why), "%s: '%.40s' is not a network device name",
					k == 2 ? "BRIDGE" : "NET_UPLINK", v), why;
		snprintf(k == 2 ? c->bridge : c->uplink, sizeof(c->bridge), "%s", v);
		return NULL;
	case 3: { /* NET_MAC: a unicast address */
		int m[6], i = 0;
		for (; strlen(v) == 17 && i < 6 && (m[i] = hex2(v + 3 * i)) >= 0 &&
		       (i == 5 || v[3 * i + 2] == ':'); i++)
			;
		if (i < 6 || (m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
			return snprintf(why, sizeof(why), "NET_MAC: '%.40s' is not a unicast MAC address (02:00:00:00:00:01)", v), why;
		for (int i = 0; i < 6; i++)
			c->mac[i] = (unsigned char)m[i];
		c->have_mac = true;
		return NULL;
	}
	case 5: /* NET_GATEWAY: one IPv4 and/or one IPv6 address */
		for (t = strtok_r(v, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
			bool *have = inet_pton(AF_INET, t, c->gw4) == 1 ? &c->have_gw4 :
				     inet_pton(AF_INET6, t, c->gw6) == 1 ? &c->have_gw6 : NULL;
			if (!have)
				return snprintf(why, sizeof(why), "NET_GATEWAY: '%.40s' is not an IPv4 or IPv6 address", t), why;
			if (*have)
				return "NET_GATEWAY: one IPv4 and one IPv6 address at most";
			*have = true;
		}
		return NULL;
	}
	return NULL;
}

const char *conf_net_check(struct vconf *c)
{
	if (!c->net_private) {
		if (c->net_mode || c->bridge[0] || c->have_mac || c->uplink[0] || c->have_gw4 || c->have_gw6)
			return "NET_MODE, BRIDGE, NET_MAC, NET_UPLINK and NET_GATEWAY need NET=private";
		c->net = NET_SHARED;
		return NULL;
	}
	c->net = c->net_mode ? c->net_mode : NET_BRIDGE;
	if (c->net == NET_BRIDGE && !c->bridge[0])
		return "NET=private with NET_MODE=bridge needs BRIDGE";
	if (c->net == NET_BRIDGE && c->uplink[0])
		return "NET_UPLINK is for NET_MODE=routed (a bridge has its own ports)";
	if (c->net == NET_ROUTED && c->bridge[0])
		return "BRIDGE is for NET_MODE=bridge";
	if (c->net == NET_ROUTED && (c->have_gw4 || c->have_gw6))
		return "NET_GATEWAY is for NET_MODE=bridge (a routed guest's gateway is the host)";
	for (int i = 0; i < c->nip; i++)
		if (c->ip[i].dev[0])
			return "IPROOT: a device prefix has no meaning with NET=private (the guest's device is eth0)";
	return NULL;
}
