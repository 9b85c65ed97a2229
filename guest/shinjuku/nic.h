/*
 * The guest's driver for the emulator's NIC (an Intel 82599-like device;
 * register map and descriptor formats in docs/architecture.md "The NIC"):
 * polled receive and transmit rings, as DPDK's ixgbe poll-mode driver
 * drives an 82599 for IX and Shinjuku. No interrupts: the networker polls
 * descriptors in memory for DD, and the only MMIO is the tail doorbells.
 */
#ifndef SHINJUKU_NIC_H
#define SHINJUKU_NIC_H

#include <stdint.h>

#define NIC_BAR 0xFE000000ul
#define NIC_RDBAL(n) (0x01000u + 0x40u * (n))
#define NIC_RDBAH(n) (0x01004u + 0x40u * (n))
#define NIC_RDLEN(n) (0x01008u + 0x40u * (n))
#define NIC_RDH(n) (0x01010u + 0x40u * (n))
#define NIC_SRRCTL(n) (0x01014u + 0x40u * (n))
#define NIC_RDT(n) (0x01018u + 0x40u * (n))
#define NIC_RXDCTL(n) (0x01028u + 0x40u * (n))
#define NIC_TDBAL(n) (0x06000u + 0x40u * (n))
#define NIC_TDBAH(n) (0x06004u + 0x40u * (n))
#define NIC_TDLEN(n) (0x06008u + 0x40u * (n))
#define NIC_TDH(n) (0x06010u + 0x40u * (n))
#define NIC_TDT(n) (0x06018u + 0x40u * (n))
#define NIC_TXDCTL(n) (0x06028u + 0x40u * (n))
#define NIC_RETA(i) (0x0EB00u + 4u * (i))
#define NIC_RSSRK(i) (0x0EB80u + 4u * (i))
#define NIC_MRQC 0x0EC80u
#define NIC_QUEUE_ENABLE (1u << 25)
#define NIC_MRQC_RSS 0x1u
#define NIC_MRQC_IPV4 (1u << 17)
#define NIC_MRQC_IPV4_UDP (1u << 22)

#define RXD_STAT_DD 0x1u
#define TXD_CMD_EOP (1u << 24)
#define TXD_CMD_IFCS (1u << 25)
#define TXD_CMD_RS (1u << 27)
#define TXD_CMD_DEXT (1u << 29)
#define TXD_DTYP_DATA (0x3u << 20)
#define TXD_STAT_DD 0x1u

#define NIC_BUF_BYTES 2048

/* Receive descriptor: read format (driver) and write-back format (NIC). */
union rx_desc {
  struct { uint64_t pkt_addr, hdr_addr; } read;
  struct { uint32_t info, rss_hash, status, length; } wb;
};
struct tx_desc { uint64_t addr; uint32_t cmd; uint32_t sta; };

struct nic_rxq {
  volatile union rx_desc *ring;
  void **bufs;        /* the buffer each slot holds */
  uint32_t count;
  uint32_t next;      /* next slot to look at for DD */
  uint32_t fill;      /* next consumed slot to give a fresh buffer */
  uint32_t id;
};

struct nic_txq {
  volatile struct tx_desc *ring;
  uint8_t *bufs;      /* one NIC_BUF_BYTES buffer per slot */
  uint32_t count;
  uint32_t tail;      /* next slot to fill */
  uint32_t clean;     /* oldest slot not yet known done */
  uint32_t id;
};

static inline void nic_write(uint32_t off, uint32_t v) { *(volatile uint32_t *)(NIC_BAR + off) = v; }
static inline uint32_t nic_read(uint32_t off) { return *(volatile uint32_t *)(NIC_BAR + off); }

/* RSS over `queues` receive queues with the verification-suite key. */
void nic_rss_init(unsigned queues);
/* `ring` holds count descriptors (128-byte aligned); `bufs[i]` the buffer of slot i. */
void nic_rxq_init(struct nic_rxq *q, unsigned id, unsigned count, void *ring, void **bufs);
/* `ring` holds count descriptors, `bufs` count * NIC_BUF_BYTES bytes. */
void nic_txq_init(struct nic_txq *q, unsigned id, unsigned count, void *ring, uint8_t *bufs);

/* The next received frame's buffer (and length), or 0. The slot then waits for nic_rx_refill. */
static inline void *nic_rx_poll(struct nic_rxq *q, uint32_t *len) {
  volatile union rx_desc *d = &q->ring[q->next];
  if (!(d->wb.status & RXD_STAT_DD)) return 0;
  *len = d->wb.length & 0xFFFF;
  void *buf = q->bufs[q->next];
  q->next = q->next + 1 == q->count ? 0 : q->next + 1;
  return buf;
}

/* Wait (PAUSE between polls) until the next slot has a frame. The loop
 * makes one load per iteration and keeps everything else in registers, so
 * the emulator's spin detection can put the core to sleep until the NIC's
 * DMA writes the descriptor. */
static inline void nic_rx_wait(const struct nic_rxq *q) {
  volatile uint32_t *status = &q->ring[q->next].wb.status;
  while (!(*status & RXD_STAT_DD)) __asm__ volatile("pause");
}

/* Give consumed slots fresh buffers from `alloc` (which may run dry) and move the tail once. */
void nic_rx_refill(struct nic_rxq *q, void *(*alloc)(void *ctx), void *ctx);

/* The buffer of the next transmit slot, after reclaiming finished slots (spins while the ring is full). */
uint8_t *nic_tx_buf(struct nic_txq *q);
/* Send the frame built in nic_tx_buf's buffer: one descriptor, EOP|RS, and the TDT doorbell. */
void nic_tx_send(struct nic_txq *q, uint32_t len);

#endif
