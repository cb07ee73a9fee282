// The replacement policies compared on the loaded trace, as `ntmm sweep --trace` prints them, drawn
// as bars: the server replays the trace's memory accesses under every policy (sweep.ts, in worker
// threads) on first request; the page polls until the figures are in.

import { useEffect, useState } from 'preact/hooks'
import { api, type ExplorerSweep } from '../api.ts'
import { okabeIto } from '../palette.ts'

type Result = ExplorerSweep['results'][number]

const measures: readonly {
  readonly name: string
  readonly colour: string
  readonly value: (result: Result) => number
  readonly percent?: boolean
}[] = [
  { name: 'page faults', colour: okabeIto.vermillion, value: (result) => result.pageFaults },
  { name: 'hard faults', colour: okabeIto.orange, value: (result) => result.hardFaults },
  { name: 'pages written', colour: okabeIto.blue, value: (result) => result.pagesWritten },
  {
    name: 'TLB hit rate',
    colour: okabeIto.bluishGreen,
    value: (result) => 100 * result.tlbHitRate,
    percent: true,
  },
]

/** The replacement policies' figures on the loaded trace, as bars. */
export function PolicyCharts({ generation }: { readonly generation: number }) {
  const [sweep, setSweep] = useState<ExplorerSweep | undefined>(undefined)
  const [started, setStarted] = useState(false)
  useEffect(() => {
    setSweep(undefined)
    setStarted(false)
  }, [generation])
  useEffect(() => {
    if (!started) return
    let timer: ReturnType<typeof setTimeout> | undefined
    let live = true
    const poll = () =>
      api.sweep().then(
        (answer) => {
          if (!live) return
          setSweep(answer)
          if (answer.status === 'running') timer = setTimeout(poll, 500)
        },
        (failure: unknown) =>
          live && setSweep({ status: 'error', accesses: 0, results: [], error: String(failure) }),
      )
    void poll()
    return () => {
      live = false
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [started, generation])
  return (
    <div data-testid="policies" data-status={sweep?.status ?? 'idle'}>
      <div class="panel-head">
        <h2>Replacement policies</h2>
        {started ? null : (
          <button type="button" data-testid="policies-run" onClick={() => setStarted(true)}>
            compare on this trace
          </button>
        )}
      </div>
      {!started ? (
        <p class="muted">
          Replays this trace's memory accesses under every policy (as `ntmm sweep --trace`).
        </p>
      ) : sweep === undefined || sweep.status === 'running' ? (
        <p class="muted">replaying under each policy…</p>
      ) : sweep.error !== undefined ? (
        <p class="inline-error">{sweep.error}</p>
      ) : (
        <div class="policy-charts">
          <p class="muted">{sweep.accesses} accesses replayed in one process, same RAM.</p>
          {measures.map((measure) => {
            const values = sweep.results.map(measure.value)
            const peak = Math.max(measure.percent ? 100 : 1, ...values)
            return (
              <figure key={measure.name} class="bars" data-testid="policy-chart" data-measure={measure.name}>
                <figcaption>{measure.name}</figcaption>
                {sweep.results.map((result, index) => (
                  <div
                    key={result.label}
                    class="bar-row"
                    data-testid="policy-bar"
                    data-policy={result.label}
                    data-value={values[index]}
                  >
                    <span class="bar-label">{result.label}</span>
                    <span class="bar-track">
                      <span
                        class="bar"
                        style={{
                          width: `${(100 * (values[index] ?? 0)) / peak}%`,
                          background: measure.colour,
                        }}
                      />
                    </span>
                    <span class="bar-value">
                      {measure.percent ? `${(values[index] ?? 0).toFixed(1)} %` : values[index]}
                    </span>
                  </div>
                ))}
              </figure>
            )
          })}
        </div>
      )}
    </div>
  )
}
