/**
 * The machine: cores, physical memory, the memory system, the decode cache,
 * the device-event queue and the global scheduler (docs/architecture.md
 * "Time and the global scheduler").
 *
 * Scheduling rule: the next thing to happen is the earliest of (a) the device
 * event with the smallest (tick, priority, sequence) and (b) the next
 * instruction of the running core with the smallest (time, id); an event due
 * at the same tick as a core goes first. A core runs a stretch of
 * instructions only while it stays first by that rule, so the interleaving —
 * and with it every cycle count — is a pure function of the inputs.
 */
import { Core, type CoreHost, RunState, CR0_PE, CR0_MP, CR0_NE, CR0_PG, CR4_PAE, CR4_OSFXSR, CR4_OSXMMEXCPT, EFER_LME, EFER_LMA, hex } from '../cpu/core.js';
import { DecodeCache, disassemble } from '../cpu/decoder.js';
import type { Undelivered } from '../cpu/fault.js';
import { PhysicalMemory } from '../memory/physical.js';
import type { MemorySystem } from '../memory/memorySystem.js';
import { CoherentMemorySystem, coherenceConfig } from '../memory/coherence.js';
import { tickCosts, tlbConfig, type TickCosts } from '../profile/load.js';
import type { Profile } from '../profile/schema.js';
import { EventStream, type StopReason } from './events.js';
import { EventQueue } from './scheduler.js';
import type { Tick } from './time.js';
import type { ElfImage } from '../loader/elf.js';
import { RESERVED_BASE, STACKS_BASE, STACK_BYTES, MAX_CORES, RESERVED_END } from '../loader/layout.js';
import { RDI, RSI, RSP, SEG_CS, SEG_DS, SEG_ES, SEG_SS, SEG_FS, SEG_GS } from '../cpu/registers.js';
import { LocalApic } from '../apic/localApic.js';
import { InterruptBus } from '../apic/bus.js';
import { XapicPage } from '../apic/xapicPage.js';
import { IoApic, IOAPIC_BASE } from '../apic/ioApic.js';
import { APIC_BASE_DEFAULT } from '../apic/registers.js';
import { Pit, PIT_HZ } from '../devices/pit.js';
import { SpinDetector } from './spin.js';
import { CoreHeap } from './coreHeap.js';
import { VmxCpu } from '../vmx/vmxCpu.js';
import { ApicAccessWindow } from '../vmx/vapic.js';
import { APIC_ACCESS_WINDOW } from '../vmx/ept.js';
import { Nic, NIC_BAR, NIC_BAR_BYTES, nicTiming, type LineRate } from '../devices/nic.js';

/** Debug console (Bochs port_e9_hack / QEMU -debugcon) and exit device (QEMU isa-debug-exit), as the peers use. */
export const PORT_CONSOLE = 0xe9;
export const PORT_EXIT = 0xf4;

/** Boot structures in the reserved range, mirroring the multiboot loader that boots the same images on QEMU and Bochs. */
export const BOOT = {
  /** `cli; hlt; jmp .-2`: where a core's entry function returns to. */
  haltStub: RESERVED_BASE,
  gdt: RESERVED_BASE + 0x100,
  pml4: RESERVED_BASE + 0x1000,
  pdpt: RESERVED_BASE + 0x2000,
  /** Four page directories of 2 MiB pages: the identity map of 0–4 GiB. */
  pd: RESERVED_BASE + 0x3000,
  /** 64-bit code and data selectors of the boot GDT (same layout as the peers' loader). */
  kernelCs: 0x18,
  kernelDs: 0x10,
};

/** Smallest RAM that holds the reserved boot range; largest that stays below the 3–4 GiB MMIO window. */
export const MIN_MEMORY = RESERVED_END;
export const MAX_MEMORY = 0xc000_0000;

export interface MachineConfig {
  cores: number;
  memoryBytes: number;
  profile: Profile;
  /** Stop when every running core's clock has reached this tick. */
  maxCycles?: number;
  /** Receives each byte the guest writes to the debug console. */
  onConsole?: (byte: number) => void;
  /** Put cores that spin on unchanged memory to sleep (default true); changes no result. */
  spinDetection?: boolean;
  /** A NIC at NIC_BAR (src/devices/nic.ts), with this many queues and this line rate (default 10G). */
  nic?: { rxQueues: number; txQueues: number; lineRate?: LineRate };
  /** Host-speed optimizations to turn off (all default on); none changes any result. */
  opt?: Partial<Optimizations>;
}

/**
 * Host-speed optimizations (docs/architecture.md "Performance"). Each can be
 * turned off to compare: cycles, instruction counts, event streams and
 * output are identical either way (test/optimizations.test.ts).
 */
export interface Optimizations {
  /** Per-core block cache and the shared decode cache's blocks (`DecodeCache.cacheBlocks`). */
  blockCache: boolean;
  /** The data TLB's direct-mapped filter in front of its set-associative arrays. */
  tlbFilter: boolean;
  /** Cores in a (time, id) heap instead of two scans of every core per scheduler slice. */
  coreHeap: boolean;
  /** The cache model's presence bits for the L3s, one-walk L2 victim choice, and L1 hits of loads answered without the directory (`CoherentMemorySystem.fastIndexEnabled`). */
  cacheIndex: boolean;
  /** Fast-forward of register-only loops: counted loops and RDTSC deadline waits (src/cpu/loopForward.ts). */
  loopForward: boolean;
  /** Hot blocks compiled to one JavaScript function each, with the commonest ops written inline (src/cpu/blockCompiler.ts). */
  blockCompile: boolean;
  /** A core past its scheduler limit goes on through register-only ops while no interrupt can reach it (docs/architecture.md "Run-ahead"). */
  runAhead: boolean;
  /** Compiled blocks' MOV loads and stores test for a TLB and L1 hit inline (src/cpu/inlineMemory.ts); needs `cacheIndex`. Off by default (measured: no faster). */
  inlineHits: boolean;
}

/** Every optimization on (what the on/off test compares against all off). */
export const ALL_OPTIMIZATIONS: Optimizations = { blockCache: true, tlbFilter: true, coreHeap: true, cacheIndex: true, loopForward: true, blockCompile: true, runAhead: true, inlineHits: true };

/**
 * The defaults: every optimization but `inlineHits` (each is exact; docs/architecture.md
 * "Performance"). The inline hit test measured no faster on bigsort and about 10 % slower on
 * the server's Bimodal point (paired runs, 2026-12-03): it is there to be turned on and measured.
 */
export const DEFAULT_OPTIMIZATIONS: Optimizations = { ...ALL_OPTIMIZATIONS, inlineHits: false };

export interface StopInfo {
  reason: StopReason;
  /** Guest exit status (reason 'exit'), else null. */
  exitStatus: number | null;
  core: number | null;
  tick: Tick;
  rip: number | null;
  disassembly: string | null;
  detail: string;
  /** A triple fault: the events the core could not deliver, the one the program raised first. */
  undelivered?: readonly Undelivered[];
}

export class Machine implements CoreHost {
  readonly events = new EventStream();
  readonly mem: PhysicalMemory;
  readonly memsys: MemorySystem;
  readonly costs: TickCosts;
  readonly decode: DecodeCache;
  readonly cores: Core[];
  readonly queue = new EventQueue();
  readonly maxCycles: number;
  get coreCount(): number { return this.cores.length; }
  readonly bus: InterruptBus;
  readonly apics: LocalApic[];
  readonly ioapic: IoApic;
  readonly pit: Pit;
  /** The NIC, when the configuration asks for one. */
  readonly nic: Nic | null = null;
  readonly spin: SpinDetector;
  /** Socket of each core (socket-major numbering from the profile's topology). */
  readonly socketOf: (core: number) => number;
  private stopInfo: StopInfo | null = null;
  /** The core inside `run()` right now, if any. */
  private running: Core | null = null;
  private pauseRequested = false;
  /** The last thing that happened, in the global (tick, core id) order: an event (id -1) or an instruction. */
  private positionTick = 0;
  private positionId = -1;
  private readonly onConsole: (byte: number) => void;
  readonly opt: Optimizations;
  /** Some core has been in VMX operation: no run-ahead from then on (its exits and entries are not modelled for it). */
  private vmxSeen = false;
  /** The shortest time an interrupt takes from one core to another (the interrupt bus, src/apic/bus.ts). */
  private readonly lookahead: Tick;
  /** The running cores in (time, id) order, when `opt.coreHeap`. */
  private readonly heap: CoreHeap | null;

  constructor(readonly config: MachineConfig) {
    if (!Number.isInteger(config.cores) || config.cores < 1 || config.cores > MAX_CORES) {
      throw new RangeError(`core count must be 1..${MAX_CORES}, got ${config.cores}`);
    }
    if (config.memoryBytes < MIN_MEMORY || config.memoryBytes > MAX_MEMORY || config.memoryBytes % 4096 !== 0) {
      throw new RangeError(`memory must be a multiple of 4 KiB between ${MIN_MEMORY / 2 ** 20 | 0} MiB (the boot area ends at 0x${RESERVED_END.toString(16)}) and ${MAX_MEMORY / 2 ** 20} MiB, got ${config.memoryBytes} bytes`);
    }
    this.costs = tickCosts(config.profile);
    this.lookahead = Math.min(this.costs.apic.ipiLatency, this.costs.apic.ipiLatencyCrossSocket);
    this.mem = new PhysicalMemory(config.memoryBytes);
    this.memsys = new CoherentMemorySystem(this.costs, coherenceConfig(config.profile, config.cores, config.memoryBytes), (c) => this.cores[c]!.time);
    // Line transfers feed the event stream; the observer runs only on L1 misses and emits only when heard.
    (this.memsys as CoherentMemorySystem).observer = (core, line, kind, source, cost) => {
      if (this.events.wants.line) this.events.emit('line', { core, tick: this.cores[core]!.time, pa: line * 64, kind, source, cost });
    };
    this.decode = new DecodeCache(this.mem, this.costs);
    this.cores = [];
    for (let i = 0; i < config.cores; i++) this.cores.push(new Core(i, this.mem, this.memsys, this.costs, this.decode, this, tlbConfig(config.profile)));
    this.maxCycles = config.maxCycles ?? Infinity;

    // Interrupt hardware: one local APIC per core on one bus, an I/O APIC, and the PIT on its pin 2.
    const perSocket = config.profile.topology.coresPerSocket.value;
    this.socketOf = (core) => Math.floor(core / perSocket);
    const idBits = Math.ceil(Math.log2(Math.max(perSocket, 1)));
    const apicIdOf = (core: number) => this.socketOf(core) * (1 << idBits) + (core % perSocket);
    this.bus = new InterruptBus(this.queue, this.events, {
      sameSocket: this.costs.apic.ipiLatency,
      crossSocket: this.costs.apic.ipiLatencyCrossSocket,
      socketOf: this.socketOf,
    });
    this.apics = this.cores.map((c) => {
      const a = new LocalApic(c.id, apicIdOf(c.id), c, this.bus, this.queue, this.events, { ticksPerTimerCount: this.costs.apic.ticksPerTimerCount }, c.id === 0);
      c.intr = a;
      c.msr.devices.push(a);
      this.bus.apics.push(a);
      return a;
    });
    this.mem.mapMmio(APIC_BASE_DEFAULT, 0x1000, new XapicPage(this.apics, this.costs.apic.xapicMmioAccess));
    // VMX on every logical processor (src/vmx): capability MSRs, VMCS, VM entry/exit, EPT, APIC virtualization.
    for (const c of this.cores) {
      const v = new VmxCpu(c, { mem: this.mem, memsys: this.memsys, costs: this.costs, events: this.events, queue: this.queue, apic: this.apics[c.id]! });
      c.vmx = v;
      c.msr.devices.push(v.msrs);
    }
    this.mem.mapMmio(APIC_ACCESS_WINDOW, 0x1000, new ApicAccessWindow((core) => this.cores[core]?.vmx ?? null));
    this.ioapic = new IoApic(this.bus, (core) => this.cores[core]!.time, this.costs.apic.ioapicMmioAccess);
    this.mem.mapMmio(IOAPIC_BASE, 0x1000, this.ioapic);
    this.pit = new Pit(this.queue, this.ioapic, 2, config.profile.clock.tscHz.value / PIT_HZ);

    this.spin = new SpinDetector(this.cores, this.mem.ramBytes);
    this.spin.enabled = config.spinDetection ?? true;
    for (const c of this.cores) { c.spin = this.spin; c.watchLines = this.spin.watch; }
    this.spin.schedule = (tick, cb) => this.queue.schedule(tick, cb, 0, 'loop sleeper wakes');
    // An L3 eviction that back-invalidates a line a sleeper polls changes what its next poll costs: wake it.
    (this.memsys as CoherentMemorySystem).evictObserver = (accessor, line) => {
      if (this.spin.watch[line] === 0) return;
      if (accessor < 0) this.spin.onDeviceWrite(line, this.positionTick); // a DMA write (device events run at positionTick)
      else this.spin.onWatchedWrite(this.cores[accessor]!, line * 64);
    };
    if (config.nic) {
      const coherent = this.memsys as CoherentMemorySystem;
      const timing = nicTiming(config.profile, config.nic.lineRate);
      const watch = this.spin.watch;
      this.nic = new Nic(this.mem, {
        // DDIO: DMA writes land in the L3 of the NIC's socket (0); pollers of the written lines wake.
        write: (pa, bytes, tick) => {
          coherent.deviceWrite(pa, bytes, 0, timing.ddioWays);
          for (let line = pa >>> 6; line <= (pa + bytes - 1) >>> 6; line++) if (watch[line] !== 0) this.spin.onDeviceWrite(line, tick);
        },
        read: (pa, bytes) => coherent.deviceRead(pa, bytes),
      }, this.queue, this.events, (c) => this.cores[c]!.time, { rxQueues: config.nic.rxQueues, txQueues: config.nic.txQueues, timing });
      this.nic.onError = (msg) => this.stop('fault', null, msg);
      this.mem.mapMmio(NIC_BAR, NIC_BAR_BYTES, this.nic);
    }
    // Someone starts watching every instruction or access (a debugger attaching mid-run): spin
    // sleepers first catch up to the present, so no instruction of theirs is reported out of order.
    this.events.onFirstListener = (kind) => {
      if ((kind === 'retire' || kind === 'mem') && this.spin.sleeping > 0) this.settleSpinners();
    };
    this.onConsole = config.onConsole ?? (() => {});
    this.opt = { ...DEFAULT_OPTIMIZATIONS, ...config.opt };
    this.decode.cacheBlocks = this.opt.blockCache;
    for (const c of this.cores) {
      c.tlb.filterEnabled = this.opt.tlbFilter; c.loopForward = this.opt.loopForward; c.blockCompile = this.opt.blockCompile;
      // The inline L1 hit answers a replayable load as the index's loadHit does: only with the index.
      c.inlineHits = this.opt.inlineHits && this.opt.cacheIndex;
    }
    (this.memsys as CoherentMemorySystem).fastIndexEnabled = this.opt.cacheIndex;
    if (this.opt.coreHeap) {
      const heap = new CoreHeap(this.cores);
      this.heap = heap;
      const update = (id: number) => heap.update(id);
      for (const c of this.cores) c.onStateChange = update;
    } else this.heap = null;
    this.queue.onSchedule = (tick) => { if (this.running !== null) this.running.lowerLimit(tick); };
  }

  // ------------------------------------------------------------------- boot

  /**
   * Load an ELF image and put every core in the state the guest ABI
   * defines (docs/architecture.md, "Guest ABI"): long mode, ring 0,
   * identity-mapped 0–4 GiB with 2 MiB pages (3–4 GiB uncached), IF = 0,
   * RDI = core index, RSI = core count, own 1 MiB stack with RSP ≡ 8 (mod 16)
   * holding a return address into a halt stub, IDTR limit 0.
   */
  boot(image: ElfImage): void {
    for (const s of image.segments) {
      this.mem.load(s.paddr, image.bytes.subarray(s.fileOffset, s.fileOffset + s.fileSize));
      this.mem.u8.fill(0, s.paddr + s.fileSize, s.paddr + s.memSize);
    }
    this.writeBootStructures();
    const n = this.cores.length;
    for (const c of this.cores) {
      c.cr0 = (CR0_PE | CR0_MP | CR0_NE | CR0_PG) >>> 0;
      c.cr3 = BOOT.pml4;
      c.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
      c.efer = EFER_LME | EFER_LMA;
      c.gdtrBase = BOOT.gdt; c.gdtrLimit = 4 * 8 - 1;
      c.idtrBase = 0; c.idtrLimit = 0;
      c.segSel[SEG_CS] = BOOT.kernelCs;
      for (const s of [SEG_DS, SEG_ES, SEG_SS, SEG_FS, SEG_GS]) c.segSel[s] = BOOT.kernelDs;
      c.cpl = 0;
      c.setRflags(0x2);
      const top = STACKS_BASE + (c.id + 1) * STACK_BYTES;
      const rsp = top - 8;
      this.mem.dv.setUint32(rsp, BOOT.haltStub, true);
      this.mem.dv.setUint32(rsp + 4, 0, true);
      c.lo[RSP] = rsp; c.hi[RSP] = 0;
      c.lo[RDI] = c.id; c.lo[RSI] = n;
      c.rip = image.entry;
      c.state = RunState.Running;
      // The peers' loader leaves the boot core's APIC software-enabled (SVR 0x1FF) and the others as INIT left them.
      this.apics[c.id]!.bootState(c.id === 0);
    }
  }

  private writeBootStructures(): void {
    const dv = this.mem.dv;
    // cli; hlt; jmp back to the hlt
    this.mem.load(BOOT.haltStub, Uint8Array.of(0xfa, 0xf4, 0xeb, 0xfd));
    // GDT: null, 0x08 32-bit code, 0x10 data, 0x18 64-bit code (peers loader/entry.S).
    const gdt = [[0, 0], [0x0000ffff, 0x00cf9a00], [0x0000ffff, 0x00cf9200], [0x0000ffff, 0x00af9a00]];
    gdt.forEach(([lo, hi], i) => { dv.setUint32(BOOT.gdt + i * 8, lo!, true); dv.setUint32(BOOT.gdt + i * 8 + 4, hi!, true); });
    const P = 1, RW = 2, PWT = 8, PCD = 16, PS = 0x80;
    dv.setUint32(BOOT.pml4, BOOT.pdpt | P | RW, true);
    for (let i = 0; i < 4; i++) {
      dv.setUint32(BOOT.pdpt + i * 8, (BOOT.pd + i * 0x1000) | P | RW, true);
      for (let j = 0; j < 512; j++) {
        const addr = (i * 512 + j) * 0x200000;
        const uncached = i === 3 ? PCD | PWT : 0; // 3–4 GiB: MMIO (local APIC at 0xFEE00000)
        const e = BOOT.pd + i * 0x1000 + j * 8;
        dv.setUint32(e, (addr | P | RW | PS | uncached) >>> 0, true);
        dv.setUint32(e + 4, 0, true);
      }
    }
  }

  // ----------------------------------------------------------- device side

  ioIn(core: number, port: number, size: number): number {
    // Reading port 0xE9 returns 0xE9 when the console hack is present (Bochs convention).
    if (port === PORT_CONSOLE && size === 1) return 0xe9;
    if (this.pit.handles(port) && size === 1) return this.pit.in(port, this.cores[core]!.time);
    return size === 4 ? -1 : (1 << (size * 8)) - 1; // nothing decodes the port: the bus floats high
  }

  ioOut(core: number, port: number, size: number, value: number): void {
    const ev = this.events;
    if (ev.wants.io) ev.emit('io', { core, tick: this.cores[core]!.time, port, size, value, dir: 'out' });
    if (port === PORT_CONSOLE) this.onConsole(value & 0xff);
    else if (this.pit.handles(port)) this.pit.out(port, value, this.cores[core]!.time);
    else if (port === PORT_EXIT) {
      const status = size === 4 ? value >>> 0 : value & ((1 << (size * 8)) - 1);
      this.finish({ reason: 'exit', exitStatus: status, core, tick: this.cores[core]!.time, rip: null, disassembly: null, detail: `guest wrote ${status} to the exit port 0x${PORT_EXIT.toString(16)}` });
    }
  }

  stop(reason: StopReason, core: Core | null, detail: string, undelivered?: readonly Undelivered[]): void {
    this.finish({
      reason,
      exitStatus: null,
      core: core ? core.id : null,
      tick: core ? core.time : this.now(),
      rip: core ? core.rip : null,
      disassembly: core ? this.disassembleAt(core, core.rip) : null,
      detail,
      ...(undelivered ? { undelivered } : {}),
    });
  }

  private finish(info: StopInfo): void {
    if (this.stopInfo !== null) return;
    // Sleeping spinners first run up to the stopping instruction, as they would have without detection.
    if (this.spin.sleeping > 0 && info.core !== null) {
      const c = this.cores[info.core]!;
      const running = this.running;
      this.spin.catchUp(c.opStart, c.id);
      this.running = running;
    }
    // Cores that ran ahead of the stopping instruction (register-only ops) go back to it. Not at
    // the cycle limit: there the plain order runs every running core up to the limit, and every
    // op run ahead started before it (the run-ahead bound includes the limit).
    if (info.core !== null) { const c = this.cores[info.core]!; this.rewindAhead(c.opStart, c.id); } else if (info.reason !== 'max-cycles') this.rewindAhead(this.positionTick, this.positionId);
    this.stopInfo = info;
    for (const c of this.cores) c.yieldNow();
    if (this.events.wants.stop) this.events.emit('stop', { tick: info.tick, reason: info.reason, detail: info.detail });
  }

  get stopped(): StopInfo | null { return this.stopInfo; }

  /** Every core that ran ahead of the instruction (tick, id) goes back to it (`Core.rewindAhead`). */
  private rewindAhead(tick: Tick, id: number): void {
    if (!this.opt.runAhead) return;
    for (const c of this.cores) {
      if (c.id === id) continue;
      c.rewindAhead(tick, id);
      this.heap?.update(c.id); // its clock went back
    }
  }

  /**
   * Bring spin sleepers up to the machine's position: every instruction of
   * theirs ordered before the last thing the machine did (the last device
   * event, or the last instruction of the core that ran last) has run.
   */
  settleSpinners(): void {
    const running = this.running;
    this.spin.catchUp(this.positionTick, this.positionId);
    this.running = running;
  }

  /** The earliest clock among running cores (or the latest core clock if none run). */
  now(): Tick {
    let t = Infinity, any = -Infinity;
    for (const c of this.cores) { any = Math.max(any, c.time); if (c.state === RunState.Running || c.state === RunState.Spinning) t = Math.min(t, c.time); }
    return t === Infinity ? any : t;
  }

  /** Disassemble the instruction at linear `rip` as `core` sees memory; never throws. */
  disassembleAt(core: Core, rip: number): string {
    try {
      const bytes = new Uint8Array(15);
      for (let i = 0; i < 15; i++) {
        const pa = core.translateFetch(rip + i);
        if (pa >= this.mem.ramBytes) return i === 0 ? '(not in RAM)' : disassemble(bytes.subarray(0, i), rip).text;
        bytes[i] = this.mem.u8[pa]!;
      }
      return disassemble(bytes, rip).text;
    } catch {
      return '(unmapped)';
    }
  }

  // -------------------------------------------------------------- scheduler

  /** Run until the guest exits, every core stops, a fault ends the run, or maxCycles. */
  run(): StopInfo {
    const info = this.runUntilPause();
    return info!;
  }

  /**
   * Ask a running machine to return from `runUntilPause` at the next
   * instruction boundary (debugger breakpoints, stepping). Safe to call from
   * any event listener; the machine can be resumed by calling it again.
   */
  requestPause(): void {
    this.pauseRequested = true;
    if (this.running !== null) this.running.yieldNow();
  }

  /** Run until the machine stops (returns its StopInfo) or a pause is requested (returns null). */
  runUntilPause(): StopInfo | null {
    const cores = this.cores;
    const n = cores.length;
    this.pauseRequested = false;
    while (this.stopInfo === null) {
      if (this.pauseRequested) { this.pauseRequested = false; this.rewindAhead(this.positionTick, this.positionId); return null; }
      let best = -1;
      let bestT = Infinity;
      // The next core: the smallest (time, id) among running cores, and the bound it runs to.
      const heap = this.heap;
      let second = -1;
      if (heap !== null) {
        best = heap.top();
        if (best >= 0) { bestT = cores[best]!.time; second = heap.second(); }
      } else {
        for (let i = 0; i < n; i++) {
          const c = cores[i]!;
          if (c.state === RunState.Running && c.time < bestT) { best = i; bestT = c.time; }
        }
      }
      const evT = this.queue.peekTick();
      if (best < 0) {
        if (evT === Infinity && this.spin.sleeping > 0) {
          // Only sleepers are left and nothing will ever write their lines.
          if (this.maxCycles !== Infinity) { this.spin.wakeAllAt(this.maxCycles); continue; }
          this.finish({ reason: 'deadlock', exitStatus: null, core: null, tick: this.now(), rip: null, disassembly: null, detail: 'every core that is not halted spins on memory that no core or device will write, and no interrupt is pending' });
          break;
        }
        if (evT === Infinity) {
          this.finish({ reason: 'all-halted', exitStatus: null, core: null, tick: this.now(), rip: null, disassembly: null, detail: 'every core has halted and no event is pending' });
          break;
        }
        if (evT >= this.maxCycles) { this.stopAtLimit(); continue; }
        this.positionTick = evT; this.positionId = -1;
        this.queue.runNext();
        continue;
      }
      if (evT <= bestT) { this.positionTick = evT; this.positionId = -1; this.queue.runNext(); continue; }
      if (bestT >= this.maxCycles) { this.stopAtLimit(); continue; }
      let lt = Math.min(evT, this.maxCycles);
      let le = Infinity;
      let others = Infinity;
      if (heap !== null) {
        // Only the next core in (time, id) order can bound this one: any other comes after it.
        if (second >= 0) {
          const t2 = cores[second]!.time;
          others = t2;
          if (second < best) lt = Math.min(lt, t2); else le = t2;
        }
      } else {
        for (let j = 0; j < n; j++) {
          const o = cores[j]!;
          if (j === best || o.state !== RunState.Running) continue;
          others = Math.min(others, o.time);
          if (j < best) lt = Math.min(lt, o.time);
          else le = Math.min(le, o.time);
        }
      }
      const c = cores[best]!;
      if (c.vmx !== null && c.vmx.inVmx) this.vmxSeen = true;
      this.running = c;
      if (this.opt.runAhead && !this.vmxSeen && !this.events.wants.retire && !this.events.wants.mem) {
        // Run-ahead bound: the next device event, the cycle limit, and the earliest tick at which
        // another core's action could reach this one — every cross-core interrupt crosses the
        // interrupt bus, at least `lookahead` after an instruction that starts no earlier than the
        // other cores' clocks (a woken spin sleeper acts only after the store that woke it).
        c.aheadLimit = Math.min(evT, this.maxCycles, others + this.lookahead);
      }
      c.run(lt, le);
      c.aheadLimit = -Infinity;
      this.running = null;
      this.positionTick = c.opStart; this.positionId = c.id; // every executor records each op's start
    }
    return this.stopInfo;
  }

  private stopAtLimit(): void {
    if (this.spin.sleeping > 0) {
      // Sleepers run on to the limit like every other core; the loop calls us again.
      this.spin.wakeAllAt(this.maxCycles);
      return;
    }
    this.finish({ reason: 'max-cycles', exitStatus: null, core: null, tick: this.now(), rip: null, disassembly: null, detail: `stopped at the cycle limit (${this.maxCycles}): the guest did not finish` });
  }
}

export { hex };
