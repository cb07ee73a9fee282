// NtMapViewOfSection and NtUnmapViewOfSection (image views: mapImageView.ts after the common checks):
// the checks in ReactOS NtMapViewOfSection's order with Windows' results (NT-SECTIONS §4.1: the
// InheritDisposition, AllocationType and Win32Protect values, the address and ZeroBits, then the
// process handle and the section handle, then alignment), then MiMapViewOfDataSection's (§4.3:
// MEM_RESERVE, protection compatibility, view size, CommitSize), and mm-core's mapView for the
// address choice. A MEM_RESERVE view of a file may be larger than the section (§4.3.3's exception):
// mm-core keeps its pages past the segment reserved until NtExtendSection grows the segment. §10 for the unmap: any address inside a view unmaps the whole view.

import { makeProtectionMask } from '@ntmm/mm-core'
import { PROCESS_VM_OPERATION } from './accessRights.js'
import { captureHandle, capturePointer, captureUlong, HUGE_64 } from './captureArguments.js'
import {
  AT_ROUND_TO_PAGE,
  MEM_LARGE_PAGES,
  MEM_RESERVE,
  MEM_TOP_DOWN,
  PAGE_EXECUTE_READWRITE,
  PAGE_NOCACHE,
  PAGE_READWRITE,
} from './memoryConstants.js'
import { zeroBitsLimit } from './ntAllocateVirtualMemory.js'
import {
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PAGE_PROTECTION,
  STATUS_INVALID_PARAMETER_3,
  STATUS_INVALID_PARAMETER_4,
  STATUS_INVALID_PARAMETER_5,
  STATUS_SUCCESS,
} from './ntStatus.js'
import type { SectionBody } from './objectHeader.js'
import {
  MEM_REPLACE_PLACEHOLDER,
  SEC_NO_CHANGE,
  SEC_NOCACHE,
  SEC_RESERVE,
  STATUS_INVALID_PARAMETER_8,
  STATUS_INVALID_PARAMETER_9,
  STATUS_INVALID_VIEW_SIZE,
  STATUS_MAPPED_ALIGNMENT,
  STATUS_NOT_MAPPED_VIEW,
  STATUS_SECTION_PROTECTION,
  ViewShare,
  ViewUnmap,
} from './sectionConstants.js'
import { isImageSection, mapImageView } from './mapImageView.js'
import { isCompatibleProtection, sectionAccessFor } from './sectionProtection.js'
import { referenceProcess, releaseProcess, type ServiceContext } from './serviceContext.js'

/** NtMapViewOfSection's result: the view's base and size, the offset as given (out-values on success only). */
export interface MapViewOfSectionResult {
  readonly status: number
  readonly baseAddress: number
  readonly viewSize: number
  readonly sectionOffset: number | undefined
}

const PAGE = 0x1000
const GRANULARITY = 0x10000

/** NtMapViewOfSection(SectionHandle, ProcessHandle, BaseAddress, ZeroBits, CommitSize, SectionOffset, ViewSize, InheritDisposition, AllocationType, Win32Protect). */
export function ntMapViewOfSection(
  context: ServiceContext,
  args: {
    readonly sectionHandle: number
    readonly processHandle: number
    readonly baseAddress: number
    readonly zeroBits: number
    readonly commitSize: number
    readonly sectionOffset: number | undefined
    readonly viewSize: number
    readonly inheritDisposition: number
    readonly allocationType: number
    readonly win32Protect: number
  },
): MapViewOfSectionResult {
  const limits = context.limits
  const fail = (status: number): MapViewOfSectionResult => ({
    status,
    baseAddress: args.baseAddress,
    viewSize: args.viewSize,
    sectionOffset: args.sectionOffset,
  })
  // 1. InheritDisposition.
  const inherit = captureUlong(args.inheritDisposition)
  if (inherit !== ViewShare && inherit !== ViewUnmap) return fail(STATUS_INVALID_PARAMETER_8)
  // 2. AllocationType.
  const allocationType = captureUlong(args.allocationType)
  const x86 = limits.pointerBits === 32 && limits.arch !== 'x64'
  const allowed =
    MEM_TOP_DOWN |
    MEM_LARGE_PAGES |
    SEC_NO_CHANGE |
    MEM_RESERVE |
    MEM_REPLACE_PLACEHOLDER |
    (x86 ? AT_ROUND_TO_PAGE : 0)
  if (allocationType === undefined || (allocationType & ~allowed) !== 0)
    return fail(STATUS_INVALID_PARAMETER_9)
  // 3. Win32Protect.
  const protect = captureUlong(args.win32Protect)
  if (protect === undefined || makeProtectionMask(protect) === undefined)
    return fail(STATUS_INVALID_PAGE_PROTECTION)
  // 4. The address and the size against the user range.
  const requestedBase = capturePointer(args.baseAddress, limits)
  const requestedSize = capturePointer(args.viewSize, limits)
  if (requestedBase === undefined || requestedBase > limits.highestVadAddress)
    return fail(STATUS_INVALID_PARAMETER_3)
  if (requestedSize === undefined || limits.highestVadAddress + 1 - requestedBase < requestedSize)
    return fail(STATUS_INVALID_PARAMETER_3)
  // 5. ZeroBits (a fixed base that does not satisfy it is _4 before any alignment check).
  const zeroBits = capturePointer(args.zeroBits, limits)
  // -1 (all bits set) is _4 on every architecture (R-KMV 166), not the x64 mask it would be.
  const zeroLimit =
    zeroBits === undefined || zeroBits === HUGE_64 ? undefined : zeroBitsLimit(zeroBits, limits)
  if (zeroLimit === undefined) return fail(STATUS_INVALID_PARAMETER_4)
  if (requestedBase !== 0 && requestedBase > zeroLimit) return fail(STATUS_INVALID_PARAMETER_4)
  const commitSize = capturePointer(args.commitSize, limits)
  const offsetValue = args.sectionOffset === undefined ? 0 : args.sectionOffset
  const offset =
    typeof offsetValue === 'number' && Number.isSafeInteger(offsetValue) && offsetValue >= 0
      ? offsetValue
      : undefined
  // 6. The process handle.
  const processHandle = captureHandle(args.processHandle, limits)
  if (processHandle === undefined) return fail(STATUS_INVALID_HANDLE)
  const process = referenceProcess(context, processHandle, PROCESS_VM_OPERATION, { skipForCurrent: false })
  if (process.target === undefined) return fail(process.status)
  try {
    // 7. The section handle, with the access the protection needs.
    const sectionHandle = captureHandle(args.sectionHandle, limits)
    if (sectionHandle === undefined) return fail(STATUS_INVALID_HANDLE)
    const section = context.ob.referenceObjectByHandle({
      pid: context.pid,
      handle: sectionHandle,
      desiredAccess: sectionAccessFor(protect),
      objectType: 'Section',
      mode: context.mode,
    })
    if (!('object' in section)) return fail(section.status)
    try {
      const body = section.object.body as SectionBody
      // 8. Alignment (AT_ROUND_TO_PAGE on x86 and placeholders: page alignment).
      const relaxed = (allocationType & (AT_ROUND_TO_PAGE | MEM_REPLACE_PLACEHOLDER)) !== 0
      const alignment = relaxed ? PAGE : GRANULARITY
      const base = relaxed ? requestedBase - (requestedBase % PAGE) : requestedBase
      if (base % alignment !== 0) return fail(STATUS_MAPPED_ALIGNMENT)
      if (offset === undefined) return fail(STATUS_INVALID_VIEW_SIZE)
      if ((offset % 2 ** 32) % alignment !== 0) return fail(STATUS_MAPPED_ALIGNMENT)
      const highestAddress = Math.min(zeroLimit, limits.highestVadAddress)
      // §15.4: images (mapImageView.ts); CommitSize is ignored, Win32Protect only chose the access.
      if (isImageSection(body)) {
        const viewed = mapImageView(context, {
          pid: process.target.pid,
          body,
          base,
          offset,
          requestedSize,
          highestAddress,
          allocationType,
          protect,
        })
        if (viewed.baseAddress === undefined) return fail(viewed.status)
        return {
          status: viewed.status,
          baseAddress: viewed.baseAddress,
          viewSize: viewed.viewSize!,
          sectionOffset: args.sectionOffset,
        }
      }
      // §4.3: data sections. MEM_RESERVE (file-backed only) lets the view run past the section
      // (R-KMV 198): the pages past the segment stay reserved until NtExtendSection grows it.
      const reserve = (allocationType & MEM_RESERVE) !== 0
      if (reserve && body.fileId < 0) return fail(STATUS_INVALID_PARAMETER_9)
      if (!isCompatibleProtection(protect, body.protection)) return fail(STATUS_SECTION_PROTECTION)
      // MmMapViewOfSection: MEM_RESERVE needs a section created READWRITE or EXECUTE_READWRITE,
      // whatever the view's protection (R-KMV 223: a READONLY file section mapped READONLY).
      if (reserve && (body.protection & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE)) === 0)
        return fail(STATUS_SECTION_PROTECTION)
      if (offset >= body.size) return fail(STATUS_INVALID_VIEW_SIZE)
      if (requestedSize !== 0 && offset + requestedSize > body.size && !reserve)
        return fail(STATUS_INVALID_VIEW_SIZE)
      const size = requestedSize === 0 ? body.size - offset : requestedSize
      // With MEM_RESERVE a CommitSize above the view is no error (R-KMV 176–177).
      if (commitSize === undefined || (commitSize > size && !reserve)) return fail(STATUS_INVALID_PARAMETER_5)
      const pages = Math.ceil((size + (offset % PAGE)) / PAGE)
      const nocache = (body.attributes & SEC_NOCACHE) !== 0 ? PAGE_NOCACHE : 0
      const mapped = context.mm.mapView(context.mm.addressSpace(process.target.pid)!, {
        segmentId: body.segmentId,
        offsetPages: Math.floor(offset / PAGE),
        pages,
        ...(base === 0 ? {} : { base }),
        topDown: (allocationType & MEM_TOP_DOWN) !== 0,
        highestAddress,
        protect,
        allocationProtect: protect | nocache,
        ...(reserve ? { extendable: true } : {}),
      })
      if (mapped.area === undefined) return fail(mapped.status)
      // SEC_RESERVE: the first CommitSize bytes of the view are committed in the segment.
      if ((body.attributes & SEC_RESERVE) !== 0 && commitSize > 0) {
        const committed = context.mm.commitSegmentPages(
          body.segmentId,
          Math.floor(offset / PAGE),
          Math.ceil(commitSize / PAGE),
        )
        if (committed.status !== STATUS_SUCCESS) {
          context.mm.unmapView(context.mm.addressSpace(process.target.pid)!, mapped.area)
          return fail(committed.status)
        }
      }
      return {
        status: STATUS_SUCCESS,
        baseAddress: mapped.area.startingAddress,
        viewSize: pages * PAGE,
        sectionOffset: args.sectionOffset,
      }
    } finally {
      context.ob.dereferenceObject(section.object.id)
    }
  } finally {
    releaseProcess(context, process.target)
  }
}

/** NtUnmapViewOfSection(ProcessHandle, BaseAddress): any address inside a view unmaps all of it (§10). */
export function ntUnmapViewOfSection(
  context: ServiceContext,
  args: { readonly processHandle: number; readonly baseAddress: number },
): { readonly status: number } {
  const address = capturePointer(args.baseAddress, context.limits)
  // A kernel address is not a view, before the handle is used (R-A3S).
  if (address === undefined || address > context.limits.highestUserAddress)
    return { status: STATUS_NOT_MAPPED_VIEW }
  const handle = captureHandle(args.processHandle, context.limits)
  if (handle === undefined) return { status: STATUS_INVALID_HANDLE }
  const process = referenceProcess(context, handle, PROCESS_VM_OPERATION, { skipForCurrent: false })
  if (process.target === undefined) return { status: process.status }
  try {
    const space = context.mm.addressSpace(process.target.pid)
    const area = space?.record?.tree.locate(address)
    if (space === undefined || area?.view === undefined) return { status: STATUS_NOT_MAPPED_VIEW }
    return { status: context.mm.unmapView(space, area).status }
  } finally {
    releaseProcess(context, process.target)
  }
}
