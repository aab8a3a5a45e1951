// Preloaded (`node --import`) into every service the launcher starts. The services run in their own
// process group, so that Ctrl-C reaches only the launcher and the launcher stops them in order; the
// price is that they would outlive a launcher killed with SIGKILL. This guard closes that gap: once
// the launcher is gone, the service stops itself gracefully, exactly as on SIGTERM.

const launcher = process.ppid;

const timer = setInterval(() => {
  try {
    process.kill(launcher, 0);
  } catch {
    clearInterval(timer);
    process.kill(process.pid, "SIGTERM");
  }
}, 1_000);
timer.unref();

export {};
