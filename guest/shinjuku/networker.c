/*
 * The networking thread (after Shinjuku's dp/core/networker.c and IX's
 * eth_process_recv/ip_input/udp_input): it polls every receive queue, takes
 * up to ETH_RX_MAX_BATCH packets round robin, parses Ethernet/IPv4/UDP, and
 * turns the destination port into the request type (its index among the
 * configured ports; anything else is freed). It hands the batch to the
 * dispatcher through the networker_pointers cache line once the dispatcher
 * has emptied it, taking back the mbufs of finished requests in the same
 * line, and refills the receive rings. It is the only core that allocates
 * and frees receive buffers.
 */
#include "dispatch.h"
#include "nic.h"
#include "platform.h"
#include "proto.h"
#include "rt.h"

#define RX_RING 512
#define MAX_RXQ 16

static struct nic_rxq rxq[MAX_RXQ];
static void **mbuf_stack;
static uint32_t mbuf_top;

void *mbuf_alloc(void) { return mbuf_top ? mbuf_stack[--mbuf_top] : 0; }
void mbuf_free(void *m) { mbuf_stack[mbuf_top++] = m; }
static void *mbuf_alloc_cb(void *ctx) { (void)ctx; return mbuf_alloc(); }

/* The request type of a frame: the index of its UDP destination port among the configured ports, or -1. */
static int udp_input(const uint8_t *f, uint32_t len) {
  if (len < PAYLOAD_OFF) return -1;
  if (f[12] != 0x08 || f[13] != 0x00) return -1;       /* EtherType IPv4 */
  if ((f[14] >> 4) != 4 || f[14 + 9] != 17) return -1; /* IPv4, UDP */
  unsigned ihl = (f[14] & 0xF) * 4;
  const uint8_t *udp = f + ETH_HDR_LEN + ihl;
  uint16_t dport = (uint16_t)(udp[2] << 8 | udp[3]);
  for (unsigned i = 0; i < shinjuku_cfg.num_ports; i++)
    if (shinjuku_cfg.ports[i] == dport) return (int)i;
  return -1;
}

void networker_init(void) {
  unsigned nq = shinjuku_cfg.rx_queues;
  uint32_t nbufs = nq * RX_RING + shinjuku_cfg.pool_contexts + 2 * ETH_RX_MAX_BATCH;
  uint8_t *bufs = platform_alloc((uint64_t)nbufs * NIC_BUF_BYTES, 64);
  mbuf_stack = platform_alloc((uint64_t)nbufs * sizeof(void *), 64);
  for (uint32_t i = 0; i < nbufs; i++) mbuf_free(bufs + (uint64_t)(nbufs - 1 - i) * NIC_BUF_BYTES);
  if (nq > 1) nic_rss_init(nq);
  for (unsigned q = 0; q < nq; q++) {
    void *ring = platform_alloc(RX_RING * sizeof(union rx_desc), 128);
    void **slots = platform_alloc(RX_RING * sizeof(void *), 64);
    for (unsigned i = 0; i < RX_RING; i++) slots[i] = mbuf_alloc();
    nic_rxq_init(&rxq[q], q, RX_RING, ring, slots);
  }
}

/* Nothing came in: wait on the next descriptor (its own symbol: idle time in the per-core breakdown). */
__attribute__((noinline)) static void networker_idle(const struct nic_rxq *q) { nic_rx_wait(q); }

void do_networking(void) {
  unsigned nq = shinjuku_cfg.rx_queues;
  unsigned q = 0;
  void *pkts[ETH_RX_MAX_BATCH];
  uint8_t types[ETH_RX_MAX_BATCH];
  for (;;) {
    /* eth_process_recv: up to a batch, round robin over the queues. */
    unsigned n = 0, idle = 0;
    while (n < ETH_RX_MAX_BATCH && idle < nq) {
      uint32_t len;
      uint8_t *f = nic_rx_poll(&rxq[q], &len);
      q = q + 1 == nq ? 0 : q + 1;
      if (!f) { idle++; continue; }
      idle = 0;
      int type = udp_input(f, len);
      if (type < 0) { mbuf_free(f); shinjuku_stats.bad_packets++; continue; }
      pkts[n] = f;
      types[n] = (uint8_t)type;
      n++;
    }
    if (n > 0) {
      while (networker_pointers.cnt != 0) cpu_relax();
      for (unsigned j = 0; j < networker_pointers.free_cnt; j++) mbuf_free(networker_pointers.pkts[j]);
      for (unsigned j = 0; j < n; j++) { networker_pointers.pkts[j] = pkts[j]; networker_pointers.types[j] = types[j]; }
      networker_pointers.free_cnt = 0;
      shinjuku_stats.net_batches++;
      shinjuku_stats.net_packets += n;
      __asm__ volatile("" ::: "memory");
      networker_pointers.cnt = (uint8_t)n;
    }
    for (unsigned j = 0; j < nq; j++) if (rxq[j].fill != rxq[j].next) nic_rx_refill(&rxq[j], mbuf_alloc_cb, 0);
    /* Nothing came in: with one queue, wait on its next descriptor (a one-load loop the emulator can
     * sleep through until the NIC's DMA); with several, poll again. */
    if (n == 0) {
      if (nq == 1) networker_idle(&rxq[0]); else cpu_relax();
    }
  }
}
