// The `sections` view, like WinDbg's `!ca` (control area) and `!memusage` for mapped pages: every
// segment (SEGMENT + CONTROL_AREA) with its kind, file, size, committed pages,
// NumberOfSectionReferences, NumberOfMappedViews and its views by process and base; then each
// resident page (prototype entry VALID) with its frame, share count and the process PTEs mapping it.

import { hex, table } from '../format.js'
import type { MachineLike, RenderedView, ViewOptions } from './machineLike.js'
import { entryLabel, frameMappings, mappingsLabel, segmentLabel } from './sectionInspection.js'

/** The `sections` view (`--pid` keeps the segments that process maps). */
export function sectionsView(machine: MachineLike, options: ViewOptions): RenderedView {
  const lines: string[] = []
  const segments = []
  const ids = machine.mm.segmentIds()
  for (const id of ids) {
    const segment = machine.mm.segmentInfo(id)!
    if (options.pid !== undefined && !segment.views.some((view) => view.pid === options.pid)) continue
    const pages = []
    const entryCounts: Record<string, number> = {}
    for (let page = 0; page < segment.pageCount; page++) {
      const entry = machine.mm.prototypeEntry(id, page)!
      entryCounts[entry.kind] = (entryCounts[entry.kind] ?? 0) + 1
      if (entry.kind !== 'VALID') continue
      const frame = machine.mm.pfnDatabase.entry(entry.value)
      const mappedBy = frameMappings(machine, id, page, entry.value)
      pages.push({
        page,
        pfn: entry.value,
        shareCount: frame.segment?.shareCount ?? 0,
        modified: frame.modified,
        mappedBy,
      })
    }
    lines.push(
      `${segmentLabel(segment)}: ${hex(segment.sizeBytes, 0)} bytes, ${segment.pageCount} pages, ${segment.committedPages} committed; sectionReferences ${segment.sectionReferences}, mappedViews ${segment.mappedViews}`,
    )
    lines.push(
      `  views: ${segment.views.length === 0 ? 'none' : segment.views.map((view) => `pid ${view.pid} @ ${hex(view.start)}`).join(', ')}`,
    )
    lines.push(
      `  prototype entries: ${Object.entries(entryCounts)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ')}`,
    )
    if (pages.length > 0) {
      const rows = [['Page', 'Entry', 'Shares', 'Modified', 'MappedBy']]
      for (const page of pages) {
        rows.push([
          hex(page.page * 4096, 0),
          entryLabel({ kind: 'VALID', value: page.pfn }),
          String(page.shareCount),
          page.modified ? 'yes' : '',
          mappingsLabel(page.mappedBy),
        ])
      }
      lines.push(...table(rows).map((line) => `  ${line}`))
    }
    segments.push({ ...segment, entryCounts, residentPages: pages })
  }
  return {
    lines: [`sections: ${segments.length} segment${segments.length === 1 ? '' : 's'}`, ...lines],
    json: { segments },
  }
}
