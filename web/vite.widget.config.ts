// The widget: one self-contained script (IIFE) that a site embeds with a single <script> tag.
import { resolve } from "node:path";
import { defineConfig } from "vite";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir: resolve(__dirname, "../src/guiders/web/static"),
    emptyOutDir: false,
    target: "es2020",
    lib: {
      entry: resolve(__dirname, "src/widget/main.tsx"),
      name: "GuidersWidget",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
});
