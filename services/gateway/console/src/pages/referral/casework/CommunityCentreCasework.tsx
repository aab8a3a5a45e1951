import { useQueries } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { type FormEvent, useId, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { rpc } from "../../../api/client.js";
import { rpcKey, useRpcMutation, useRpcQuery } from "../../../api/hooks.js";
import { useSession } from "../../../api/session.js";
import { type Column, DataTable } from "../../../components/DataTable.js";
import { Loading } from "../../../components/Page.js";
import { useFormat } from "../../../format.js";
import { useVocabulary } from "../../../i18n/vocabulary.js";
import { CaseworkProblem } from "./CaseworkProblem.js";
import {
  type Activity,
  type ActivityOffer,
  type AttendanceStatus,
  activityOffer,
  attendanceMarks,
  attendanceRate,
  attendanceRoster,
  canEndEnrolment,
  type Enrolment,
  enrolmentOfReferral,
  freeSeats,
} from "./enrolment.js";
import { ATTENDANCE_STATUSES } from "./enums.js";
import { CheckboxField, SelectField, SubmitButton, SuccessStatus, TextField } from "./Form.js";
import { fieldReasons, localDateTimeToInstant, nowLocalDateTime } from "./fields.js";
import { languageName } from "./languages.js";
import { formatList } from "./list.js";

/**
 * Community-centre case work: the centre's activities for the service the referral asks for, with
 * their free seats; enrolment (or the waiting list when full); attendance; completing the enrolment.
 */
export function CommunityCentreCasework({ referralId }: { referralId: string }) {
  const { t } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const session = useSession();
  const referral = useRpcQuery("inbox", "GetReferral", { referralId });
  const centres = useRpcQuery("community-centre", "ListCentres", {
    organisationIds: [session.organisationId],
    page: { pageSize: 500 },
  });
  const serviceType = referral.data?.referral?.serviceType;
  const centreIds = (centres.data?.centres ?? []).map((centre) => centre.centreId ?? "").filter(Boolean);
  const activities = useRpcQuery(
    "community-centre",
    "ListActivities",
    { centreIds, ...(serviceType ? { serviceTypes: [serviceType] } : {}), page: { pageSize: 500 } },
    { enabled: centreIds.length > 0 && serviceType !== undefined },
  );
  const list = activities.data?.activities ?? [];
  const rosters = useQueries({
    queries: list.map((activity) => {
      const request = { activityId: activity.activityId ?? "", page: { pageSize: 500 } };
      return {
        queryKey: rpcKey("community-centre", "ListEnrolments", request),
        queryFn: ({ signal }: { signal: AbortSignal }) =>
          rpc("community-centre", "ListEnrolments", request, { signal }),
      };
    }),
  });

  if (referral.isPending || centres.isPending || (activities.isPending && activities.fetchStatus !== "idle"))
    return <Loading />;
  const failure = referral.error ?? centres.error ?? activities.error ?? rosters.find((r) => r.error)?.error;
  if (failure) return <CaseworkProblem error={failure} />;
  if (rosters.some((roster) => roster.isPending)) return <Loading />;

  const status = referral.data?.referral?.status;
  const enrolments = rosters.flatMap((roster) => roster.data?.enrolments ?? []);
  const own = enrolmentOfReferral(enrolments, referralId);
  const ownActivity = own ? list.find((activity) => activity.activityId === own.activityId) : undefined;
  const ownRoster = own ? enrolments.filter((enrolment) => enrolment.activityId === own.activityId) : [];
  const waitlisted =
    status === "REFERRAL_STATUS_ON_HOLD" &&
    referral.data?.referral?.onHoldReason === "ON_HOLD_REASON_CAPACITY_FULL";

  return (
    <>
      {waitlisted ? (
        <p className="waitlist-notice">
          <strong>{t("cc.waitlisted")}</strong> {t("cc.waitlistedHint")}
        </p>
      ) : null}
      {own ? <EnrolmentSection enrolment={own} activity={ownActivity} /> : null}
      <section className="casework-section">
        <h3 id="cc-activities">{t("cc.activities", { service: vocabulary(serviceType) })}</h3>
        <ActivitiesTable
          activities={list}
          referralId={referralId}
          referralStatus={status}
          referralSequence={referral.data?.referral?.sequence}
          enrolled={own?.status === "ENROLMENT_STATUS_ENROLLED"}
        />
      </section>
      {own && ownActivity ? (
        <section className="casework-section">
          <h3 id="cc-roster">{t("cc.roster", { activity: ownActivity.title ?? "" })}</h3>
          <RosterTable roster={ownRoster} referralId={referralId} />
          {attendanceRoster(ownRoster).length > 0 ? (
            <AttendanceForm activity={ownActivity} roster={ownRoster} referralId={referralId} />
          ) : null}
        </section>
      ) : null}
    </>
  );
}

function seatsText(activity: Activity, t: TFunction<"casework">) {
  const free = freeSeats(activity);
  return free === 0
    ? t("cc.full", { capacity: activity.capacity ?? 0 })
    : t("cc.seatsFree", { count: free, capacity: activity.capacity ?? 0 });
}

function ActivitiesTable({
  activities,
  referralId,
  referralStatus,
  referralSequence,
  enrolled,
}: {
  activities: readonly Activity[];
  referralId: string;
  referralStatus: string | undefined;
  referralSequence: string | undefined;
  enrolled: boolean;
}) {
  const { t, i18n } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const enrol = useRpcMutation("community-centre", "EnrolParticipant", { invalidates: ["inbox"] });
  const waitlist = useRpcMutation("inbox", "PutReferralOnHold", { invalidates: ["community-centre"] });
  const [done, setDone] = useState<string>();
  const [fullAt, setFullAt] = useState<string>();

  const schedule = (activity: Activity) => {
    const plan = activity.schedule;
    if (!plan) return "—";
    return t("cc.schedule", {
      days: formatList(
        (plan.days ?? []).map((day) => vocabulary(day)),
        i18n.language,
      ),
      time: plan.startTime ?? "",
      length: format.duration((plan.sessionMinutes ?? 0) * 60),
      from: format.date(plan.firstSessionAt),
      to: plan.lastSessionAt ? format.date(plan.lastSessionAt) : t("cc.openEnded"),
    });
  };

  const act = (activity: Activity, offer: ActivityOffer) => {
    setDone(undefined);
    setFullAt(undefined);
    if (offer === "enrol")
      enrol.mutate(
        { request: { requestId: crypto.randomUUID(), activityId: activity.activityId ?? "", referralId } },
        {
          onSuccess: () => setDone(t("cc.enrolled", { activity: activity.title ?? "" })),
          onError: (error) => {
            if (error.code === "activity_full") setFullAt(activity.title ?? "");
          },
        },
      );
    else if (offer === "waitlist")
      waitlist.mutate(
        {
          request: {
            referralId,
            reason: "ON_HOLD_REASON_CAPACITY_FULL",
            ...(referralSequence ? { expectedSequence: referralSequence } : {}),
          },
        },
        { onSuccess: () => setDone(t("cc.waitlistDone")) },
      );
  };

  const columns: Column<Activity>[] = [
    {
      key: "title",
      header: t("cc.activity"),
      render: (row) => <bdi>{row.title}</bdi>,
      value: (row) => row.title,
    },
    {
      key: "kind",
      header: t("cc.kind"),
      render: (row) => vocabulary(row.kind),
      value: (row) => vocabulary(row.kind),
    },
    {
      key: "language",
      header: t("cc.language"),
      render: (row) =>
        row.level
          ? t("cc.languageLevel", {
              language: languageName(row.language ?? "", i18n.language),
              level: row.level,
            })
          : languageName(row.language ?? "", i18n.language),
      value: (row) => [row.language, row.level].filter(Boolean).join(" "),
    },
    { key: "schedule", header: t("cc.scheduleHeader"), render: schedule, value: schedule },
    {
      key: "status",
      header: t("cc.status"),
      render: (row) => vocabulary(row.status),
      value: (row) => vocabulary(row.status),
    },
    {
      key: "seats",
      header: t("cc.seats"),
      render: (row) => (
        <span className={freeSeats(row) === 0 ? "overdue-label" : undefined}>{seatsText(row, t)}</span>
      ),
      value: (row) => freeSeats(row),
    },
    {
      key: "action",
      header: t("cc.action"),
      render: (row) => {
        const offer = activityOffer(row, referralStatus, enrolled);
        if (offer === "enrol" || offer === "waitlist")
          return (
            <button
              type="button"
              className={offer === "enrol" ? "button" : "button secondary"}
              disabled={enrol.isPending || waitlist.isPending}
              onClick={() => act(row, offer)}
            >
              <Trans
                t={t}
                i18nKey={`cc.offerLabel.${offer}`}
                values={{ activity: row.title ?? "" }}
                components={{ context: <span className="visually-hidden" /> }}
              />
            </button>
          );
        return offer === "none" ? "—" : <span className="hint">{t(`cc.offer.${offer}`)}</span>;
      },
    },
  ];
  return (
    <>
      <DataTable
        caption={t("cc.activitiesCaption")}
        captionHidden
        exportName="activities"
        columns={columns}
        rows={activities}
        rowKey={(row) => row.activityId ?? ""}
        empty={t("cc.noActivities")}
      />
      {fullAt !== undefined ? (
        <p role="alert" className="problem">
          {t("cc.becameFull", { activity: fullAt })}
        </p>
      ) : (
        <CaseworkProblem error={enrol.error} />
      )}
      <CaseworkProblem error={waitlist.error} />
      <SuccessStatus message={done} />
    </>
  );
}

function EnrolmentSection({ enrolment, activity }: { enrolment: Enrolment; activity: Activity | undefined }) {
  const { t } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const rate = attendanceRate(enrolment);
  return (
    <section className="casework-section">
      <h3 id="cc-enrolment">{t("cc.enrolment")}</h3>
      <dl className="facts">
        <dt>{t("cc.activity")}</dt>
        <dd>
          <bdi>{activity?.title ?? "—"}</bdi>
        </dd>
        <dt>{t("cc.enrolmentStatus")}</dt>
        <dd>
          <span className="status">{vocabulary(enrolment.status)}</span>
        </dd>
        <dt>{t("cc.enrolledAt")}</dt>
        <dd>{format.dateTime(enrolment.enrolledAt)}</dd>
        <dt>{t("cc.attendance")}</dt>
        <dd>
          {t("cc.attended", {
            attended: format.number(enrolment.sessionsAttended ?? 0),
            held: format.number(enrolment.sessionsHeld ?? 0),
          })}
          {rate !== undefined ? ` (${format.percent(rate)})` : ""}
        </dd>
        {enrolment.endedAt ? (
          <>
            <dt>{t("cc.endedAt")}</dt>
            <dd>{format.dateTime(enrolment.endedAt)}</dd>
            <dt>{t("cc.certificate")}</dt>
            <dd>{enrolment.certificateIssued ? t("form.yes") : t("form.no")}</dd>
          </>
        ) : null}
      </dl>
      <CompleteForm enrolment={enrolment} open={canEndEnrolment(enrolment)} />
    </section>
  );
}

const END_STATUSES = ["ENROLMENT_STATUS_COMPLETED", "ENROLMENT_STATUS_DROPPED_OUT"] as const;

/** Ending an enrolment; once ended, only its success message stays (in the same live region). */
function CompleteForm({ enrolment, open }: { enrolment: Enrolment; open: boolean }) {
  const { t } = useTranslation("casework");
  const mutation = useRpcMutation("community-centre", "CompleteEnrolment", { invalidates: ["inbox"] });
  const [status, setStatus] = useState<(typeof END_STATUSES)[number] | "">("");
  const [certificate, setCertificate] = useState(false);
  const [missing, setMissing] = useState(false);
  const [done, setDone] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    if (!status) {
      setMissing(true);
      return;
    }
    setMissing(false);
    mutation.mutate(
      {
        request: {
          enrolmentId: enrolment.enrolmentId ?? "",
          status,
          certificateIssued: status === "ENROLMENT_STATUS_COMPLETED" && certificate,
        },
      },
      { onSuccess: () => setDone(t("cc.ended")) },
    );
  };
  return (
    <>
      {open ? (
        <form onSubmit={submit} noValidate className="casework-form" aria-labelledby="cc-complete">
          <h4 id="cc-complete">{t("cc.endTitle")}</h4>
          <p className="hint">{t("cc.endHint")}</p>
          <div className="form-row">
            <SelectField
              label={t("cc.endAs")}
              value={status}
              onChange={setStatus}
              options={END_STATUSES}
              required
              error={missing ? t("form.chooseOne") : fieldReasons(mutation.error, "status")}
            />
            {status === "ENROLMENT_STATUS_COMPLETED" ? (
              <CheckboxField
                label={t("cc.certificateIssued")}
                checked={certificate}
                onChange={setCertificate}
              />
            ) : null}
          </div>
          <CaseworkProblem error={mutation.error} />
          <SubmitButton pending={mutation.isPending}>{t("cc.endSubmit")}</SubmitButton>
        </form>
      ) : null}
      <SuccessStatus message={done} />
    </>
  );
}

function participantLabel(enrolment: Enrolment, referralId: string, t: TFunction<"casework">) {
  return enrolment.referralId === referralId
    ? t("cc.thisReferral", { ref: enrolment.participantRef ?? "" })
    : (enrolment.participantRef ?? "—");
}

function RosterTable({ roster, referralId }: { roster: readonly Enrolment[]; referralId: string }) {
  const { t } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const columns: Column<Enrolment>[] = [
    {
      key: "participant",
      header: t("cc.participant"),
      render: (row) => <bdi>{participantLabel(row, referralId, t)}</bdi>,
      value: (row) => row.participantRef,
    },
    {
      key: "status",
      header: t("cc.enrolmentStatus"),
      render: (row) => vocabulary(row.status),
      value: (row) => vocabulary(row.status),
    },
    {
      key: "enrolledAt",
      header: t("cc.enrolledAt"),
      render: (row) => format.date(row.enrolledAt),
      value: (row) => row.enrolledAt,
    },
    {
      key: "attended",
      header: t("cc.attendance"),
      numeric: true,
      render: (row) =>
        t("cc.attended", {
          attended: format.number(row.sessionsAttended ?? 0),
          held: format.number(row.sessionsHeld ?? 0),
        }),
      value: (row) => row.sessionsAttended,
    },
    {
      key: "rate",
      header: t("cc.rate"),
      numeric: true,
      render: (row) => format.percent(attendanceRate(row)),
      value: (row) => attendanceRate(row),
    },
  ];
  return (
    <DataTable
      caption={t("cc.rosterCaption")}
      captionHidden
      exportName="activity-roster"
      columns={columns}
      rows={roster}
      rowKey={(row) => row.enrolmentId ?? ""}
    />
  );
}

function AttendanceForm({
  activity,
  roster,
  referralId,
}: {
  activity: Activity;
  roster: readonly Enrolment[];
  referralId: string;
}) {
  const { t } = useTranslation("casework");
  const vocabulary = useVocabulary();
  const headingId = useId();
  const mutation = useRpcMutation("community-centre", "RecordAttendance");
  const [sessionAt, setSessionAt] = useState(nowLocalDateTime);
  const [chosen, setChosen] = useState<Record<string, AttendanceStatus>>({});
  const [dateError, setDateError] = useState<string>();
  const [done, setDone] = useState<string>();
  const participants = attendanceRoster(roster);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const at = localDateTimeToInstant(sessionAt);
    setDateError(at ? undefined : t("form.invalidDate"));
    if (!at) return;
    mutation.mutate(
      {
        request: {
          activityId: activity.activityId ?? "",
          sessionAt: at,
          marks: attendanceMarks(roster, chosen),
        },
      },
      {
        onSuccess: () => {
          setDone(t("cc.attendanceRecorded", { count: participants.length }));
          setChosen({});
        },
      },
    );
  };
  const columns: Column<Enrolment>[] = [
    {
      key: "participant",
      header: t("cc.participant"),
      render: (row) => <bdi>{participantLabel(row, referralId, t)}</bdi>,
      value: (row) => row.participantRef,
    },
    {
      key: "mark",
      header: t("cc.mark"),
      render: (row) => {
        const id = row.enrolmentId ?? "";
        return (
          <select
            aria-label={t("cc.markOf", { participant: participantLabel(row, referralId, t) })}
            value={chosen[id] ?? "ATTENDANCE_STATUS_PRESENT"}
            onChange={(event) =>
              setChosen((all) => ({ ...all, [id]: event.target.value as AttendanceStatus }))
            }
          >
            {ATTENDANCE_STATUSES.map((option) => (
              <option key={option} value={option}>
                {vocabulary(option)}
              </option>
            ))}
          </select>
        );
      },
      value: (row) => vocabulary(chosen[row.enrolmentId ?? ""] ?? "ATTENDANCE_STATUS_PRESENT"),
    },
  ];
  return (
    <form onSubmit={submit} noValidate className="casework-form" aria-labelledby={headingId}>
      <h4 id={headingId}>{t("cc.recordAttendance")}</h4>
      <p className="hint">{t("cc.attendanceHint")}</p>
      <div className="form-row">
        <TextField
          label={t("cc.sessionAt")}
          type="datetime-local"
          value={sessionAt}
          onChange={setSessionAt}
          required
          error={dateError ?? fieldReasons(mutation.error, "sessionAt")}
        />
      </div>
      <DataTable
        caption={t("cc.attendanceCaption")}
        captionHidden
        exportName="attendance"
        columns={columns}
        rows={participants}
        rowKey={(row) => row.enrolmentId ?? ""}
      />
      <CaseworkProblem error={mutation.error} />
      <SubmitButton pending={mutation.isPending}>{t("cc.recordAttendance")}</SubmitButton>
      <SuccessStatus message={done} />
    </form>
  );
}
