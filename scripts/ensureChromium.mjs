// Makes sure the browser tests have a Chromium to drive: Debian's package at /usr/bin/chromium
// (playwright-core cannot download browsers on the machines this project runs on). Installs it
// with apt-get when missing and running as root on a Debian-like system; otherwise says that the
// browser tests will be skipped (or, under CI, fail).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const executable = process.env.NTMM_CHROMIUM ?? '/usr/bin/chromium'
if (existsSync(executable)) process.exit(0)

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
if (isRoot && hasApt) {
  console.log(`${executable} is missing: installing Debian's chromium with apt-get`)
  const run = (args) =>
    spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  if (run(['update', '-qq']).status !== 0 || run(['install', '-y', '-qq', 'chromium']).status !== 0) {
    console.error('apt-get could not install chromium: the browser tests cannot run')
    process.exit(1)
  }
  process.exit(0)
}
console.warn(
  `${executable} is missing and cannot be installed here (needs root and apt-get): ` +
    (process.env.CI ? 'the browser tests will fail under CI' : 'the browser tests will be skipped'),
)
