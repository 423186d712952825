import { schedules, task } from "@trigger.dev/sdk";

// The same tasks, with the same outcomes, as the emulator's fixture (tests/emulator/README.md).
export const helloWorld = task({
  id: "hello-world",
  run: async (payload: { name?: string }) => ({ message: `Hello, ${payload?.name ?? "world"}` }),
});

export const alwaysFails = task({
  id: "always-fails",
  run: async () => {
    throw new Error("Task always-fails failed on purpose");
  },
});

export const crashes = task({
  id: "crashes",
  run: async () => {
    process.exit(1);
  },
});

export const slowTask = task({
  id: "slow-task",
  run: async () => {
    await new Promise((resolve) => setTimeout(resolve, 5000));
    return { message: "Hello, slow" };
  },
});

export const dailyReport = schedules.task({
  id: "daily-report",
  run: async () => ({ ok: true, task: "daily-report" }),
});

export const hourlySync = schedules.task({
  id: "hourly-sync",
  run: async () => ({ ok: true, task: "hourly-sync" }),
});
