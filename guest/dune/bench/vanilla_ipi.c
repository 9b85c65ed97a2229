/*
 * The "Vanilla IPI" row of Table 1 as a stand-alone program for the
 * debugger walkthrough (docs/table1.md): the benchmark of posted_ipi.c with
 * the exiting sender (WRMSR to the x2APIC ICR) and the module's posted
 * interrupts off, so both the send and the receive take a VM exit; two
 * rounds per cell after one warm-up round.
 *
 *   npx shinjuku-emu debug guest/dune/bench/vanilla_ipi.c --cores 2
 */
/* shinjuku-emu: link posted_ipi.c */
#include "table1.h"
#include "../vmx.h"

struct table1_conf table1_conf = { TABLE1_MAGIC, 1, 2, 1 };
struct dune_params dune_params = { DUNE_PARAMS_MAGIC, 0 };
