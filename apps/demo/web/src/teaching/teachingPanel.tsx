// Teaching: predict mode (a step forward first asks what the next access will do), bookmarks of
// seqs with notes (kept in the browser per trace, exportable as a tour), and guided tours a teacher
// writes (tour.ts): loaded by URL (`?tour=…`) or as a file, followed stop by stop with their notes.

import { useEffect, useState } from 'preact/hooks'
import { type Tour, type TourStop, parseTour } from './tour.ts'

interface TeachingPanelProps {
  readonly seq: number
  readonly source: string
  readonly tourUrl: string | undefined
  readonly predict: boolean
  readonly onPredict: (on: boolean) => void
  readonly onTour: (url: string | undefined) => void
  readonly onSeq: (seq: number) => void
  readonly onPin: (pid: number | undefined, va: number | undefined) => void
  readonly onError: (message: string) => void
}

const storageKey = (source: string) => `ntmm-bookmarks:${source}`

function loadBookmarks(source: string): TourStop[] {
  try {
    return parseTour(window.localStorage.getItem(storageKey(source)) ?? '{"stops":[]}').stops as TourStop[]
  } catch {
    return []
  }
}

/** Predict mode, bookmarks and the tour being followed. */
export function TeachingPanel(props: TeachingPanelProps) {
  const { seq, source, tourUrl, onSeq, onPin, onError } = props
  const [tour, setTour] = useState<Tour | undefined>(undefined)
  const [bookmarks, setBookmarks] = useState<TourStop[]>(() => loadBookmarks(source))
  const [note, setNote] = useState('')
  useEffect(() => setBookmarks(loadBookmarks(source)), [source])

  useEffect(() => {
    if (tourUrl === undefined) return
    fetch(tourUrl)
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`)
        return response.text()
      })
      .then((text) => setTour(parseTour(text)))
      .catch((error: unknown) => onError(`tour ${tourUrl}: ${(error as Error).message}`))
  }, [tourUrl])

  const save = (next: TourStop[]) => {
    setBookmarks(next)
    window.localStorage.setItem(
      storageKey(source),
      JSON.stringify({ title: `bookmarks of ${source}`, stops: next }),
    )
  }
  const go = (stop: TourStop) => {
    onSeq(stop.seq)
    onPin(stop.pid, stop.va)
  }
  const stops = tour?.stops ?? []
  const here = stops.findIndex((stop) => stop.seq === seq)
  const nextStop = stops.find((stop) => stop.seq > seq)
  const previousStop = [...stops].reverse().find((stop) => stop.seq < seq)

  return (
    <div data-testid="teaching">
      <div class="panel-head">
        <h2>Teaching</h2>
        <label>
          <input
            type="checkbox"
            data-testid="predict-mode"
            checked={props.predict}
            onChange={(event) => props.onPredict((event.target as HTMLInputElement).checked)}
          />{' '}
          predict before each step
        </label>
      </div>
      {tour === undefined ? null : (
        <div class="tour" data-testid="tour" data-stop={here}>
          <h3>
            Tour: {tour.title}{' '}
            {here >= 0 ? `(stop ${here + 1} of ${stops.length})` : `(${stops.length} stops)`}
          </h3>
          <p class="tour-note" data-testid="tour-note">
            {here >= 0 ? stops[here]?.note : 'Go to a stop to read its note.'}
          </p>
          <button
            type="button"
            data-testid="tour-previous"
            disabled={previousStop === undefined}
            onClick={() => previousStop && go(previousStop)}
          >
            ‹ previous stop
          </button>{' '}
          <button
            type="button"
            data-testid="tour-next"
            disabled={nextStop === undefined}
            onClick={() => nextStop && go(nextStop)}
          >
            next stop ›
          </button>{' '}
          <button
            type="button"
            class="link"
            onClick={() => {
              setTour(undefined)
              props.onTour(undefined)
            }}
          >
            close the tour
          </button>
        </div>
      )}
      <h3>Bookmarks</h3>
      <form
        class="bookmark-form"
        onSubmit={(event) => {
          event.preventDefault()
          save(
            [...bookmarks.filter((stop) => stop.seq !== seq), { seq, note: note.trim() }].sort(
              (a, b) => a.seq - b.seq,
            ),
          )
          setNote('')
        }}
      >
        <input
          type="text"
          data-testid="bookmark-note"
          placeholder={`a note for #${seq}`}
          value={note}
          onInput={(event) => setNote((event.target as HTMLInputElement).value)}
        />
        <button type="submit" data-testid="bookmark-add">
          bookmark #{seq}
        </button>
      </form>
      <ul class="bookmarks" data-testid="bookmarks">
        {bookmarks.map((stop) => (
          <li key={stop.seq} data-testid="bookmark" data-seq={stop.seq}>
            <button type="button" class="link" onClick={() => go(stop)}>
              #{stop.seq}
            </button>{' '}
            {stop.note}{' '}
            <button
              type="button"
              class="link"
              aria-label={`remove bookmark ${stop.seq}`}
              onClick={() => save(bookmarks.filter((other) => other !== stop))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <div class="tour-tools">
        <a
          data-testid="bookmarks-export"
          download="tour.json"
          href={`data:application/json;charset=utf-8,${encodeURIComponent(`${JSON.stringify({ title: `A tour of ${source}`, trace: source, stops: bookmarks }, null, 2)}\n`)}`}
        >
          export as a tour
        </a>
        <label class="file-button">
          open a tour…
          <input
            type="file"
            data-testid="tour-file"
            accept=".json,application/json"
            onChange={(event) => {
              const file = (event.target as HTMLInputElement).files?.[0]
              file
                ?.text()
                .then((text) => setTour(parseTour(text)))
                .catch((error: unknown) => onError(`${file.name}: ${(error as Error).message}`))
            }}
          />
        </label>
      </div>
    </div>
  )
}
