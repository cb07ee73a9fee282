// @ntmm/mm-core: the public surface of the NT memory manager core.
export * from './memoryConstants.js'
export * from './ntStatus.js'
export {
  MmProtection,
  makeProtectionMask,
  maskAllowsExecute,
  maskAllowsRead,
  maskAllowsWrite,
  maskIsGuard,
  protectionMaskToWin32,
} from './protectionMask.js'
