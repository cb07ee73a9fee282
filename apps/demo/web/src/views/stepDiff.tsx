// "This step": the machine right before and right after the current event, at the address the
// event is about — the PTE (raw and in words), the data-TLB set the page maps to, and the PFN
// database entry of its frame — with what differs marked, so a fault's trap, its resolution and
// a TLB fill each show what they changed.

import { useEffect, useState } from 'preact/hooks'
import { api, type ExplorerStep, type StepSide } from '../api.ts'
import { hex } from '../format.ts'

interface StepDiffProps {
  readonly seq: number
  readonly generation: number
  readonly arch: string
}

/** The before/after of the current event at its address. */
export function StepDiff({ seq, generation, arch }: StepDiffProps) {
  const [step, setStep] = useState<ExplorerStep | undefined>(undefined)
  useEffect(() => {
    const controller = new AbortController()
    api.step(seq, controller.signal).then(setStep, () => undefined)
    return () => controller.abort()
  }, [seq, generation])
  const digits = arch === 'x64' ? 12 : 8
  const shown = step?.seq === seq ? step : undefined
  return (
    <div data-testid="step" data-seq={shown?.seq ?? ''}>
      <div class="panel-head">
        <h2>This step</h2>
        <span class="muted">
          {shown === undefined || shown.focus.address === null
            ? 'no address'
            : `process ${shown.focus.pid ?? '—'}, ${hex(shown.focus.address, digits)}`}
        </span>
      </div>
      {shown?.before == null || shown.after == null ? (
        <p class="muted">This event concerns no virtual address.</p>
      ) : (
        <table class="compact diff" data-testid="step-diff">
          <thead>
            <tr>
              <th />
              <th>before #{shown.seq - 1}</th>
              <th>after #{shown.seq}</th>
            </tr>
          </thead>
          <tbody>
            <Row name="PTE" testid="diff-pte" before={pteText(shown.before)} after={pteText(shown.after)} />
            <Row
              name="PTE reads"
              testid="diff-pte-reading"
              before={shown.before.pte?.reading ?? '—'}
              after={shown.after.pte?.reading ?? '—'}
            />
            <Row
              name={`TLB set ${shown.after.set}`}
              testid="diff-tlb"
              before={tlbText(shown.before)}
              after={tlbText(shown.after)}
            />
            <Row
              name="frame"
              testid="diff-frame"
              before={frameText(shown.before)}
              after={frameText(shown.after)}
            />
          </tbody>
        </table>
      )}
    </div>
  )
}

function Row(props: {
  readonly name: string
  readonly testid: string
  readonly before: string
  readonly after: string
}) {
  const changed = props.before !== props.after
  return (
    <tr data-testid={props.testid} data-changed={changed ? 'true' : 'false'} class={changed ? 'changed' : ''}>
      <th>{props.name}</th>
      <td>{props.before}</td>
      <td>{props.after}</td>
    </tr>
  )
}

function pteText(side: StepSide): string {
  if (side.pte === null) return 'no page table'
  const value =
    side.pte.high === 0 ? hex(side.pte.low, 0) : `${hex(side.pte.high, 0)}:${hex(side.pte.low, 8)}`
  return `${value} ${side.pte.present ? '(P=1)' : '(P=0)'}`
}

function tlbText(side: StepSide): string {
  if (side.tlbSet.length === 0) return 'empty'
  return side.tlbSet
    .map(
      (entry) =>
        `w${entry.way}: ${hex(entry.virtualAddress / 4096, 0)}→${hex(entry.physicalAddress / 4096, 0)}`,
    )
    .join(', ')
}

function frameText(side: StepSide): string {
  const frame = side.frame
  if (frame === null) return 'none'
  const owner = frame.ownerPid >= 0 ? `, process ${frame.ownerPid}` : ''
  const slot = frame.pageFileSlot >= 0 ? `, slot ${frame.pageFileSlot}` : ''
  return `PFN ${hex(frame.pfn, 0)} ${frame.state}${owner}${slot}${frame.modified ? ', modified' : ''}`
}
