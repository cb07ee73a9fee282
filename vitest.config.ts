// One vitest project per package: `pnpm vitest` at the root runs every package's tests together.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
})
