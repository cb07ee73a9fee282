// The PFN lists and the flow between them (RAMMap's view of physical memory, over time): the
// length of each list right after the current event — zeroed, free, standby by priority 0-7,
// modified, and the frames in use (each process's active pages, page tables, the system's) — and
// the moves of the step the event belongs to (its input and everything it caused): pages trimmed
// from working sets to standby or modified, written by the modified page writer, brought back by
// soft faults, repurposed, zeroed. Moves after the current event are dimmed, the event's own outlined.

import { useEffect, useState } from 'preact/hooks'
import { api, type ExplorerLists } from '../api.ts'
import { frameColours, pidColour } from '../palette.ts'

/** The lists panel: counts at the current event and the step's moves. */
export function PfnLists(props: { readonly seq: number; readonly generation: number }) {
  const [lists, setLists] = useState<ExplorerLists | undefined>(undefined)
  useEffect(() => {
    const controller = new AbortController()
    api.lists(props.seq, controller.signal).then(setLists, (failure: unknown) => {
      if ((failure as Error).name !== 'AbortError') setLists(undefined)
    })
    return () => controller.abort()
  }, [props.seq, props.generation])
  if (lists === undefined)
    return (
      <div>
        <div class="panel-head">
          <h2>PFN lists</h2>
        </div>
        <p class="muted">loading…</p>
      </div>
    )
  const report = lists.report
  const info = report.memoryListInformation
  const nt = report.policy === 'nt'
  const rows: { name: string; letter: string; pages: number; detail: string; pid?: number }[] = [
    { name: 'zeroed', letter: 'Z', pages: info.zeroPageCount, detail: '' },
    { name: 'free', letter: 'F', pages: info.freePageCount, detail: '' },
    {
      name: 'standby',
      letter: 'S',
      pages: report.standbyPageCount,
      detail: nt
        ? info.pageCountByPriority
            .map((count, priority) => (count > 0 ? `p${priority}: ${count}` : ''))
            .filter((text) => text !== '')
            .join(' · ')
        : 'one list',
    },
    { name: 'modified', letter: 'M', pages: info.modifiedPageCount, detail: '' },
    ...report.inUse.active.map((owner) => ({
      name: `active: ${owner.name}`,
      letter: 'A',
      pages: owner.pages,
      detail: `pid ${owner.pid}`,
      pid: owner.pid,
    })),
    ...(report.inUse.sectionPages > 0
      ? [{ name: 'active: sections', letter: 'A', pages: report.inUse.sectionPages, detail: '' }]
      : []),
    { name: 'page tables', letter: 'P', pages: report.inUse.pageTables, detail: '' },
    { name: 'system', letter: 'Y', pages: report.inUse.system, detail: '' },
  ]
  const colour = (row: (typeof rows)[number]) =>
    row.pid !== undefined ? pidColour(row.pid) : (frameColours[row.letter] ?? '#999')
  return (
    <div data-testid="pfn-lists">
      <div class="panel-head">
        <h2>PFN lists</h2>
        <span class="muted">
          {report.frameCount} frames · {report.policy}
          {nt ? ` · tick ${report.tick}` : ''} · available{' '}
          {report.systemPerformanceInformation.availablePages}
        </span>
      </div>
      <table class="compact" data-testid="list-counts">
        <tbody>
          {rows.map((row) => (
            <tr key={row.name} data-list={row.name}>
              <td>
                <span class="swatch" style={{ background: colour(row) }} /> {row.name}
              </td>
              <td class="number">{row.pages}</td>
              <td>
                <span
                  class="bar"
                  style={{ width: `${(100 * row.pages) / report.frameCount}%`, background: colour(row) }}
                />
              </td>
              <td class="muted">{row.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>
        This step
        {lists.step === null ? '' : ` (#${lists.step.input}–#${lists.step.last})`}
      </h3>
      {lists.summary.length === 0 ? (
        <p class="muted" data-testid="list-moves-none">
          No frame changed list in this step.
        </p>
      ) : (
        <ul class="moves" data-testid="list-moves">
          {lists.summary.map((move) => (
            <li key={`${move.from}-${move.to}-${move.label}`} data-testid="list-move">
              {listName(move.from)} → {listName(move.to)}: {move.pages} {move.pages === 1 ? 'page' : 'pages'}{' '}
              {move.label}
            </li>
          ))}
        </ul>
      )}
      {lists.moves.length === 0 ? null : (
        <ol class="move-events" data-testid="list-move-events">
          {lists.moves.slice(0, 40).map((move) => (
            <li
              key={move.seq}
              class={move.seq === lists.seq ? 'changed' : move.seq > lists.seq ? 'muted' : ''}
              data-seq={move.seq}
            >
              #{move.seq} PFN 0x{move.pfn.toString(16)}
              {move.pid >= 0 ? ` (pid ${move.pid})` : ''}: {listName(move.from)} → {listName(move.to)},{' '}
              {move.label}
            </li>
          ))}
          {lists.moves.length > 40 ? <li class="muted">… {lists.moves.length - 40} more</li> : null}
        </ol>
      )}
    </div>
  )
}

function listName(list: string): string {
  return list.toLowerCase().replace('_', ' ')
}
