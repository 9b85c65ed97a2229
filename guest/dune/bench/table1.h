/* The Table 1 benchmark's configuration (guest/dune/bench/posted_ipi.c; src/bench/table1.ts writes it). */
#ifndef TABLE1_H
#define TABLE1_H
#include <stdint.h>

#define TABLE1_MAGIC 0x31425454u /* "TTB1" */

struct table1_conf {
  uint32_t magic;
  uint32_t sender_exit; /* 1: the WRMSR-ICR sender (exits); 0: the posted sender */
  uint32_t iterations;
  uint32_t warmup;
};
extern struct table1_conf table1_conf;

#endif
