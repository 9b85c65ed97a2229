/*
 * The request and reply payload the load generator sends (src/load/frames.ts
 * has the same layout), behind Ethernet II (14 bytes), IPv4 (20) and UDP (8).
 */
#ifndef SHINJUKU_PROTO_H
#define SHINJUKU_PROTO_H

#include <stdint.h>

#define ETH_HDR_LEN 14
#define IP_HDR_LEN 20
#define UDP_HDR_LEN 8
#define PAYLOAD_OFF (ETH_HDR_LEN + IP_HDR_LEN + UDP_HDR_LEN)

struct request_payload {
  uint64_t id;
  uint64_t arg0;        /* synthetic: service time in ns; key-value: operation (0 GET, 1 SCAN) */
  uint64_t arg1;        /* key-value: first key in bits 31:0, SCAN key count in bits 63:32 */
  uint64_t sent;        /* the client's send tick (echoed) */
  uint32_t preemptions; /* reply: how often the request was preempted */
  uint32_t worker;      /* reply: the worker that finished it */
  uint64_t result;      /* reply: the application's result */
};
_Static_assert(sizeof(struct request_payload) == 48, "payload layout shared with src/load/frames.ts");

static inline uint16_t ntohs(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }

#endif
