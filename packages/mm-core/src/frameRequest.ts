// Who asks MmRequestPageMemoryConsumer for a frame (pageMemoryConsumer.ts; the 'nt' policy's
// request in ntBalanceSet.ts): a leaf, so MmCore can name the 'nt' hook's argument without
// importing the frame supply.

/** Who asks for a frame. */
export interface FrameRequest {
  readonly purpose: 'private-page' | 'page-table' | 'system' | 'segment-page'
  /** The process whose fault or call needs the frame. */
  readonly pid: number
  readonly address: number
  /** A section page's frame: its segment and the page's byte offset in it. */
  readonly segment?: { readonly id: number; readonly offset: number }
  /**
   * 'overwritten': the caller fills the whole frame (a page-in), so the 'nt' policy takes it free
   * list first and does not zero it; 'zero' (the default) needs a zeroed frame.
   */
  readonly contents?: 'zero' | 'overwritten'
}
