import { DigestFrequency } from "@kopru/contracts/notification/v1/notification";
import { type Notice, noticeDetails, noticeLink, noticeTitle } from "../../domain/notice.js";

// Emails carry what a notice carries — a kind, codes, a deadline and a link with ids — and nothing
// about the person: no name, no case text. Anyone who can read the mailbox learns only that there
// is something to look at in Köprü, and must log in to see it.

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] ?? char,
  );
}

const FOOTER =
  "You receive this because of your work in Köprü. Change what is emailed to you with " +
  "`kopru notifications prefs` or in the console. This message holds no personal data: log in to see the details.";

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; max-inline-size: 36rem;">
${body}
<p style="color: #555; font-size: 0.9em;">${escapeHtml(FOOTER)}</p>
</body></html>`;
}

export function renderNoticeEmail(notice: Notice, consoleUrl: string): RenderedEmail {
  const title = noticeTitle(notice);
  const link = noticeLink(consoleUrl, notice);
  const details = noticeDetails(notice);
  return {
    subject: `Köprü: ${title}`,
    text: [
      title,
      "",
      ...details,
      ...(details.length > 0 ? [""] : []),
      `Open it in Köprü: ${link}`,
      "",
      FOOTER,
    ].join("\n"),
    html: page(
      title,
      `<h1 style="font-size: 1.2em;">${escapeHtml(title)}</h1>
${details.length > 0 ? `<ul>${details.map((d) => `<li>${escapeHtml(d)}</li>`).join("")}</ul>` : ""}
<p><a href="${escapeHtml(link)}">Open it in Köprü</a></p>`,
    ),
    headers: { "X-Kopru-Notice-Id": notice.noticeId },
  };
}

const PERIOD: Partial<Record<DigestFrequency, string>> = {
  [DigestFrequency.DIGEST_FREQUENCY_HOURLY]: "this hour",
  [DigestFrequency.DIGEST_FREQUENCY_DAILY]: "today",
  [DigestFrequency.DIGEST_FREQUENCY_WEEKLY]: "this week",
};

export function renderDigestEmail(
  notices: readonly Notice[],
  frequency: DigestFrequency,
  consoleUrl: string,
): RenderedEmail {
  const period = PERIOD[frequency] ?? "lately";
  const subject = `Köprü: ${notices.length} update${notices.length === 1 ? "" : "s"} ${period}`;
  const feed = `${consoleUrl.replace(/\/$/, "")}/notifications`;
  const items = notices.map((notice) => ({
    title: noticeTitle(notice),
    link: noticeLink(consoleUrl, notice),
  }));
  return {
    subject,
    text: [
      subject,
      "",
      ...items.map((item) => `- ${item.title}: ${item.link}`),
      "",
      `All of them: ${feed}`,
      "",
      FOOTER,
    ].join("\n"),
    html: page(
      subject,
      `<h1 style="font-size: 1.2em;">${escapeHtml(subject)}</h1>
<ul>${items.map((item) => `<li><a href="${escapeHtml(item.link)}">${escapeHtml(item.title)}</a></li>`).join("")}</ul>
<p><a href="${escapeHtml(feed)}">All of them</a></p>`,
    ),
    headers: { "X-Kopru-Digest": String(notices.length) },
  };
}
