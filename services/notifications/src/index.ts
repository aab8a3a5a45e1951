export { NOTICE_CONSUMER } from "./adapters/messaging/notice-consumer.js";
export { type NotificationsOptions, notificationsService, notificationsSpec, SERVICE_NAME } from "./app.js";
export { type NotificationsConfig, notificationsEnv } from "./config.js";
export { notificationsMigrations, notificationsTables } from "./migrations.js";
