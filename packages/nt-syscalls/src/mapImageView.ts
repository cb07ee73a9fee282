// The image half of NtMapViewOfSection (NT-SECTIONS §15.4; Windows MiMapViewOfImageSection, ReactOS
// MmMapViewOfSection's image branch): after the common checks of ntMapViewOfSection.ts, an image
// view is always the whole image (ROUND_UP(SizeOfImage, 4096)), its pages protected as the layout
// says (mm-core's image segment), its AllocationProtect PAGE_EXECUTE_WRITECOPY. The kernel does not
// relocate: it tries the preferred base (OptionalHeader.ImageBase) and otherwise takes any free
// 64 KiB-aligned range, which the caller learns from STATUS_IMAGE_NOT_AT_BASE.
//
// Choices where the rules leave room, all [unverified]:
// - a non-zero SectionOffset, or a ViewSize that is not the image's size once rounded to a page,
//   gives STATUS_INVALID_VIEW_SIZE (newer Windows maps partial images and 64 KiB offsets);
// - MEM_RESERVE gives STATUS_INVALID_PARAMETER_9 (reserving an image view has no meaning);
// - an image with relocations stripped (IMAGE_FILE_RELOCS_STRIPPED) maps only at its preferred
//   base: when that range is busy, or BaseAddress names another address, the result is
//   STATUS_CONFLICTING_ADDRESSES and nothing is mapped (no loader could fix the image up).

import { NtStatus } from '@ntmm/mm-core'
import { MEM_RESERVE, MEM_TOP_DOWN, PAGE_EXECUTE_WRITECOPY } from './memoryConstants.js'
import type { SectionBody, SectionImage } from './objectHeader.js'
import { imageViewStatus } from './peImage.js'
import { STATUS_INVALID_PARAMETER_9, STATUS_INVALID_VIEW_SIZE } from './sectionConstants.js'
import type { ServiceContext } from './serviceContext.js'

const PAGE = 0x1000
const GRANULARITY = 0x10000

/** What the common part of NtMapViewOfSection has validated for an image view. */
export interface ImageViewRequest {
  /** The process the view goes into. */
  readonly pid: number
  /** The section (an image: `body.image` is set). */
  readonly body: SectionBody & { readonly image: SectionImage }
  /** *BaseAddress, aligned (0: the kernel chooses). */
  readonly base: number
  /** *SectionOffset (0 when NULL). */
  readonly offset: number
  /** *ViewSize as given. */
  readonly requestedSize: number
  /** The highest address the view may reach (the ZeroBits limit, clipped to the user range). */
  readonly highestAddress: number
  readonly allocationType: number
  /** The access Win32Protect asked for; it decides no page protection of an image view (§15.4). */
  readonly protect: number
}

/** The result of mapping an image view: the view's base and size on success (and for the two success codes). */
export interface ImageViewResult {
  readonly status: number
  readonly baseAddress?: number
  readonly viewSize?: number
}

/** The segment already has a view in `pid`: a second view never goes at the preferred base (§15.4). */
function alreadyMapped(context: ServiceContext, segmentId: number, pid: number): boolean {
  return context.mm.segmentInfo(segmentId)?.views.some((view) => view.pid === pid) === true
}

/** Maps an image view (see the file comment); never throws for a caller's mistake. */
export function mapImageView(context: ServiceContext, request: ImageViewRequest): ImageViewResult {
  const { body, pid } = request
  const { image } = body
  if ((request.allocationType & MEM_RESERVE) !== 0) return { status: STATUS_INVALID_PARAMETER_9 }
  if (request.offset !== 0) return { status: STATUS_INVALID_VIEW_SIZE }
  const pages = image.viewSize / PAGE
  if (request.requestedSize !== 0 && Math.ceil(request.requestedSize / PAGE) !== pages)
    return { status: STATUS_INVALID_VIEW_SIZE }
  const space = context.mm.addressSpace(pid)!
  const map = (base: number | undefined) =>
    context.mm.mapView(space, {
      segmentId: body.segmentId,
      offsetPages: 0,
      pages,
      ...(base === undefined ? {} : { base }),
      topDown: (request.allocationType & MEM_TOP_DOWN) !== 0,
      highestAddress: request.highestAddress,
      protect: request.protect,
      allocationProtect: PAGE_EXECUTE_WRITECOPY,
    })
  const preferred = image.imageBase
  let mapped: ReturnType<typeof map>
  if (request.base !== 0) {
    if (!image.relocatable && request.base !== preferred)
      return { status: NtStatus.STATUS_CONFLICTING_ADDRESSES }
    mapped = map(request.base)
  } else {
    const fits =
      preferred % GRANULARITY === 0 &&
      preferred >= context.limits.lowestUserAddress &&
      preferred + image.viewSize - 1 <= request.highestAddress
    const tryPreferred = fits && !alreadyMapped(context, body.segmentId, pid)
    mapped = tryPreferred ? map(preferred) : { status: NtStatus.STATUS_CONFLICTING_ADDRESSES }
    const placementFailed = mapped.area === undefined && mapped.status !== NtStatus.STATUS_COMMITMENT_LIMIT
    if (placementFailed) {
      if (!image.relocatable) return { status: NtStatus.STATUS_CONFLICTING_ADDRESSES }
      mapped = map(undefined)
    }
  }
  if (mapped.area === undefined) return { status: mapped.status }
  const status = imageViewStatus(
    { imageBase: preferred, machine: image.information.machine },
    {
      viewBase: mapped.area.startingAddress,
      architecture: context.limits.pointerBits === 64 ? 'x64' : 'x86',
    },
  )
  return { status, baseAddress: mapped.area.startingAddress, viewSize: image.viewSize }
}

/** Whether a section is an image section, narrowing its body. */
export function isImageSection(body: SectionBody): body is SectionBody & { readonly image: SectionImage } {
  return body.image !== undefined
}
