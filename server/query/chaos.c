/* SPDX-License-Identifier: MIT
 * chaos.c -- CHAOS TXT id.server. / hostname.bind. (the server-identity convention BIND
 * started and RFC 4892 section 2 describes). Worker threads; no allocation. */
#include "server/query/chaos.h"

#include <string.h>

#include "server/base/dname.h"
#include "server/base/dns.h"

static const uint8_t id_server[] = "\2id\6server";          /* + root label (the NUL) */
static const uint8_t hostname_bind[] = "\10hostname\4bind"; /* likewise */

bool chaos_is_identity_name(const uint8_t *qname_lc)
{
	return dname_equal(qname_lc, id_server) || dname_equal(qname_lc, hostname_bind);
}

void chaos_render(struct render *r, const uint8_t *qname, const uint8_t *identity,
                  uint8_t identity_len)
{
	uint8_t rdata[1 + 255];
	rdata[0] = identity_len;
	memcpy(rdata + 1, identity, identity_len);
	render_rr(r, RENDER_ANSWER, qname, DNS_TYPE_TXT, DNS_CLASS_CH, 0, rdata,
	          (uint16_t)(1u + identity_len));
}
