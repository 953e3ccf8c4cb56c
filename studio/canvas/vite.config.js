import { defineConfig } from "vite";

// A library build for NiceGUI: one ES module, dist/index.js, that canvas.js imports as
// "swarm-canvas". `vue` stays external so the importmap hands it NiceGUI's own Vue: a second
// copy would break reactivity and provide/inject between the two.
export default defineConfig({
  build: {
    lib: {
      entry: "./src/index.js",
      fileName: () => "index.js",
      formats: ["es"],
    },
    rolldownOptions: {
      external: ["vue"],
    },
    target: "es2020",
    minify: true,
    sourcemap: true,
    emptyOutDir: true,
  },
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
});
