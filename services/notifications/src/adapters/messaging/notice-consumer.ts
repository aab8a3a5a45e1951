import { EventConsumer, type EventConsumerOptions, on } from "@kopru/bus";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import type { NotificationsDeps } from "../../application/ports.js";
import { receiveNotice } from "../../application/receive-notice.js";

export const NOTICE_CONSUMER = "notifications-notices";

/** Every staff notice of the network (`kopru.v1.notice.>`), each kept once. */
export function noticeConsumer(
  deps: Pick<NotificationsDeps, "clock" | "logger" | "email" | "afterCommit">,
  base: Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">,
  name: string = NOTICE_CONSUMER,
  startAt: "beginning" | "now" = "beginning",
): EventConsumer {
  return new EventConsumer({
    ...base,
    name,
    startAt,
    stream: STREAMS.notice.name,
    filterSubject: SUBJECTS.allNotices,
    handlers: [on(EVENTS.staffNotice, (tx, event) => receiveNotice(deps, tx, event))],
    afterCommit: () => deps.afterCommit(),
  });
}
