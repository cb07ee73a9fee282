// The `handles` view, as WinDbg's `!handle`: a process's handle table — each handle value, the
// object it refers to (type, and for a process its pid and name) and the granted access decoded
// into PROCESS_* rights.

import { ProcessAccess } from '@ntmm/nt-syscalls'
import { hex, table } from '../format.js'
import {
  choosePid,
  type MachineLike,
  processName,
  type RenderedView,
  type ViewOptions,
} from './machineLike.js'

/** PROCESS_* names of an access mask (PROCESS_ALL_ACCESS as one name). */
export function processAccessNames(mask: number): string {
  if ((mask & ProcessAccess.PROCESS_ALL_ACCESS) === ProcessAccess.PROCESS_ALL_ACCESS)
    return 'PROCESS_ALL_ACCESS'
  const names = Object.entries(ProcessAccess)
    .filter(([name, bit]) => name !== 'PROCESS_ALL_ACCESS' && (mask & bit) !== 0)
    .map(([name]) => name)
  return names.join('|') || hex(mask, 0)
}

/** The `handles` view. */
export function handlesView(machine: MachineLike, options: ViewOptions): RenderedView {
  const pid = choosePid(machine, options.pid)
  const handleTable = machine.ob.state.handleTable(pid)
  const handles = (handleTable?.handles() ?? []).map(({ handle, entry }) => {
    const header = machine.ob.state.object(entry.objectId)
    const body = header?.body as { kind?: string; pid?: number; name?: string } | undefined
    return {
      handle,
      objectId: entry.objectId,
      type: header?.type ?? 'unknown',
      target: body?.kind === 'Process' ? { pid: body.pid, name: body.name } : null,
      grantedAccess: entry.grantedAccess,
    }
  })
  const rows = [['Handle', 'Type', 'Object', 'GrantedAccess']]
  for (const handle of handles) {
    rows.push([
      hex(handle.handle, 0),
      handle.type,
      handle.target === null ? `#${handle.objectId}` : `pid ${handle.target.pid} (${handle.target.name})`,
      `${hex(handle.grantedAccess, 0)} ${handle.type === 'Process' ? processAccessNames(handle.grantedAccess) : ''}`.trimEnd(),
    ])
  }
  return {
    lines: [
      `!handle: process ${pid} (${processName(machine, pid)}), ${handles.length} handle(s)`,
      ...table(rows),
    ],
    json: { pid, handles },
  }
}
