// Opening another trace: drop a file anywhere on the page, pick one, or type a path the server
// can read. The bytes are POSTed to the local server, which loads them with loadKernel (or imports
// them when they are a memory trace such as valgrind lackey's); a file that is neither comes back
// as a one-line error shown in the banner.

import { useEffect, useState } from 'preact/hooks'
import { api, type ExplorerMeta } from './api.ts'

interface OpenTraceProps {
  readonly onOpened: (meta: ExplorerMeta) => void
  readonly onError: (message: string) => void
}

export function OpenTrace({ onOpened, onError }: OpenTraceProps) {
  const [path, setPath] = useState('')
  const [busy, setBusy] = useState(false)
  const [dragging, setDragging] = useState(false)

  const open = async (source: { file: File } | { path: string }) => {
    setBusy(true)
    try {
      onOpened(await api.open(source))
    } catch (error) {
      onError((error as Error).message)
    } finally {
      setBusy(false)
    }
  }

  useEffect(() => {
    const over = (event: DragEvent) => {
      event.preventDefault()
      setDragging(true)
    }
    const leave = (event: DragEvent) => {
      if (event.relatedTarget === null) setDragging(false)
    }
    const drop = (event: DragEvent) => {
      event.preventDefault()
      setDragging(false)
      const file = event.dataTransfer?.files[0]
      if (file !== undefined) void open({ file })
    }
    window.addEventListener('dragover', over)
    window.addEventListener('dragleave', leave)
    window.addEventListener('drop', drop)
    return () => {
      window.removeEventListener('dragover', over)
      window.removeEventListener('dragleave', leave)
      window.removeEventListener('drop', drop)
    }
  })

  return (
    <div class="open">
      {dragging ? (
        <div class="drop-overlay">
          Drop a trace file (.ntt) or a memory trace (valgrind lackey, .gz) to open it
        </div>
      ) : null}
      <label class="file-button">
        open file…
        <input
          type="file"
          data-testid="file-input"
          onChange={(event) => {
            const file = (event.target as HTMLInputElement).files?.[0]
            if (file !== undefined) void open({ file })
          }}
        />
      </label>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          if (path.trim() !== '') void open({ path: path.trim() })
        }}
      >
        <input
          type="text"
          placeholder="or a path: /tmp/run.ntt"
          data-testid="path-input"
          value={path}
          onInput={(event) => setPath((event.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy}>
          open
        </button>
      </form>
      {busy ? <span class="muted">loading…</span> : null}
    </div>
  )
}
