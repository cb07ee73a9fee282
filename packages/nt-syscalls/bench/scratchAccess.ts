import { type Cpu, createKernel, MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from '../src/index.js'
const policy = (process.env.POLICY ?? 'nt') as 'nt' | 'working-set'
const which = process.env.WHICH ?? 'readUint32'
const PAGES = 8
const kernel = createKernel({ physicalMemory: 16 * 1024 * 1024, pageFile: 16 * 1024 * 1024, replacementPolicy: policy })
const { pid } = kernel.createProcess({ name: 'bench.exe' })
const base = kernel.syscalls(pid).NtAllocateVirtualMemory(-1, 0, 0, PAGES * 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
const cpu: Cpu = kernel.cpu(pid)
for (let page = 0; page < PAGES; page++) cpu.write(base + page * 4096, [1])
const addresses = new Float64Array(1 << 13)
{ let x = 12345
  for (let i = 0; i < addresses.length; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; addresses[i] = base + ((i * 5) % PAGES) * 4096 + ((x >>> 8) & 0xffc) } }
const buffer = new Uint8Array(4)
const word = new Uint8Array([1, 2, 3, 4])
function runReadUint32() { let sum = 0; for (let r = 0; r < 16; r++) for (let i = 0; i < addresses.length; i++) sum += cpu.readUint32(addresses[i]!); return sum }
function runReadInto() { let sum = 0; for (let r = 0; r < 16; r++) for (let i = 0; i < addresses.length; i++) sum += cpu.readInto(addresses[i]!, buffer, 0, 4) + buffer[0]!; return sum }
function runWriteUint32() { let sum = 0; for (let r = 0; r < 16; r++) for (let i = 0; i < addresses.length; i++) sum += cpu.writeUint32(addresses[i]!, i); return sum }
function runRead() { let sum = 0; for (let r = 0; r < 16; r++) for (let i = 0; i < addresses.length; i++) sum += cpu.read(addresses[i]!, 4).data[0]!; return sum }
const fns: Record<string, () => number> = { readUint32: runReadUint32, readInto: runReadInto, writeUint32: runWriteUint32, read: runRead }
const f = fns[which]!
let s = 0
const t0 = process.cpuUsage()
for (let k = 0; k < 200; k++) s += f()
const t = process.cpuUsage(t0)
console.log(which, policy, (((t.user + t.system) * 1000) / (200 * 16 * 8192)).toFixed(2), 'ns/access', s % 7)
