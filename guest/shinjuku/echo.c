/*
 * A trivial UDP echo server on the emulator's NIC: one core polls receive
 * queue 0, swaps the Ethernet, IPv4 and UDP addresses of each request and
 * sends it back on transmit queue 0. It checks the NIC, the client and the
 * wire timing end to end before the Shinjuku server does.
 */
/* shinjuku-emu: link nic.c */
#include "rt.h"
#include "nic.h"

#define RING 256
#define POOL (2 * RING)

static union rx_desc rxring[RING] __attribute__((aligned(128)));
static struct tx_desc txring[RING] __attribute__((aligned(128)));
static uint8_t rxmem[POOL][NIC_BUF_BYTES] __attribute__((aligned(64)));
static uint8_t txmem[RING * NIC_BUF_BYTES] __attribute__((aligned(64)));
static void *rxslot[RING];
static void *freebufs[POOL];
static unsigned nfree;
static struct nic_rxq rxq;
static struct nic_txq txq;

static void *pool_get(void *ctx) { (void)ctx; return nfree ? freebufs[--nfree] : 0; }

static void swap(uint8_t *p, unsigned a, unsigned b, unsigned n) {
  for (unsigned i = 0; i < n; i++) { uint8_t t = p[a + i]; p[a + i] = p[b + i]; p[b + i] = t; }
}

int test_main(void) {
  for (unsigned i = 0; i < RING; i++) rxslot[i] = rxmem[i];
  for (unsigned i = RING; i < POOL; i++) freebufs[nfree++] = rxmem[i];
  nic_rxq_init(&rxq, 0, RING, rxring, rxslot);
  nic_txq_init(&txq, 0, RING, txring, txmem);
  rt_printf("echo: ready\n");
  for (;;) {
    uint32_t len;
    uint8_t *f = nic_rx_poll(&rxq, &len);
    if (!f) { nic_rx_wait(&rxq); continue; }
    uint8_t *o = nic_tx_buf(&txq);
    memcpy(o, f, len);
    swap(o, 0, 6, 6);   /* MAC addresses */
    swap(o, 26, 30, 4); /* IPv4 addresses */
    swap(o, 34, 36, 2); /* UDP ports */
    nic_tx_send(&txq, len);
    freebufs[nfree++] = f;
    nic_rx_refill(&rxq, pool_get, 0);
  }
}
