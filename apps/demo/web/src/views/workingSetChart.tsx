// Each process's working set over the trace (Task Manager's and Process Explorer's working-set
// history), sampled by the server right after each balance-set tick — the working-set manager's
// passes, where working sets are aged and trimmed — with the lists beside it (available, standby,
// modified), and a table of the sample at or before the current event.

import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, type ExplorerWorkingSets } from '../api.ts'
import { Chart, type ChartSpec } from '../charts.tsx'
import { frameColours, okabeIto, pidColour } from '../palette.ts'

/** The working-set panel. */
export function WorkingSetChart(props: {
  readonly generation: number
  readonly seq: number
  readonly onSeq: (seq: number) => void
}) {
  const [series, setSeries] = useState<ExplorerWorkingSets | undefined>(undefined)
  useEffect(() => {
    setSeries(undefined)
    api.workingSets().then(setSeries, () => setSeries(undefined))
  }, [props.generation])
  const charts = useMemo((): ChartSpec[] | undefined => {
    if (series === undefined) return undefined
    return [
      {
        title: 'Working set (pages) by process',
        series: series.processes.map((process) => ({
          label: `${process.pid} ${process.name}`,
          colour: pidColour(process.pid),
          values: [...process.pages],
        })),
      },
      {
        title: 'Lists (pages)',
        series: [
          { label: 'available', colour: okabeIto.bluishGreen, values: [...series.lists.available] },
          { label: 'standby', colour: frameColours.S ?? okabeIto.yellow, values: [...series.lists.standby] },
          {
            label: 'modified',
            colour: frameColours.M ?? okabeIto.vermillion,
            values: [...series.lists.modified],
          },
        ],
      },
    ]
  }, [series])
  if (series === undefined || charts === undefined)
    return (
      <div>
        <div class="panel-head">
          <h2>Working sets over time</h2>
        </div>
        <p class="muted">sampling…</p>
      </div>
    )
  // The sample at or before the current event.
  let index = 0
  while (index + 1 < series.seqs.length && series.seqs[index + 1]! <= props.seq) index++
  return (
    <div data-testid="working-sets">
      <div class="panel-head">
        <h2>Working sets over time</h2>
        <span class="muted">
          {series.sampledAt === 'ticks'
            ? `sampled after each balance-set tick (${series.seqs.length} samples)`
            : `no balance-set ticks (${series.policy}): sampled at ${series.seqs.length} seqs`}
        </span>
      </div>
      <div class="charts">
        {charts.map((spec) => (
          <Chart
            key={`${props.generation}-${spec.title}`}
            spec={spec}
            seqs={series.seqs}
            seq={props.seq}
            onSeq={props.onSeq}
          />
        ))}
      </div>
      <table class="compact" data-testid="working-set-sample" data-sample-seq={series.seqs[index]}>
        <caption>
          {series.sampledAt === 'ticks' ? `tick ${series.ticks[index]}, ` : ''}#{series.seqs[index]}
        </caption>
        <thead>
          <tr>
            <th>process</th>
            <th>pages</th>
            <th>peak so far</th>
          </tr>
        </thead>
        <tbody>
          {series.processes.map((process) => {
            const upTo = process.pages.slice(0, index + 1).filter((pages): pages is number => pages !== null)
            return (
              <tr key={process.pid} data-pid={process.pid}>
                <td>
                  {process.pid} {process.name}
                </td>
                <td class="number">{process.pages[index] ?? '—'}</td>
                <td class="number">{upTo.length === 0 ? '—' : Math.max(...upTo)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
