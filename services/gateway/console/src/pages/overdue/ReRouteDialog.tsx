import { useId, useMemo, useState } from "react";
import { Dialog, Heading, Modal, ModalOverlay } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { useRpcMutation, useRpcQuery } from "../../api/hooks.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { DIRECTORY_PAGE, useOrganisations } from "../directory/directory-data.js";
import { type OverdueReferral, type ReRouteReason, reRouteReasons } from "./reroute.js";

/**
 * A short form of a referral id for people to read out: its last eight characters (the ids are
 * time-ordered, so their beginnings repeat within a day; their ends do not). Exports keep the whole id.
 */
export function shortId(id: string | undefined): string {
  return id ? `…${id.slice(-8)}` : "";
}

/**
 * Asks the referring organisation to route a referral elsewhere: why, optionally an offering to
 * suggest and organisations to leave out (those already tried are left out anyway). A modal dialog
 * (react-aria): focus moves into it, stays there, and returns to the button that opened it.
 */
export function ReRouteDialog({
  entry,
  followUp,
  onClose,
  onDone,
}: {
  entry: OverdueReferral;
  followUp: boolean;
  onClose(): void;
  onDone(referralId: string): void;
}) {
  const { t } = useTranslation("overdue");
  const vocabulary = useVocabulary();
  const { nameOf } = useOrganisations();
  const referral = entry.referral ?? {};
  const reasons = reRouteReasons(referral.status, !followUp);
  const [reason, setReason] = useState<ReRouteReason | undefined>(reasons[0]);
  const [suggested, setSuggested] = useState("");
  const [excluded, setExcluded] = useState<ReadonlySet<string>>(new Set());
  const suggestionId = useId();
  const offerings = useRpcQuery(
    "coordination",
    "ListServiceOfferings",
    {
      serviceTypes: referral.serviceType ? [referral.serviceType] : [],
      capacityStatuses: ["CAPACITY_STATUS_AVAILABLE", "CAPACITY_STATUS_LIMITED", "CAPACITY_STATUS_WAITLIST"],
      page: DIRECTORY_PAGE,
    },
    { enabled: referral.serviceType !== undefined, staleTime: 60_000 },
  );
  const alternatives = useMemo(
    () =>
      (offerings.data?.serviceOfferings ?? []).filter(
        (offering) => offering.organisationId !== referral.targetOrganisationId,
      ),
    [offerings.data, referral.targetOrganisationId],
  );
  const otherOrganisations = useMemo(
    () => [...new Set(alternatives.map((offering) => offering.organisationId ?? ""))].filter(Boolean).sort(),
    [alternatives],
  );
  const request = useRpcMutation("coordination", "RequestReRoute");

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!reason || !referral.referralId) return;
    const referralId = referral.referralId;
    request.mutate(
      {
        request: {
          referralId,
          reason,
          ...(suggested ? { suggestedServiceOfferingId: suggested } : {}),
          excludedOrganisationIds: [...excluded],
        },
      },
      { onSuccess: () => onDone(referralId) },
    );
  };

  return (
    <ModalOverlay
      isOpen
      isDismissable={!request.isPending}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      className="modal-overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">{t("dialog.title")}</Heading>
          <dl className="facts">
            <dt>{t("column.referral")}</dt>
            <dd>
              <code>{referral.referralId}</code>
            </dd>
            <dt>{t("column.target")}</dt>
            <dd>
              <bdi>{nameOf(referral.targetOrganisationId)}</bdi>
            </dd>
            <dt>{t("column.service")}</dt>
            <dd>{vocabulary(referral.serviceType)}</dd>
            <dt>{t("column.status")}</dt>
            <dd>{vocabulary(referral.status)}</dd>
          </dl>
          <form onSubmit={submit} noValidate>
            <fieldset>
              <legend>{t("dialog.reason")}</legend>
              {reasons.length === 0 ? <p className="hint">{t("dialog.noReason")}</p> : null}
              {reasons.map((value) => (
                <label key={value} className="choice">
                  <input
                    type="radio"
                    name="reason"
                    value={value}
                    checked={reason === value}
                    onChange={() => setReason(value)}
                  />
                  <span>{vocabulary(value)}</span>
                </label>
              ))}
            </fieldset>
            <div className="form-row">
              <label htmlFor={suggestionId}>
                {t("dialog.suggest")}
                <select
                  id={suggestionId}
                  value={suggested}
                  onChange={(event) => setSuggested(event.target.value)}
                >
                  <option value="">{t("dialog.noSuggestion")}</option>
                  {alternatives.map((offering) => (
                    <option key={offering.serviceOfferingId} value={offering.serviceOfferingId}>
                      {t("dialog.offering", {
                        name: offering.name,
                        organisation: nameOf(offering.organisationId),
                        capacity: vocabulary(offering.capacityStatus),
                      })}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {otherOrganisations.length > 0 ? (
              <fieldset>
                <legend>{t("dialog.exclude")}</legend>
                <p className="hint">{t("dialog.excludeHint")}</p>
                {otherOrganisations.map((organisationId) => (
                  <label key={organisationId} className="choice">
                    <input
                      type="checkbox"
                      checked={excluded.has(organisationId)}
                      onChange={(event) => {
                        const next = new Set(excluded);
                        if (event.target.checked) next.add(organisationId);
                        else next.delete(organisationId);
                        setExcluded(next);
                      }}
                    />
                    <bdi>{nameOf(organisationId)}</bdi>
                  </label>
                ))}
              </fieldset>
            ) : null}
            <ProblemMessage error={request.error} />
            <div className="dialog-actions">
              <button type="submit" className="button" disabled={!reason || request.isPending}>
                {request.isPending ? t("dialog.sending") : t("dialog.submit")}
              </button>
              <button
                type="button"
                className="button secondary"
                onClick={onClose}
                disabled={request.isPending}
              >
                {t("dialog.cancel")}
              </button>
            </div>
          </form>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
