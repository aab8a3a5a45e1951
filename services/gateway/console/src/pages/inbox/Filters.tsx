import { useId } from "react";
import { useTranslation } from "react-i18next";
import { PRIORITIES, SERVICE_TYPES } from "../../api/enums.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import type { Priority, ReferralStatus, ServiceType } from "./types.js";

export const STATUSES: readonly ReferralStatus[] = [
  "REFERRAL_STATUS_REQUESTED",
  "REFERRAL_STATUS_RECEIVED",
  "REFERRAL_STATUS_ACCEPTED",
  "REFERRAL_STATUS_ON_HOLD",
  "REFERRAL_STATUS_IN_PROGRESS",
  "REFERRAL_STATUS_COMPLETED",
  "REFERRAL_STATUS_NOT_COMPLETED",
  "REFERRAL_STATUS_DECLINED",
  "REFERRAL_STATUS_CANCELLED",
  "REFERRAL_STATUS_REDIRECTED",
  "REFERRAL_STATUS_EXPIRED",
];

/** A select of one enum's values, with an "any" choice; the value lives in the page's state. */
export function EnumSelect<T extends string>({
  label,
  anyLabel,
  values,
  value,
  onChange,
}: {
  label: string;
  anyLabel: string;
  values: readonly T[];
  value: T | "";
  onChange(value: T | ""): void;
}) {
  const vocabulary = useVocabulary();
  const id = useId();
  return (
    <label htmlFor={id}>
      <span>{label}</span>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as T | "")}>
        <option value="">{anyLabel}</option>
        {values.map((option) => (
          <option key={option} value={option}>
            {vocabulary(option)}
          </option>
        ))}
      </select>
    </label>
  );
}

export interface InboxFilterState {
  status: ReferralStatus | "";
  serviceType: ServiceType | "";
  priority: Priority | "";
  overdueOnly: boolean;
}

export const NO_FILTER: InboxFilterState = { status: "", serviceType: "", priority: "", overdueOnly: false };

/** The inbox filters (status, service, priority, overdue). Kept in component state, never the URL. */
export function InboxFilters({
  value,
  onChange,
  showOverdue = true,
}: {
  value: InboxFilterState;
  onChange(next: InboxFilterState): void;
  showOverdue?: boolean;
}) {
  const { t } = useTranslation("inbox");
  return (
    <fieldset className="filters">
      <legend>{t("filter.legend")}</legend>
      <EnumSelect
        label={t("filter.status")}
        anyLabel={t("filter.anyOpenStatus")}
        values={STATUSES}
        value={value.status}
        onChange={(status) => onChange({ ...value, status })}
      />
      <EnumSelect
        label={t("filter.serviceType")}
        anyLabel={t("filter.any")}
        values={SERVICE_TYPES}
        value={value.serviceType}
        onChange={(serviceType) => onChange({ ...value, serviceType })}
      />
      <EnumSelect
        label={t("filter.priority")}
        anyLabel={t("filter.any")}
        values={PRIORITIES}
        value={value.priority}
        onChange={(priority) => onChange({ ...value, priority })}
      />
      {showOverdue ? (
        <label className="check">
          <input
            type="checkbox"
            checked={value.overdueOnly}
            onChange={(event) => onChange({ ...value, overdueOnly: event.target.checked })}
          />
          <span>{t("filter.overdueOnly")}</span>
        </label>
      ) : null}
    </fieldset>
  );
}

/** The ListInbox fields of the filter state (empty lists mean "all"). */
export function filterRequest(value: InboxFilterState) {
  return {
    statuses: value.status ? [value.status] : [],
    serviceTypes: value.serviceType ? [value.serviceType] : [],
    priorities: value.priority ? [value.priority] : [],
    overdueOnly: value.overdueOnly,
  };
}

export { PRIORITIES, SERVICE_TYPES };
