// Unit tests of the web code's logic (no browser: the DOM parts it needs are stubbed per test).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
