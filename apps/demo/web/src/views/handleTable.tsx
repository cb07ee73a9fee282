// The handle table of the process (the `handles` view): each handle, the object it refers to and
// the granted access mask; a handle the current event created or closed is outlined.

import type { ExplorerState } from '../api.ts'
import { hex } from '../format.ts'

/** The process's handle table. */
export function HandleTable({ state }: { readonly state: ExplorerState }) {
  return (
    <div>
      <div class="panel-head">
        <h2>Handle table</h2>
        <span class="muted">process {state.pid ?? '—'}</span>
      </div>
      {state.handles.length === 0 ? (
        <p class="muted">No handles.</p>
      ) : (
        <table class="compact" data-testid="handles">
          <thead>
            <tr>
              <th>handle</th>
              <th>type</th>
              <th>object</th>
              <th>granted access</th>
            </tr>
          </thead>
          <tbody>
            {state.handles.map((handle) => (
              <tr
                key={handle.handle}
                data-testid="handle"
                class={state.changes.handles.includes(handle.handle) ? 'changed' : ''}
              >
                <td>{hex(handle.handle, 0)}</td>
                <td>{handle.type}</td>
                <td>
                  {handle.target === null
                    ? `#${handle.objectId}`
                    : `pid ${handle.target.pid} (${handle.target.name})`}
                </td>
                <td>{hex(handle.grantedAccess, 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
