import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by the gateway under /console/. No inline scripts or styles anywhere in the output: the
// gateway's Content-Security-Policy has no 'unsafe-inline'.
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  resolve: { conditions: ["kopru-source"] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
