// Shared vitest settings for every package: tests import sibling packages from their TypeScript
// sources (the "@ntmm/source" export condition), so no build is needed before testing.
import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

const conditions = ['@ntmm/source', ...defaultServerConditions]

export function packageTestConfig(name: string) {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@ntmm/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Generous: turbo runs every package's suite at once on a 2-core machine, so a property test
      // that takes 2 s alone can take 10 s there. Test sizes are bounded by their case counts.
      testTimeout: 60_000,
      hookTimeout: 60_000,
      reporters: process.env.CI
        ? ['dot', ['json', { outputFile: '.vitest-report.json' }]]
        : ['default', ['json', { outputFile: '.vitest-report.json' }]],
    },
  })
}
