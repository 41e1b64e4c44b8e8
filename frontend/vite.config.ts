import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = process.env.REFLOOP_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/v1': api, '/fhir': api, '/docs': api, '/openapi.json': api },
  },
  build: { chunkSizeWarningLimit: 1500 },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    testTimeout: 20_000,
  },
});
