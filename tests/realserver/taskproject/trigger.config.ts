import { defineConfig } from "@trigger.dev/sdk";

// The project ref comes from the environment so one copy serves any seeded project.
export default defineConfig({
  project: process.env.TRIGGER_PROJECT_REF ?? "proj_demo",
  dirs: ["./src/trigger"],
  maxDuration: 300,
  retries: { enabledInDev: false, default: { maxAttempts: 1 } },
});
