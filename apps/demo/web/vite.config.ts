// Vite builds the explorer's page into apps/demo/dist/web, which `ntmm serve` serves. In development
// (`pnpm exec vite web` in apps/demo), /api is proxied to a running `ntmm serve` (NTMM_API, default
// http://127.0.0.1:5174).
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': process.env.NTMM_API ?? 'http://127.0.0.1:5174' },
  },
})
