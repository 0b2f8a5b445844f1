// The console: a single-page app served by the service at /ui/ (src/api/console). Relative
// asset URLs (base "./") keep it working behind a path prefix; nothing is loaded from a CDN.
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    // no inline scripts: the page's Content-Security-Policy allows only 'self'
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
