#!/usr/bin/env bash
# run-peers.sh [PROGRAM...] -- build the guest/apic programs and boot each on Bochs and on
# QEMU through ../shared/peers; prints both consoles and the diff of their non-"cycles:"
# lines. This is how the expected texts in test/apic.test.ts were made (Bochs 2.7, QEMU 7.2).
# Default: every program, each on the core count its test uses.
# Env: PEERS (default ../shared/peers next to the repo); PEERS_OUT (the peers' build output,
#      default ${TMPDIR:-/tmp}/shinjuku-peers-out, so nothing is written into shared/);
#      NOQEMU=1 skips QEMU. Needs the peers' packages (../shared/peers/install-deps.sh).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
peers=${PEERS:-$root/../shared/peers}
export PEERS_OUT=${PEERS_OUT:-${TMPDIR:-/tmp}/shinjuku-peers-out}
mkdir -p "$PEERS_OUT"
declare -A cores=([ipi_xapic]=2 [ipi_x2apic]=2 [apic_semantics]=3 [ioapic_pit]=1 [syscall_ring3]=1)
progs=("$@"); (( ${#progs[@]} )) || progs=(ipi_xapic ipi_x2apic apic_semantics ioapic_pit syscall_ring3)

# Debian's Bochs 2.7 aborts ("buffer overflow detected", in its sound mixer thread) when
# ALSA has no usable default device, as on a headless machine: point ALSA at a null device.
if [[ -z ${ALSA_CONFIG_PATH:-} ]]; then
  printf 'pcm.!default { type null }\nctl.!default { type hw card 0 }\n' > "$PEERS_OUT/asound-null.conf"
  export ALSA_CONFIG_PATH=$PEERS_OUT/asound-null.conf
fi

# The same build as test/apic.test.ts (the headers' hash is part of the cache key).
build() {
  (cd "$root" && npx --no-install tsx -e "(async () => {
    const { createHash } = await import('node:crypto');
    const fs = await import('node:fs');
    const { buildGuestImage } = await import('./src/guest/build.ts');
    const h = createHash('sha256');
    for (const f of fs.readdirSync('guest/apic').filter((f) => f.endsWith('.h')).sort()) {
      h.update(f); h.update(fs.readFileSync('guest/apic/' + f));
    }
    console.log(buildGuestImage({ name: '$1', sources: ['guest/apic/$1.c', 'guest/apic/idt.c'],
      cflags: ['-DAPIC_HEADERS_SHA=' + h.digest('hex').slice(0, 16)] }));
  })()" 2>/dev/null | tail -1)
}

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for p in "${progs[@]}"; do
  n=${cores[$p]:-}; [[ -n $n ]] || { echo "unknown program $p" >&2; exit 2; }
  elf=$(build "$p"); [[ -f $elf ]] || { echo "build of $p failed" >&2; exit 1; }
  "$peers/run-bochs.sh" "$elf" "$n" > "$tmp/bochs" 2> "$tmp/bochs.err"; brc=$?
  echo "===== $p on $n core(s): Bochs, status $brc"; cat "$tmp/bochs"; grep -v '^$' "$tmp/bochs.err" | tail -3
  [[ ${NOQEMU:-0} == 1 ]] && continue
  "$peers/run-qemu.sh" "$elf" "$n" > "$tmp/qemu" 2> "$tmp/qemu.err"; qrc=$?
  echo "===== $p on $n core(s): QEMU, status $qrc"; cat "$tmp/qemu"; grep -v '^$' "$tmp/qemu.err" | tail -3
  echo "===== $p: Bochs vs QEMU, non-cycles lines"
  if diff <(grep -v '^cycles:' "$tmp/bochs") <(grep -v '^cycles:' "$tmp/qemu"); then echo "identical"; fi
done
