// The JSON shapes the explorer's local server answers (`ntmm serve`), shared by the server and the
// web page (apps/demo/web imports these types only). Numbers are plain numbers, addresses decimal,
// as the command line's `--json` prints them; the views reuse the CLI's own view functions, so the
// page and `ntmm inspect --json` agree at every seq.

/** One event of the trace as the event list shows it. */
export interface EventRow {
  readonly seq: number
  readonly type: string
  readonly cause: number | null
  /** The plain-language line of the event (describeEvent.ts, shared with the CLI). */
  readonly text: string
  readonly pid: number | null
}

/** `GET /api/meta`: what is loaded. */
export interface ExplorerMeta {
  /** The trace file, scenario or upload it came from. */
  readonly source: string
  /** Number of events; seqs run 0..length-1 (-1: before the first). */
  readonly length: number
  readonly arch: string
  readonly physicalMemory: number
  readonly pageFile: number
  readonly replacementPolicy: string
  /** Every process that ever existed in the trace. */
  readonly processes: readonly { readonly pid: number; readonly name: string }[]
  /** Events per type over the whole trace. */
  readonly countByType: Readonly<Record<string, number>>
}

/** One MEMORY_BASIC_INFORMATION run (NtQueryVirtualMemory's answer). */
export interface RegionInfo {
  readonly baseAddress: number
  readonly allocationBase: number
  readonly allocationProtect: number
  readonly regionSize: number
  readonly state: number
  readonly protect: number
  readonly type: number
}

/** A MEMORY_AREA with its MM_REGION list (the `regions` view). */
export interface AreaInfo {
  readonly startingAddress: number
  readonly endingAddress: number
  readonly type: string
  readonly regions: readonly {
    readonly start: number
    readonly length: number
    readonly type: number
    readonly protect: number
  }[]
  /** A section view's segment (SECTION_VIEW areas only). */
  readonly view?: {
    readonly segmentId: number
    readonly kind: string
    /** The file of a data or image segment, -1 for a pagefile one. */
    readonly fileId: number
    readonly offsetPages: number
  }
}

/** A node of the MEMORY_AREA AVL tree. */
export interface AreaTreeNode {
  readonly startingAddress: number
  readonly endingAddress: number
  readonly type: string
  readonly protect: number
  readonly committedPages: number
  readonly height: number
  /** height(left) − height(right): −1, 0 or +1 in a balanced tree. */
  readonly balance: number
  readonly left: AreaTreeNode | null
  readonly right: AreaTreeNode | null
}

/** A valid data-TLB entry (hw-mmu's TlbEntryView). */
export interface TlbEntryInfo {
  readonly set: number
  readonly way: number
  readonly virtualAddress: number
  readonly physicalAddress: number
  readonly writable: boolean
  readonly user: boolean
  readonly executable: boolean
  readonly dirty: boolean
  readonly global: boolean
  readonly age: number
  /** The PTE changed since the fill without an INVLPG: the entry translates to the old frame. */
  readonly stale: boolean
}

/** What the data TLB did for the access the current event belongs to (or the last one before it). */
export interface TlbActivity {
  /** The `nt.cpuAccess` input, or null when no access happened yet. */
  readonly access: { readonly seq: number; readonly pid: number; readonly address: number } | null
  readonly hits: readonly { readonly seq: number; readonly set: number; readonly way: number }[]
  readonly misses: readonly { readonly seq: number }[]
  readonly fills: readonly { readonly seq: number; readonly set: number; readonly way: number }[]
}

/** The PFN database as a compact grid: one state letter and one owner per frame. */
export interface FrameGrid {
  readonly count: number
  /**
   * One letter per frame: F free, Z zeroed, S standby, M modified, A active (a process page),
   * P page table, Y system.
   */
  readonly states: string
  /** The owning pid of each frame, -1 for none, run-length encoded: `[owner, count, owner, count, …]`. */
  readonly owners: readonly number[]
  readonly lists: Readonly<Record<string, number>>
  /** The first PFNs of each list in list order (free, zeroed, standby, modified), at most 64 each. */
  readonly listHeads: Readonly<Record<string, readonly number[]>>
  /**
   * The frames holding a section's page (present once the machine has sections): their segment,
   * byte offset in it, share count and the process PTEs mapping them. Their owner above is -1.
   */
  readonly shared?: readonly SharedFrameInfo[]
}

/** A frame backing a section page, and who maps it. */
export interface SharedFrameInfo {
  readonly pfn: number
  readonly segmentId: number
  readonly offset: number
  readonly shareCount: number
  readonly mappedBy: readonly { readonly pid: number; readonly address: number }[]
}

/** One handle-table entry (the `handles` view). */
export interface HandleInfo {
  readonly handle: number
  readonly objectId: number
  readonly type: string
  readonly target: { readonly pid?: number; readonly name?: string } | null
  readonly grantedAccess: number
}

/** `GET /api/state?seq&pid`: every view of the machine right after event `seq`. */
export interface ExplorerState {
  readonly seq: number
  readonly event: EventRow | null
  /** The processes alive at `seq` that have an address space (one being created has none yet). */
  readonly processes: readonly { readonly pid: number; readonly name: string }[]
  /** The process the per-process views show (the one asked for if alive, else the first), or null. */
  readonly pid: number | null
  readonly regions: readonly RegionInfo[]
  readonly areas: readonly AreaInfo[]
  readonly tree: { readonly size: number; readonly height: number; readonly root: AreaTreeNode | null }
  readonly tlb: {
    readonly sets: number
    readonly ways: number
    readonly cr3: number
    readonly entries: readonly TlbEntryInfo[]
    readonly statistics: { readonly lookups: number; readonly hits: number; readonly misses: number }
    readonly activity: TlbActivity
  }
  readonly frames: FrameGrid
  readonly handles: readonly HandleInfo[]
  readonly stats: { readonly mm: Readonly<Record<string, number>> }
  /** The process and virtual address the current event is about (the views follow them). */
  readonly focus: EventFocus
  /** What the current event touched, for every panel to highlight. */
  readonly changes: EventChanges
}

/** The process and virtual address an event is about: its own, else the memory access it belongs to. */
export interface EventFocus {
  readonly pid: number | null
  readonly address: number | null
}

/** What one event touched. */
export interface EventChanges {
  readonly pfns: readonly number[]
  /** Data-TLB cells. */
  readonly tlb: readonly { readonly set: number; readonly way: number }[]
  /** MEMORY_AREAs, by starting address. */
  readonly areas: readonly number[]
  readonly regions: readonly { readonly start: number; readonly length: number }[]
  readonly handles: readonly number[]
  /** Physical addresses of page-table entries written. */
  readonly entries: readonly number[]
}

/** One side of a step's before/after. */
export interface StepSide {
  readonly pte: {
    readonly entryAddress: number
    readonly low: number
    readonly high: number
    readonly present: boolean
    /** The PTE in words (valid, transition, page file, demand-zero…). */
    readonly reading: string
    readonly mode: string
  } | null
  /** The data-TLB set the address maps to, and its valid entries. */
  readonly set: number
  readonly tlbSet: readonly {
    readonly way: number
    readonly virtualAddress: number
    readonly physicalAddress: number
  }[]
  /** The PFN database entry of the frame the PTE names (valid or transition), or null. */
  readonly frame: {
    readonly pfn: number
    readonly state: string
    readonly ownerPid: number
    readonly ownerAddress: number
    readonly pageFileSlot: number
    readonly modified: boolean
  } | null
}

/** `GET /api/step?seq`: the machine right before and right after event `seq`, at its address. */
export interface ExplorerStep {
  readonly seq: number
  readonly focus: EventFocus
  readonly before: StepSide | null
  readonly after: StepSide | null
}

/** A page that lost its place during an access (ExplorerOutcome.victims). */
export interface ExplorerVictim {
  /** The owning process (a section page's frame: its owner field, -1 for none). */
  readonly pid: number
  /** The page's virtual address (a page table: the first address it maps; a section page: its offset in the segment). */
  readonly address: number
  /** The frame it had. */
  readonly pfn: number
  /**
   * 'paged out': a textbook policy's victim (mm.pageOut); 'trimmed' / 'page table trimmed': it left
   * its working set ('nt'), its frame kept on standby or modified; 'repurposed': its standby or
   * modified frame was given to the access, so the page itself left memory.
   */
  readonly how: 'paged out' | 'trimmed' | 'page table trimmed' | 'repurposed'
  /** Why it was trimmed ('nt': local replacement, working-set manager, low memory, …). */
  readonly reason?: string
  /** Repurposed: the list its frame was taken from (standby; modified under the textbook policies' writer). */
  readonly from?: 'standby' | 'modified'
  /** Where it went: modified, standby, dropped, shared, deleted, or the page file (repurposed). */
  readonly to: string
  /** A section page's segment (repurposed frames of a segment). */
  readonly segment?: number
}

/** `GET /api/outcome?seq`: the next memory access after `seq` and what it did (predict mode). */
export interface ExplorerOutcome {
  readonly access: {
    readonly seq: number
    readonly pid: number
    readonly address: number
    readonly text: string
  } | null
  /** It trapped (hw.pageFault). */
  readonly fault: boolean
  /** How the memory manager resolved it (mm.pageFault's kind), null without a fault. */
  readonly kind: string | null
  /** The frame the page got (a new mapping, a page-in or a reclaim), or null. */
  readonly frame: number | null
  /**
   * The pages that lost their place, in event order: the replacement policy's victims (mm.pageOut),
   * under 'nt' the pages trimmed from a working set (mm.workingSetTrimmed, mm.pageTableTrimmed) and
   * the standby or modified pages whose frame was repurposed for the access.
   */
  readonly victims: readonly ExplorerVictim[]
  /** The last event of the access: where the reveal moves the timeline. */
  readonly end: number
}

/** `GET /api/sweep`: the replacement policies compared on the loaded trace's memory accesses. */
export interface ExplorerSweep {
  readonly status: 'idle' | 'running' | 'done' | 'error'
  /** Memory accesses replayed under each policy. */
  readonly accesses: number
  /** One per policy, as `ntmm sweep` prints them (sweepJob.ts's SweepResult). */
  readonly results: readonly {
    readonly label: string
    readonly references: number
    readonly tlbHits: number
    readonly tlbMisses: number
    readonly tlbHitRate: number
    readonly pageFaults: number
    readonly hardFaults: number
    readonly softFaults: number
    readonly pagesWritten: number
    readonly corruptPages: number
  }[]
  readonly error?: string
}

/** One index field of a virtual address. */
export interface AddressPart {
  /** `PML4`, `PDPT`, `PD`, `PT` or `offset`. */
  readonly name: string
  /** Bit range, high and low inclusive (`[21, 12]`). */
  readonly bits: readonly [number, number]
  readonly value: number
}

/** A not-present entry as the memory manager reads it. */
export interface SoftwareEntry {
  /** `zero` (never touched), `demand-zero`, `page-file`, `transition` or `prototype`. */
  readonly kind: 'zero' | 'demand-zero' | 'page-file' | 'transition' | 'prototype'
  /** The 5-bit protection (bits 5-9) and its names. */
  readonly protection: number
  readonly protectionName: string
  readonly win32Protection: string
  /** Bit 11 (T), bit 10 (prototype), bits 1-4 (which paging file). */
  readonly transition: boolean
  readonly prototype: boolean
  readonly pageFileLow: number
  /** Bits 12-31: the page-file slot + 1, or the frame of a transition PTE. */
  readonly high: number
  /** The frame of a transition PTE. */
  readonly pfn?: number
  /** The slot of a page-file PTE. */
  readonly slot?: number
  /** One line in words. */
  readonly meaning: string
}

/** One level of a page walk with every bit of its entry decoded. */
export interface WalkLevel {
  readonly name: string
  readonly entryAddress: number
  readonly low: number
  readonly high: number
  readonly present: boolean
  readonly pfn: number
  /** The bits that are set (as `ntmm inspect pte --json` lists them). */
  readonly bits: readonly string[]
  /** Every decoded field of the entry (hw-mmu's reading, meaningful when present). */
  readonly decoded: Readonly<Record<string, boolean | number | string>>
  /** The hardware bits that are set, only when P=1 (a not-present entry's bits are software's). */
  readonly hardwareBits: readonly string[]
  /** The software reading of a not-present entry (P=0), else null. */
  readonly software: SoftwareEntry | null
  /** The entry's address as the MMU computes it: `tableBase + index × entrySize`. */
  readonly tableBase: number
  readonly index: number
  readonly entrySize: number
}

/** `GET /api/walk?seq&pid&va`: the page walk for one address (the `pte` view). */
export interface ExplorerWalk {
  readonly seq: number
  readonly pid: number
  readonly address: number
  readonly cr3: number
  /** The paging mode, and the address split into its table indices and page offset. */
  readonly mode: string
  readonly parts: readonly AddressPart[]
  readonly levels: readonly WalkLevel[]
  readonly leaf: ({ readonly kind: string } & Readonly<Record<string, unknown>>) | null
  readonly physicalAddress: number | null
  readonly tlb: readonly {
    readonly set: number
    readonly way: number
    readonly translatedAddress: number
    readonly stale: boolean
  }[]
}

/** `GET /api/events?seq&before&after&types&pid&address`: matching events around `seq`. */
export interface ExplorerEvents {
  readonly events: readonly EventRow[]
  /** True when more matches exist before the first / after the last returned. */
  readonly moreBefore: boolean
  readonly moreAfter: boolean
}

/** `GET /api/why?seq`: the causal chain of an event and its direct effects. */
export interface ExplorerWhy {
  readonly seq: number
  readonly chain: readonly EventRow[]
  readonly syscall: { readonly seq: number; readonly pid: number; readonly service: string } | null
  readonly effects: readonly EventRow[]
  readonly effectCount: number
}

/** `GET /api/series`: counters sampled over the trace, for the charts. */
export interface ExplorerSeries {
  readonly seqs: readonly number[]
  readonly demandZeroFaults: readonly number[]
  readonly hardFaults: readonly number[]
  readonly softFaults: readonly number[]
  readonly guardPageFaults: readonly number[]
  readonly accessViolations: readonly number[]
  /** Data-TLB hit rate (0..1) over the lookups since the previous sample; null when there were none. */
  readonly tlbHitRate: readonly (number | null)[]
  readonly commitCharge: readonly number[]
  readonly workingSetPages: readonly number[]
}

/** `GET /api/density`: how many page faults and system calls fall in each of `bins` equal slices of the trace. */
export interface ExplorerDensity {
  readonly bins: number
  readonly faults: readonly number[]
  readonly syscalls: readonly number[]
}

/** `GET /api/find?seq&direction&types…`: the next (or previous) matching event. */
export interface ExplorerFind {
  readonly seq: number | null
}

/** Any error answer. */
export interface ExplorerError {
  readonly error: string
}

/** A frame list or in-use state as the PFN database names it (NT's MMLISTS plus the in-use kinds). */
export type FrameListName = 'ZEROED' | 'FREE' | 'STANDBY' | 'MODIFIED' | 'ACTIVE' | 'PAGE_TABLE' | 'SYSTEM'

/** What `ntmm inspect <trace> lists --json` reports (apps/demo/src/views/listsView.ts). */
export interface PfnListsInfo {
  readonly policy: string
  readonly frameCount: number
  readonly tick: number
  /** SYSTEM_MEMORY_LIST_INFORMATION. */
  readonly memoryListInformation: {
    readonly zeroPageCount: number
    readonly freePageCount: number
    readonly modifiedPageCount: number
    readonly modifiedNoWritePageCount: number
    readonly badPageCount: number
    readonly pageCountByPriority: readonly number[]
    readonly repurposedPagesByPriority: readonly number[]
    readonly modifiedPageCountPageFile: number
  }
  /** SYSTEM_PERFORMANCE_INFORMATION's paging counters. */
  readonly systemPerformanceInformation: {
    readonly availablePages: number
    readonly committedPages: number
    readonly commitLimit: number
    readonly peakCommitment: number
    readonly pageFaultCount: number
    readonly copyOnWriteCount: number
    readonly transitionCount: number
    readonly demandZeroCount: number
    readonly pageReadCount: number
    readonly pageReadIoCount: number
    readonly dirtyPagesWriteCount: number
    readonly dirtyWriteIoCount: number
    readonly mappedPagesWriteCount: number
    readonly mappedWriteIoCount: number
    readonly balanceSetTicks: number
  }
  readonly standbyPageCount: number
  readonly inUse: {
    readonly active: readonly { readonly pid: number; readonly name: string; readonly pages: number }[]
    readonly sectionPages: number
    readonly pageTables: number
    readonly system: number
  }
  readonly notAvailable: readonly string[]
}

/** One frame moved between lists by one event. */
export interface ListMove {
  readonly seq: number
  readonly type: string
  readonly pfn: number
  /** The process whose page it was or becomes (-1: none). */
  readonly pid: number
  readonly from: FrameListName
  readonly to: FrameListName
  /** Why, in words: trimmed (and the trim's reason), written, soft fault, repurposed, zeroed, ... */
  readonly label: string
}

/** `GET /api/lists?seq`: the PFN lists right after `seq` and the moves of the step `seq` belongs to. */
export interface ExplorerLists {
  readonly seq: number
  /** The `lists` view's report (`ntmm inspect <trace> lists --at <seq> --json`). */
  readonly report: PfnListsInfo
  /** The step: its input (the access, system call or tick every other event of it was caused by) and its last event. */
  readonly step: { readonly input: number; readonly last: number; readonly truncated: boolean } | null
  /** Every move of the step, in order (at most 500); those after `seq` are still to come. */
  readonly moves: readonly ListMove[]
  /** The step's moves counted by from, to and label. */
  readonly summary: readonly {
    readonly from: FrameListName
    readonly to: FrameListName
    readonly label: string
    readonly pages: number
  }[]
}

/** `GET /api/workingsets`: each process's working set and the lists over the trace, sampled at its balance-set ticks. */
export interface ExplorerWorkingSets {
  readonly policy: string
  /** 'ticks': right after each mm.balanceSetTick (the working-set manager's passes), evenly thinned to at most 240; 'seqs': evenly spaced seqs (no ticks in the trace). */
  readonly sampledAt: 'ticks' | 'seqs'
  readonly seqs: readonly number[]
  /** The balance-set tick in force at each sample (0 before the first). */
  readonly ticks: readonly number[]
  readonly processes: readonly {
    readonly pid: number
    readonly name: string
    /** Working-set size in pages at each sample; null where the process has no address space. */
    readonly pages: readonly (number | null)[]
  }[]
  /** Pages on the lists at each sample. */
  readonly lists: {
    readonly available: readonly number[]
    readonly standby: readonly number[]
    readonly modified: readonly number[]
  }
}
