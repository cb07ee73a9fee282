// `ntmm replay <trace>`: rebuilds the machine a trace recorded and prints its state right after an
// event (NtQueryVirtualMemory of every process); --verify re-executes the inputs and checks the
// recorded state digests, reporting the first divergence of each.

import type { Command } from 'commander'
import type { DeterminismReport, DigestReport } from '@ntmm/nt-syscalls'
import { type CliIo, paint } from '../cliIo.js'
import { commandProgress } from '../progress.js'
import type { CommandContext } from './commandContext.js'
import { examples, integerOption } from './options.js'
import { printJson, printLines } from './output.js'

/** What --verify found: the re-execution, and the recorded digests when the file has any; a line each. */
function verifyLines(io: CliIo, determinism: DeterminismReport, digests: DigestReport): string[] {
  return [
    determinism.ok
      ? paint(
          io,
          'green',
          `verify: re-execution reproduced all ${determinism.events} events from ${determinism.inputs} inputs`,
        )
      : paint(
          io,
          'red',
          `verify: first divergence at event #${determinism.seq}: recorded ${JSON.stringify(determinism.recorded)}, re-execution gave ${JSON.stringify(determinism.reproduced)}`,
        ),
    // Only a file saved with digestEvery records digests: say nothing of those it does not have.
    ...(digests.ok && digests.checked === 0
      ? []
      : digests.ok
        ? [
            paint(
              io,
              'green',
              `verify: all ${digests.checked} recorded state digests match the rebuilt machine`,
            ),
          ]
        : [
            paint(
              io,
              'red',
              `verify: the state digest recorded at seq ${digests.seq} is ${digests.expected}, the machine rebuilt there gives ${digests.actual} (${digests.checked} earlier digests matched)`,
            ),
          ]),
  ]
}

/** Registers `replay` on the program; a re-execution that diverges is a finding (exit code 1). */
export function registerReplayCommand(program: Command, { io, setExitCode }: CommandContext): void {
  program
    .command('replay')
    .description(
      'rebuild the machine from a trace: the state right after an event (default: the end); --verify re-executes',
    )
    .argument('<trace>', 'a trace file written by record or import')
    .option('--at <seq>', 'the event (-1: before the first)', integerOption('--at', -1))
    .option(
      '--verify',
      're-execute the recorded inputs on a fresh machine and check the recorded state digests; report the first divergence (exit code 1)',
    )
    .option(
      '--json',
      'print { seq, processes: [{ pid, name, regions: [MEMORY_BASIC_INFORMATION] }], stats } (and determinism, digests with --verify)',
    )
    .addHelpText(
      'after',
      examples([
        'ntmm replay article.ntt',
        'ntmm replay article.ntt --at 30 --json',
        'ntmm replay article.ntt --verify',
      ]),
    )
    .action(async (path: string, options: { at?: number; verify?: boolean; json?: boolean }) => {
      const [{ checkSeq, machineLines, openTrace, replayLines }, { machineAtFromIndex }] = await Promise.all([
        import('../traceCommands.js'),
        import('../traceSeek.js'),
      ])
      const progress = commandProgress(io, 'replay')
      // Without --verify, a trace with state blocks answers from the nearest one, not loaded.
      const seeked =
        options.verify === true ? undefined : await machineAtFromIndex(io, path, options.at, progress)
      let lines: string[]
      let json: unknown
      let determinism: DeterminismReport | undefined
      let digests: DigestReport | undefined
      if (seeked !== undefined) ({ lines, json } = machineLines(seeked, path, seeked.seq))
      else {
        const trace = await openTrace(io, path, { verify: options.verify === true, progress })
        const seq = checkSeq(trace, path, options.at)
        ;({ lines, json } = replayLines(trace, path, seq, progress))
        ;({ determinism, digests } = trace)
      }
      progress.stop()
      if (options.json) {
        printJson(io, determinism === undefined ? json : { ...(json as object), determinism, digests })
      } else {
        printLines(io, lines)
        if (determinism !== undefined && digests !== undefined)
          printLines(io, ['', ...verifyLines(io, determinism, digests)])
      }
      setExitCode((determinism?.ok ?? true) && (digests?.ok ?? true) ? 0 : 1)
    })
}
