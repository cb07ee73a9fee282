// NtAreMappedFilesTheSame(File1MappedAsAnImage, File2MappedAsFile) (NT-SECTIONS §13, W-K32V and
// R-A3S order): an address in no allocation STATUS_INVALID_ADDRESS; private memory, or a
// pagefile-backed view (no file: §13 step 6) STATUS_CONFLICTING_ADDRESSES; the same view
// STATUS_SUCCESS; a first view that is not an image STATUS_NOT_SAME_DEVICE; an image and any view
// of the same file STATUS_SUCCESS, of another file STATUS_NOT_SAME_DEVICE.

import { capturePointer } from './captureArguments.js'
import { STATUS_CONFLICTING_ADDRESSES, STATUS_INVALID_ADDRESS, STATUS_SUCCESS } from './ntStatus.js'
import { STATUS_NOT_SAME_DEVICE } from './sectionConstants.js'
import type { ServiceContext } from './serviceContext.js'

/** NtAreMappedFilesTheSame. */
export function ntAreMappedFilesTheSame(
  context: ServiceContext,
  args: { readonly file1MappedAsAnImage: number; readonly file2MappedAsFile: number },
): { readonly status: number } {
  const tree = context.mm.addressSpace(context.pid)?.record?.tree
  const areaOf = (value: unknown) => {
    const address = capturePointer(value, context.limits)
    if (address === undefined || address > context.limits.highestUserAddress) return undefined
    return tree?.locate(address)
  }
  const first = areaOf(args.file1MappedAsAnImage)
  const second = areaOf(args.file2MappedAsFile)
  if (first === undefined || second === undefined) return { status: STATUS_INVALID_ADDRESS }
  const segmentOf = (view: typeof first.view) =>
    view === undefined ? undefined : context.mm.segmentInfo(view.segmentId)
  const firstSegment = segmentOf(first.view)
  const secondSegment = segmentOf(second.view)
  if (firstSegment === undefined || secondSegment === undefined)
    return { status: STATUS_CONFLICTING_ADDRESSES }
  if (firstSegment.kind === 'pagefile' || secondSegment.kind === 'pagefile')
    return { status: STATUS_CONFLICTING_ADDRESSES }
  if (first.startingAddress === second.startingAddress) return { status: STATUS_SUCCESS }
  if (firstSegment.kind !== 'image') return { status: STATUS_NOT_SAME_DEVICE }
  return { status: firstSegment.fileId === secondSegment.fileId ? STATUS_SUCCESS : STATUS_NOT_SAME_DEVICE }
}
