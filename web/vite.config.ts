// The demo shop and its buying guide, the agent console and the dashboard: the pages, built
// into the Python package's static folder.
import { resolve } from "node:path";
import { defineConfig } from "vite";

const out = resolve(__dirname, "../src/guiders/web/static");

export default defineConfig({
  root: resolve(__dirname, "src"),
  base: "/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: out,
    emptyOutDir: true,
    target: "es2020",
    rollupOptions: {
      input: {
        shop: resolve(__dirname, "src/index.html"),
        guide: resolve(__dirname, "src/buying-guide.html"),
        console: resolve(__dirname, "src/console/index.html"),
        dashboard: resolve(__dirname, "src/dashboard/index.html"),
      },
    },
  },
});
