/* See nic.h. */
#include "nic.h"

static const uint8_t rss_key[40] = {
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
  0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
  0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

void nic_rss_init(unsigned queues) {
  for (unsigned i = 0; i < 40; i += 4)
    nic_write(NIC_RSSRK(i / 4), rss_key[i] | rss_key[i + 1] << 8 | rss_key[i + 2] << 16 | (uint32_t)rss_key[i + 3] << 24);
  for (unsigned i = 0; i < 128; i += 4)
    nic_write(NIC_RETA(i / 4), (i % queues) | ((i + 1) % queues) << 8 | ((i + 2) % queues) << 16 | ((i + 3) % queues) << 24);
  nic_write(NIC_MRQC, NIC_MRQC_RSS | NIC_MRQC_IPV4 | NIC_MRQC_IPV4_UDP);
}

void nic_rxq_init(struct nic_rxq *q, unsigned id, unsigned count, void *ring, void **bufs) {
  q->ring = ring;
  q->bufs = bufs;
  q->count = count;
  q->next = 0;
  q->fill = 0;
  q->id = id;
  for (unsigned i = 0; i < count; i++) {
    q->ring[i].read.pkt_addr = (uint64_t)(uintptr_t)bufs[i];
    q->ring[i].read.hdr_addr = 0;
  }
  uint64_t base = (uint64_t)(uintptr_t)ring;
  nic_write(NIC_RDBAL(id), (uint32_t)base);
  nic_write(NIC_RDBAH(id), (uint32_t)(base >> 32));
  nic_write(NIC_RDLEN(id), count * 16);
  nic_write(NIC_SRRCTL(id), NIC_BUF_BYTES / 1024);
  nic_write(NIC_RDH(id), 0);
  nic_write(NIC_RXDCTL(id), NIC_QUEUE_ENABLE);
  /* count - 1 descriptors for the NIC: the slot at RDT stays filled but held, so full and empty differ. */
  nic_write(NIC_RDT(id), count - 1);
}

void nic_rx_refill(struct nic_rxq *q, void *(*alloc)(void *ctx), void *ctx) {
  uint32_t last = q->count;
  while (q->fill != q->next) {
    void *b = alloc(ctx);
    if (!b) break;
    q->bufs[q->fill] = b;
    q->ring[q->fill].read.pkt_addr = (uint64_t)(uintptr_t)b;
    q->ring[q->fill].read.hdr_addr = 0;
    last = q->fill;
    q->fill = q->fill + 1 == q->count ? 0 : q->fill + 1;
  }
  /* Refilling slot j releases the slot held at the old tail: the new tail is j. */
  if (last != q->count) nic_write(NIC_RDT(q->id), last);
}

void nic_txq_init(struct nic_txq *q, unsigned id, unsigned count, void *ring, uint8_t *bufs) {
  q->ring = ring;
  q->bufs = bufs;
  q->count = count;
  q->tail = 0;
  q->clean = 0;
  q->id = id;
  for (unsigned i = 0; i < count; i++) { q->ring[i].addr = 0; q->ring[i].cmd = 0; q->ring[i].sta = TXD_STAT_DD; }
  uint64_t base = (uint64_t)(uintptr_t)ring;
  nic_write(NIC_TDBAL(id), (uint32_t)base);
  nic_write(NIC_TDBAH(id), (uint32_t)(base >> 32));
  nic_write(NIC_TDLEN(id), count * 16);
  nic_write(NIC_TDH(id), 0);
  nic_write(NIC_TXDCTL(id), NIC_QUEUE_ENABLE);
}

uint8_t *nic_tx_buf(struct nic_txq *q) {
  uint32_t next = q->tail + 1 == q->count ? 0 : q->tail + 1;
  /* Reclaim: slots the NIC wrote back with DD are free again (eth_process_reclaim in IX). */
  while (next == q->clean) {
    if (q->ring[q->clean].sta & TXD_STAT_DD) q->clean = q->clean + 1 == q->count ? 0 : q->clean + 1;
    else __asm__ volatile("pause" ::: "memory");
  }
  return q->bufs + (uint64_t)q->tail * NIC_BUF_BYTES;
}

void nic_tx_send(struct nic_txq *q, uint32_t len) {
  volatile struct tx_desc *d = &q->ring[q->tail];
  d->addr = (uint64_t)(uintptr_t)(q->bufs + (uint64_t)q->tail * NIC_BUF_BYTES);
  d->sta = 0;
  d->cmd = len | TXD_DTYP_DATA | TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS | TXD_CMD_DEXT;
  q->tail = q->tail + 1 == q->count ? 0 : q->tail + 1;
  nic_write(NIC_TDT(q->id), q->tail);
}
