// NtQuerySection (NT-SECTIONS §11) and NtExtendSection (§12, [unverified]: no Wine test exists and
// ReactOS is broken, so the recommended behaviour of the rules is implemented: SECTION_EXTEND_SIZE,
// STATUS_SECTION_NOT_EXTENDED for pagefile and image sections, a larger size grows a data section
// and, with a writable protection, its file; a smaller one changes nothing).

import { captureHandle } from './captureArguments.js'
import { PAGE_EXECUTE_READWRITE, PAGE_READWRITE } from './memoryConstants.js'
import {
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_INFO_CLASS,
  STATUS_INVALID_PARAMETER_2,
  STATUS_SUCCESS,
} from './ntStatus.js'
import type { SectionBody } from './objectHeader.js'
import type { SectionImageInfo } from './peImage.js'
import {
  SEC_IMAGE,
  SECTION_EXTEND_SIZE,
  SECTION_QUERY,
  STATUS_SECTION_NOT_EXTENDED,
  STATUS_SECTION_NOT_IMAGE,
  STATUS_SECTION_TOO_BIG,
} from './sectionConstants.js'
import type { ServiceContext } from './serviceContext.js'

/** SectionBasicInformation. */
export const SectionBasicInformation = 0
/** SectionImageInformation. */
export const SectionImageInformation = 1

/** SECTION_BASIC_INFORMATION. */
export interface SectionBasicInfo {
  /** NULL except for SEC_BASED sections (not modelled). */
  readonly baseAddress: number
  readonly attributes: number
  readonly size: number
}

/** The section a handle names, referenced with `access`; `release` drops the reference. */
function referenceSection(
  context: ServiceContext,
  value: unknown,
  access: number,
): { status: number; body?: SectionBody; objectId?: number } {
  const handle = captureHandle(value, context.limits)
  if (handle === undefined) return { status: STATUS_INVALID_HANDLE }
  const result = context.ob.referenceObjectByHandle({
    pid: context.pid,
    handle,
    desiredAccess: access,
    objectType: 'Section',
    mode: context.mode,
  })
  if (!('object' in result)) return { status: result.status }
  context.ob.dereferenceObject(result.object.id)
  return { status: STATUS_SUCCESS, body: result.object.body as SectionBody, objectId: result.object.id }
}

/**
 * NtQuerySection(SectionHandle, SectionInformationClass): the class first (an unknown one
 * STATUS_INVALID_INFO_CLASS; the buffer length is the structure's own here, so
 * STATUS_INFO_LENGTH_MISMATCH cannot arise), then SECTION_QUERY, then SectionImageInformation of a
 * data section STATUS_SECTION_NOT_IMAGE; of an image section the SECTION_IMAGE_INFORMATION read
 * from its headers at creation (§15.5).
 */
export function ntQuerySection(
  context: ServiceContext,
  args: { readonly sectionHandle: number; readonly sectionInformationClass: number },
): { readonly status: number; readonly info: SectionBasicInfo | SectionImageInfo | null } {
  const informationClass = args.sectionInformationClass
  if (informationClass !== SectionBasicInformation && informationClass !== SectionImageInformation)
    return { status: STATUS_INVALID_INFO_CLASS, info: null }
  const section = referenceSection(context, args.sectionHandle, SECTION_QUERY)
  if (section.body === undefined) return { status: section.status, info: null }
  if (informationClass === SectionImageInformation) {
    const image = section.body.image
    if (image === undefined) return { status: STATUS_SECTION_NOT_IMAGE, info: null }
    return { status: STATUS_SUCCESS, info: image.information }
  }
  const { attributes, size } = section.body
  return { status: STATUS_SUCCESS, info: { baseAddress: 0, attributes, size } }
}

/** NtExtendSection(SectionHandle, NewSectionSize) → the section's size after the call. */
export function ntExtendSection(
  context: ServiceContext,
  args: { readonly sectionHandle: number; readonly newSectionSize: number },
): { readonly status: number; readonly size: number } {
  const section = referenceSection(context, args.sectionHandle, SECTION_EXTEND_SIZE)
  const body = section.body
  if (body === undefined || section.objectId === undefined) return { status: section.status, size: 0 }
  if (body.fileId < 0 || (body.attributes & SEC_IMAGE) !== 0)
    return { status: STATUS_SECTION_NOT_EXTENDED, size: 0 }
  const requested = args.newSectionSize
  if (typeof requested !== 'number' || !Number.isSafeInteger(requested) || requested < 0)
    return { status: STATUS_INVALID_PARAMETER_2, size: 0 }
  if (requested <= body.size) return { status: STATUS_SUCCESS, size: body.size }
  if (requested > 2 ** 44) return { status: STATUS_SECTION_TOO_BIG, size: 0 }
  const fileSize = context.mm.fileSize(body.fileId) ?? 0
  if (requested > fileSize) {
    const writable = body.protection === PAGE_READWRITE || body.protection === PAGE_EXECUTE_READWRITE
    if (!writable) return { status: STATUS_SECTION_NOT_EXTENDED, size: 0 }
    context.mm.setFileSize(body.fileId, requested)
  }
  const segment = context.mm.segmentInfo(body.segmentId)
  if (segment !== undefined && segment.sizeBytes < requested)
    context.mm.extendSegment(body.segmentId, requested)
  context.ob.setSectionSize(section.objectId, requested)
  return { status: STATUS_SUCCESS, size: requested }
}
