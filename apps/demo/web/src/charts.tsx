// Charts over the whole trace (uPlot): page faults by kind, the data-TLB hit rate, the commit
// charge and the working set, sampled by the server at evenly spaced seqs. A vertical line marks
// the current event (a dashed line in a colour no series uses; series in the Okabe–Ito palette);
// clicking a chart moves the timeline there.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import { api, type ExplorerSeries } from './api.ts'
import { currentMarker, okabeIto } from './palette.ts'

interface ChartsProps {
  readonly generation: number
  readonly seq: number
  readonly onSeq: (seq: number) => void
}

/** A chart: its title and its series (values at the samples' seqs). */
export interface ChartSpec {
  readonly title: string
  readonly series: readonly {
    readonly label: string
    readonly colour: string
    readonly values: (number | null)[]
  }[]
  readonly percent?: boolean
}

function specs(series: ExplorerSeries): ChartSpec[] {
  return [
    {
      title: 'Page faults by kind (cumulative)',
      series: [
        { label: 'demand-zero', colour: okabeIto.bluishGreen, values: [...series.demandZeroFaults] },
        { label: 'hard', colour: okabeIto.vermillion, values: [...series.hardFaults] },
        { label: 'soft', colour: okabeIto.skyBlue, values: [...series.softFaults] },
        { label: 'guard', colour: okabeIto.reddishPurple, values: [...series.guardPageFaults] },
        { label: 'access violation', colour: okabeIto.orange, values: [...series.accessViolations] },
      ],
    },
    {
      title: 'TLB hit rate (data, per interval)',
      series: [
        {
          label: 'hit rate %',
          colour: okabeIto.blue,
          values: series.tlbHitRate.map((rate) => (rate === null ? null : 100 * rate)),
        },
      ],
      percent: true,
    },
    {
      title: 'Commit charge (pages)',
      series: [{ label: 'commit', colour: okabeIto.orange, values: [...series.commitCharge] }],
    },
    {
      title: 'Working set (active pages)',
      series: [{ label: 'working set', colour: okabeIto.bluishGreen, values: [...series.workingSetPages] }],
    },
  ]
}

export function Charts({ generation, seq, onSeq }: ChartsProps) {
  const [series, setSeries] = useState<ExplorerSeries | undefined>(undefined)
  useEffect(() => {
    setSeries(undefined)
    api.series().then(setSeries, () => setSeries(undefined))
  }, [generation])
  const charts = useMemo(() => (series === undefined ? undefined : specs(series)), [series])
  return (
    <div>
      <div class="panel-head">
        <h2>Over time</h2>
        <span class="muted">click a chart to jump there</span>
      </div>
      {series === undefined || charts === undefined ? (
        <p class="muted">sampling…</p>
      ) : (
        <div
          class="charts"
          data-testid="charts"
          data-marker={currentMarker}
          data-series-colours={charts.flatMap((spec) => spec.series.map((line) => line.colour)).join(' ')}
        >
          {charts.map((spec) => (
            <Chart
              key={`${generation}-${spec.title}`}
              spec={spec}
              seqs={series.seqs}
              seq={seq}
              onSeq={onSeq}
            />
          ))}
        </div>
      )}
    </div>
  )
}

/** One uPlot chart over seqs, with the current seq marked; a click moves the timeline there. */
export function Chart(props: {
  readonly spec: ChartSpec
  readonly seqs: readonly number[]
  readonly seq: number
  readonly onSeq: (seq: number) => void
}) {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  const current = useRef(props.seq)
  const onSeq = useRef(props.onSeq)
  current.current = props.seq
  onSeq.current = props.onSeq

  useEffect(() => {
    const element = host.current
    if (element === null) return
    const options: uPlot.Options = {
      width: Math.max(260, element.clientWidth),
      height: 170,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, ...(props.spec.percent ? { y: { range: [0, 100] } } : {}) },
      axes: [{ label: 'seq', size: 36 }, { size: 48 }],
      series: [
        { label: 'seq' },
        ...props.spec.series.map((line) => ({
          label: line.label,
          stroke: line.colour,
          width: 2,
          spanGaps: true,
        })),
      ],
      hooks: {
        draw: [
          (chart: uPlot) => {
            const x = chart.valToPos(current.current, 'x', true)
            const context = chart.ctx
            context.save()
            // A colour of its own, dashed: no series is drawn like it.
            context.strokeStyle = currentMarker
            context.lineWidth = 2
            context.setLineDash([5, 3])
            context.beginPath()
            context.moveTo(x, chart.bbox.top)
            context.lineTo(x, chart.bbox.top + chart.bbox.height)
            context.stroke()
            context.restore()
          },
        ],
      },
    }
    const data = [[...props.seqs], ...props.spec.series.map((line) => line.values)] as uPlot.AlignedData
    const chart = new uPlot(options, data, element)
    plot.current = chart
    chart.over.addEventListener('click', () => {
      const left = chart.cursor.left
      if (left === undefined || left < 0) return
      onSeq.current(Math.round(chart.posToVal(left, 'x')))
    })
    return () => {
      chart.destroy()
      plot.current = undefined
    }
  }, [props.spec, props.seqs])

  useEffect(() => {
    plot.current?.redraw(false)
  }, [props.seq])

  return (
    <figure class="chart">
      <figcaption>{props.spec.title}</figcaption>
      <div ref={host} />
    </figure>
  )
}
