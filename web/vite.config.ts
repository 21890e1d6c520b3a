// The web app's build: a React single-page app served by the API process at /app (api/web-app.ts).
// It may import the pure core (core/access for who may do what), never the server.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/app/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  // `npx vite --config web/vite.config.ts` while `npm start` runs: the app with hot reload, the API behind it.
  server: {
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: { '/v1': `http://127.0.0.1:${process.env.PORT ?? '3000'}` },
  },
});
