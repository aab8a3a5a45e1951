import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { type ProblemError, rpc } from "../../api/client.js";
import { rpcKey, useRpcMutation } from "../../api/hooks.js";
import { useCapabilities } from "../../api/session.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { isUnread, isUrgent, type Notification, referralRoute } from "./feed.js";
import "./notifications.css";

const PAGE_SIZE = 50;

export default function NotificationsPage() {
  const { t } = useTranslation("notifications");
  const { t: tc } = useTranslation();
  const format = useFormat();
  const vocabulary = useVocabulary();
  const can = useCapabilities();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [message, setMessage] = useState<string>();
  const statusRef = useRef<HTMLDivElement>(null);

  // The key starts with the service, so the mutations below (and the layout's unread badge) refresh it.
  const request = { unreadOnly };
  const feed = useInfiniteQuery({
    queryKey: rpcKey("notifications", "ListNotifications", { ...request, feed: true }),
    queryFn: ({ pageParam, signal }) =>
      rpc(
        "notifications",
        "ListNotifications",
        { ...request, page: { pageSize: PAGE_SIZE, pageToken: pageParam } },
        { signal },
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.page?.nextPageToken || undefined,
  });
  const error = feed.error as ProblemError | null;
  const entries = useMemo(
    () => (feed.data?.pages ?? []).flatMap((page) => page.notifications ?? []),
    [feed.data],
  );
  const unreadCount = feed.data?.pages[0]?.unreadCount ?? 0;

  const mark = useRpcMutation("notifications", "MarkNotificationsRead");
  const announce = (text: string) => {
    setMessage(text);
    // The entry (or its button) may leave the list: keep the keyboard in a sensible place.
    requestAnimationFrame(() => statusRef.current?.focus());
  };
  const markOne = (notification: Notification) => {
    if (!notification.notificationId) return;
    mark.mutate(
      { request: { notificationIds: [notification.notificationId] } },
      { onSuccess: () => announce(t("markedOne", { title: notification.title ?? "" })) },
    );
  };
  const markAll = () =>
    mark.mutate(
      { request: { all: true } },
      { onSuccess: (answer) => announce(t("markedAll", { marked: format.number(answer.marked ?? 0) })) },
    );

  return (
    <Page
      title={tc("nav.notifications")}
      actions={
        <button
          type="button"
          className="button"
          onClick={markAll}
          disabled={mark.isPending || unreadCount === 0}
        >
          {t("markAll")}
        </button>
      }
    >
      <p className="hint">{t("unread", { unread: format.number(unreadCount) })}</p>
      <fieldset className="inline-choices feed-filter">
        <legend>{t("show")}</legend>
        <label className="choice">
          <input
            type="radio"
            name="feed-filter"
            checked={!unreadOnly}
            onChange={() => setUnreadOnly(false)}
          />
          <span>{t("showAll")}</span>
        </label>
        <label className="choice">
          <input type="radio" name="feed-filter" checked={unreadOnly} onChange={() => setUnreadOnly(true)} />
          <span>{t("showUnread")}</span>
        </label>
      </fieldset>
      <div ref={statusRef} tabIndex={-1} role="status" className="feed-status">
        {message ? <p className="notice-ok">{message}</p> : null}
      </div>
      <ProblemMessage error={mark.error} />
      {feed.isPending ? <Loading /> : null}
      <ProblemMessage error={error} />
      {feed.data ? (
        entries.length === 0 ? (
          <p className="empty">{unreadOnly ? t("emptyUnread") : t("empty")}</p>
        ) : (
          <ol className="feed" aria-label={t("feedLabel")}>
            {entries.map((notification) => {
              const unread = isUnread(notification);
              const route = referralRoute(can, notification);
              return (
                <li key={notification.notificationId} className={unread ? "feed-entry unread" : "feed-entry"}>
                  <div className="feed-head">
                    {unread ? <span className="unread-label">{t("unreadLabel")}</span> : null}
                    {isUrgent(notification) ? (
                      <span className="overdue-label">{vocabulary(notification.urgency)}</span>
                    ) : null}
                    <span className="status">{vocabulary(notification.kind)}</span>
                    <time dateTime={notification.occurredAt ?? notification.createdAt}>
                      {format.dateTime(notification.occurredAt ?? notification.createdAt)}
                    </time>
                  </div>
                  <p className="feed-title">
                    <bdi>{notification.title}</bdi>
                  </p>
                  <ul className="feed-details">
                    {notification.serviceType ? <li>{vocabulary(notification.serviceType)}</li> : null}
                    {notification.priority ? <li>{vocabulary(notification.priority)}</li> : null}
                    {notification.status ? <li>{vocabulary(notification.status)}</li> : null}
                    {notification.dueAt ? (
                      <li>{t("due", { time: format.dateTime(notification.dueAt) })}</li>
                    ) : null}
                  </ul>
                  <div className="feed-actions">
                    {route ? (
                      <Link {...route} className="button secondary">
                        {t("openReferral")}
                        <span className="visually-hidden"> {notification.title}</span>
                      </Link>
                    ) : null}
                    {unread ? (
                      <button
                        type="button"
                        className="button secondary"
                        disabled={mark.isPending}
                        onClick={() => markOne(notification)}
                      >
                        {t("markRead")}
                        <span className="visually-hidden"> {notification.title}</span>
                      </button>
                    ) : (
                      <span className="hint">
                        {t("readAt", { time: format.dateTime(notification.readAt) })}
                      </span>
                    )}
                  </div>
                </li>
              );
            })}
          </ol>
        )
      ) : null}
      {feed.hasNextPage ? (
        <button
          type="button"
          className="button secondary"
          disabled={feed.isFetchingNextPage}
          onClick={() => void feed.fetchNextPage()}
        >
          {feed.isFetchingNextPage ? tc("state.loading") : t("more")}
        </button>
      ) : null}
    </Page>
  );
}
