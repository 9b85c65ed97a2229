/* The fixed-width integer types: gcc's own definitions (what it uses when freestanding). */
#ifndef _STDINT_H
#define _STDINT_H
#include <stdint-gcc.h>
#endif
