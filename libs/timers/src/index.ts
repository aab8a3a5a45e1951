export {
  cancelTimer,
  type DueTimer,
  scheduleTimer,
  type TimerClock,
  type TimerHandler,
  TimerWorker,
  type TimerWorkerOptions,
  timerMigrations,
} from "./timers.js";
