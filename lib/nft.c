/* nft.c - a NET=private guest's anti-spoofing rules, as nf_tables netlink
 * messages (our own small encoder: libnftnl + libmnl would add ~150 KB of
 * generality to a binary whose whole budget is 400 KB, for five kinds of
 * message; the kernel validates every expression anyway).
 *
 * One table per guest, "netdev vsbox-NAME", with one base chain on the
 * ingress hook of the guest's host veth end: every frame the guest sends
 * passes it first, before a bridge or the routing sees it, in both modes.
 * Its policy is drop; the rules accept only
 *   the guest's own source MAC (anything else: drop first), and then
 *   IPv4 from an IPROOT address, ARP whose sender is the guest's MAC and an
 *   IPROOT address, IPv6 from an IPROOT address, from fe80::/64 (link-local:
 *   neighbour discovery) or from :: (duplicate address detection).
 * Before those, the IPv6 counterpart of the ARP check and an RA guard
 * (RFC 6105): a neighbour advertisement whose target is not an IPROOT
 * address or link-local (one claiming another guest's address, to take
 * its traffic), and any router advertisement or redirect, are dropped,
 * wherever they hide behind extension headers (meta l4proto and the
 * transport header are the kernel's own parse).
 * Other EtherTypes (VLAN tags, ...) are dropped. The whole table is made in
 * one nf_tables transaction (added, deleted and added again: whatever was
 * there before goes) and removed as a whole.
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#define ETH_P_IP_ 0x0800
#define ETH_P_ARP_ 0x0806
#define ETH_P_IPV6_ 0x86dd

static void msg(struct nlm *m, int type, int flags)
{
	struct nfgenmsg nf = { .nfgen_family = NFPROTO_NETDEV, .version = NFNETLINK_V0 };

	nlm_begin(m, (NFNL_SUBSYS_NFTABLES << 8) | type, flags | NLM_F_ACK, &nf, sizeof(nf));
}

static void be32(struct nlm *m, int type, uint32_t v)
{
	nlm_u32(m, type, htonl(v));
}

static size_t expr(struct nlm *m, const char *name)
{
	size_t e = nlm_nest(m, NFTA_LIST_ELEM);

	nlm_str(m, NFTA_EXPR_NAME, name);
	return e;
}

/* [payload base+off, len -> reg 1] */
static void payload(struct nlm *m, int base, int off, int len)
{
	size_t e = expr(m, "payload"), d = nlm_nest(m, NFTA_EXPR_DATA);

	be32(m, NFTA_PAYLOAD_DREG, NFT_REG_1);
	be32(m, NFTA_PAYLOAD_BASE, (uint32_t)base);
	be32(m, NFTA_PAYLOAD_OFFSET, (uint32_t)off);
	be32(m, NFTA_PAYLOAD_LEN, (uint32_t)len);
	nlm_end(m, d);
	nlm_end(m, e);
}

/* [meta protocol -> reg 1] */
static void meta_proto(struct nlm *m)
{
	size_t e = expr(m, "meta"), d = nlm_nest(m, NFTA_EXPR_DATA);

	be32(m, NFTA_META_DREG, NFT_REG_1);
	be32(m, NFTA_META_KEY, NFT_META_PROTOCOL);
	nlm_end(m, d);
	nlm_end(m, e);
}

/* [cmp reg 1 op data] */
static void cmp(struct nlm *m, int op, const void *data, size_t len)
{
	size_t e = expr(m, "cmp"), d = nlm_nest(m, NFTA_EXPR_DATA);

	be32(m, NFTA_CMP_SREG, NFT_REG_1);
	be32(m, NFTA_CMP_OP, (uint32_t)op);
	size_t v = nlm_nest(m, NFTA_CMP_DATA);
	nlm_put(m, NFTA_DATA_VALUE, data, len);
	nlm_end(m, v);
	nlm_end(m, d);
	nlm_end(m, e);
}

static void verdict(struct nlm *m, int code)
{
	size_t e = expr(m, "immediate"), d = nlm_nest(m, NFTA_EXPR_DATA);

	be32(m, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	size_t v = nlm_nest(m, NFTA_IMMEDIATE_DATA), vd = nlm_nest(m, NFTA_DATA_VERDICT);
	be32(m, NFTA_VERDICT_CODE, (uint32_t)code);
	nlm_end(m, vd);
	nlm_end(m, v);
	nlm_end(m, d);
	nlm_end(m, e);
}

static size_t rule_begin(struct nlm *m, const char *table)
{
	msg(m, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nlm_str(m, NFTA_RULE_TABLE, table);
	nlm_str(m, NFTA_RULE_CHAIN, "spoof");
	return nlm_nest(m, NFTA_RULE_EXPRESSIONS);
}

/* meta protocol == proto, then optionally payload(nh + off, len) == data
 * (and a second match), accept */
static void accept_rule(struct nlm *m, const char *table, uint16_t proto, int off, const void *data,
			int len, int off2, const void *data2, int len2)
{
	size_t r = rule_begin(m, table);
	uint16_t p = htons(proto);

	meta_proto(m);
	cmp(m, NFT_CMP_EQ, &p, 2);
	payload(m, NFT_PAYLOAD_NETWORK_HEADER, off, len);
	cmp(m, NFT_CMP_EQ, data, (size_t)len);
	if (data2) {
		payload(m, NFT_PAYLOAD_NETWORK_HEADER, off2, len2);
		cmp(m, NFT_CMP_EQ, data2, (size_t)len2);
	}
	verdict(m, NF_ACCEPT);
	nlm_end(m, r);
}

/* [meta l4proto -> reg 1] == ICMPv6 and [transport header byte 0] == type:
 * the start of an ICMPv6 rule (after meta protocol == IPv6) */
static void icmp6_type(struct nlm *m, uint8_t type)
{
	static const uint8_t icmp6 = 58;
	size_t e = expr(m, "meta"), d = nlm_nest(m, NFTA_EXPR_DATA);

	be32(m, NFTA_META_DREG, NFT_REG_1);
	be32(m, NFTA_META_KEY, NFT_META_L4PROTO);
	nlm_end(m, d);
	nlm_end(m, e);
	cmp(m, NFT_CMP_EQ, &icmp6, 1);
	payload(m, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	cmp(m, NFT_CMP_EQ, &type, 1);
}

/* the neighbour-discovery rules of the comment at the top */
static void nd_rules(struct nlm *m, const char *table, const struct vc_addr *ip, int nip)
{
	static const unsigned char ll6[8] = { 0xfe, 0x80 };
	static const uint8_t guard[] = { 134, 137 };    /* RA, redirect */
	uint16_t p6 = htons(ETH_P_IPV6_);
	size_t r;

	for (size_t i = 0; i < sizeof(guard); i++) {
		r = rule_begin(m, table);
		meta_proto(m);
		cmp(m, NFT_CMP_EQ, &p6, 2);
		icmp6_type(m, guard[i]);
		verdict(m, NF_DROP);
		nlm_end(m, r);
	}
	/* an advertisement (136): its target at 8 is link-local or mine */
	r = rule_begin(m, table);
	meta_proto(m);
	cmp(m, NFT_CMP_EQ, &p6, 2);
	icmp6_type(m, 136);
	payload(m, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 8);
	cmp(m, NFT_CMP_NEQ, ll6, 8);
	payload(m, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16);
	for (int i = 0; i < nip; i++)
		if (ip[i].family == AF_INET6)
			cmp(m, NFT_CMP_NEQ, ip[i].a, 16);
	verdict(m, NF_DROP);
	nlm_end(m, r);
}

static int batch(struct nlm *m, bool begin)
{
	struct nfgenmsg nf = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0,
			       .res_id = htons(NFNL_SUBSYS_NFTABLES) };

	nlm_begin(m, begin ? NFNL_MSG_BATCH_BEGIN : NFNL_MSG_BATCH_END, 0, &nf, sizeof(nf));
	return 0;
}

void nft_spoof_add(const char *name, const struct netns_names *n, const unsigned char *mac,
		   const struct vc_addr *ip, int nip)
{
	static struct nlm m BIG;
	static const unsigned char any6[16], ll6[8] = { 0xfe, 0x80 };
	int fd, acks;
	size_t h, r;

	memset(&m, 0, sizeof(m));
	batch(&m, true);
	/* add, delete, add: a leftover table of this name goes in the same
	 * transaction */
	msg(&m, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	nlm_str(&m, NFTA_TABLE_NAME, n->table);
	msg(&m, NFT_MSG_DELTABLE, 0);
	nlm_str(&m, NFTA_TABLE_NAME, n->table);
	msg(&m, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	nlm_str(&m, NFTA_TABLE_NAME, n->table);
	msg(&m, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nlm_str(&m, NFTA_CHAIN_TABLE, n->table);
	nlm_str(&m, NFTA_CHAIN_NAME, "spoof");
	h = nlm_nest(&m, NFTA_CHAIN_HOOK);
	be32(&m, NFTA_HOOK_HOOKNUM, NF_NETDEV_INGRESS);
	be32(&m, NFTA_HOOK_PRIORITY, (uint32_t)-500);
	nlm_str(&m, NFTA_HOOK_DEV, n->host);
	nlm_end(&m, h);
	be32(&m, NFTA_CHAIN_POLICY, NF_DROP);
	nlm_str(&m, NFTA_CHAIN_TYPE, "filter");
	/* a foreign source MAC: drop before anything else is looked at */
	r = rule_begin(&m, n->table);
	payload(&m, NFT_PAYLOAD_LL_HEADER, 6, 6);
	cmp(&m, NFT_CMP_NEQ, mac, 6);
	verdict(&m, NF_DROP);
	nlm_end(&m, r);
	nd_rules(&m, n->table, ip, nip);
	for (int i = 0; i < nip; i++) {
		if (ip[i].family == AF_INET) {
			accept_rule(&m, n->table, ETH_P_IP_, 12, ip[i].a, 4, 0, NULL, 0);
			/* ARP: sender hardware address at 8, sender IP at 14 */
			accept_rule(&m, n->table, ETH_P_ARP_, 8, mac, 6, 14, ip[i].a, 4);
		} else {
			accept_rule(&m, n->table, ETH_P_IPV6_, 8, ip[i].a, 16, 0, NULL, 0);
		}
	}
	accept_rule(&m, n->table, ETH_P_IPV6_, 8, ll6, 8, 0, NULL, 0);
	accept_rule(&m, n->table, ETH_P_IPV6_, 8, any6, 16, 0, NULL, 0);
	acks = (int)m.nmsg - 1;
	batch(&m, false);
	if ((fd = nl_socket(NETLINK_NETFILTER, -1)) < 0)
		die_errno("%s: can't open nf_tables netlink", name);
	if (nl_call(fd, &m, acks))
		die_errno("%s: can't load the anti-spoofing rules (nf_tables) on %s", name, n->host);
	close(fd);
}

void nft_spoof_del(const char *name, const char *table)
{
	static struct nlm m BIG;
	int fd;

	memset(&m, 0, sizeof(m));
	batch(&m, true);
	msg(&m, NFT_MSG_DELTABLE, 0);
	nlm_str(&m, NFTA_TABLE_NAME, table);
	batch(&m, false);
	if ((fd = nl_socket(NETLINK_NETFILTER, -1)) < 0) {
		warn_errno("%s: can't open nf_tables netlink", name);
		return;
	}
	if (nl_call(fd, &m, 1) && errno != ENOENT)
		warn_errno("%s: can't remove the table %s", name, table);
	close(fd);
}
